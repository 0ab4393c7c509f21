"""Score a dataset in chunks with the served model; safe to re-run.

Input files (Parquet or CSV, a path or a glob) are read `chunk_rows` rows at a time, so memory
stays bounded whatever their size. Each chunk is checked against the same input schema as the
API: accepted rows are scored with the same predictor, rejected rows are kept with the reason.

Output: `<output>/model=<name>/version=<version>/input=<hash>/part-NNNNN.parquet` with the id,
the prediction, probabilities, model name, version and `scored_at`, plus `_SUCCESS.json`.
The folder is written under a temporary name and renamed when complete: a re-run with the same
input and model finds `_SUCCESS.json` and does nothing (`force=True` rescores and replaces it
atomically), and an interrupted run leaves no partial output behind.

Metrics: a successful run (a skipped one included) writes its Prometheus metrics
(deployment/batch/metrics.py) to BATCH_METRICS_FILE (default reports/monitoring/metrics/batch.prom)
for node_exporter's textfile collector and pushes them to PUSHGATEWAY_URL when that is set. A
failed run publishes nothing, so `ml_batch_last_success_timestamp_seconds` ages and the
`BatchJobStale` alert fires.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from data_ingestion.layers import replace_folder, write_parquet
from deployment.batch.metrics import JOB, BatchMetrics
from deployment.inference import model as model_source
from deployment.inference.predictor import Predictions, Predictor
from deployment.inference.schema import InputSchema
from monitoring.textfile import publish

SUCCESS = "_SUCCESS.json"
DEFAULT_CHUNK_ROWS = 50_000
DEFAULT_METRICS_FILE = "reports/monitoring/metrics/batch.prom"


@dataclass(frozen=True)
class BatchResult:
    output: str
    input_files: list[str]
    input_hash: str
    model: dict[str, Any]
    rows_scored: int
    rows_rejected: int
    parts: int
    scored_at: str
    skipped: bool = False
    # Where the run's metrics went ({"file": ..., "pushed": ...}); not kept in _SUCCESS.json.
    metrics: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def input_files(pattern: str | Path, root: Path) -> list[Path]:
    """The files a path or glob names (relative to the project root), sorted."""
    text = str(pattern)
    if not Path(text).is_absolute():
        text = str(root / text)
    files = sorted(Path(p) for p in glob.glob(text) if Path(p).is_file())
    if not files:
        raise FileNotFoundError(f"no input file matches {pattern}")
    return files


def fingerprint(files: list[Path]) -> str:
    """SHA-256 of the files' names and bytes, read in blocks (any size)."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode() + b"\0")
        with path.open("rb") as fh:
            for block in iter(lambda fh=fh: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def read_chunks(path: Path, chunk_rows: int) -> Iterator[pd.DataFrame]:
    if path.suffix == ".parquet":
        for batch in pq.ParquetFile(path).iter_batches(batch_size=chunk_rows):
            yield batch.to_pandas()
    elif path.suffix == ".csv":
        yield from pd.read_csv(path, chunksize=chunk_rows)
    else:
        raise ValueError(f"{path}: only .parquet and .csv inputs are supported")


def metrics_path(root: Path, metrics_file: str | Path | None = None) -> Path:
    """The textfile-collector file: the argument, else BATCH_METRICS_FILE, else the default;
    relative paths are relative to the project root."""
    path = Path(metrics_file or os.environ.get("BATCH_METRICS_FILE") or DEFAULT_METRICS_FILE)
    return path if path.is_absolute() else root / path


def scored_frame(
    accepted: pd.DataFrame,
    predictions: Predictions,
    schema: InputSchema,
    model: dict[str, Any],
    scored_at: datetime,
) -> pd.DataFrame:
    keys = [c for c in (schema.id_column, schema.entity_column) if c]
    out = accepted[keys].copy()
    out["prediction"] = predictions.labels
    if predictions.probability is not None:
        out["probability"] = predictions.probability
    if predictions.probabilities is not None:
        for label in predictions.probabilities[0]:
            out[f"probability_{label}"] = [p[label] for p in predictions.probabilities]
    out["model_name"] = model["name"]
    out["model_version"] = model["version"]
    out["scored_at"] = pd.Timestamp(scored_at).tz_convert(None)
    return out


def run_batch(
    settings: Any,
    input_path: str | Path | None = None,
    output_dir: str | Path | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    force: bool = False,
    model_uri: str | None = None,
    tracking_uri: str | None = None,
    metrics_file: str | Path | None = None,
) -> BatchResult:
    if chunk_rows < 1:
        raise ValueError(f"chunk_rows must be at least 1, got {chunk_rows}")
    started = time.perf_counter()
    root = Path(settings.root)
    files = input_files(input_path or settings.data_dir / "validated" / "data.parquet", root)
    output = Path(output_dir or settings.data_dir / "predictions" / "batch")
    if not output.is_absolute():
        output = root / output
    model, info = model_source.load(
        model_uri or model_source.model_uri(settings), tracking_uri or settings.tracking_uri
    )
    schema = InputSchema(settings.data)
    predictor = Predictor(model, info, schema)
    metrics = BatchMetrics(predictor.kind)
    input_hash = fingerprint(files)
    final = output / f"model={info.name}" / f"version={info.version}" / f"input={input_hash[:16]}"
    if (final / SUCCESS).is_file() and not force:
        done = json.loads((final / SUCCESS).read_text(encoding="utf-8"))
        skipped = BatchResult(**{**done, "skipped": True})
        return _published(skipped, metrics, info.to_dict(), started, root, metrics_file)

    scored_at = datetime.now(UTC)
    work = final.with_name(f"{final.name}.tmp-{os.getpid()}")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    scored = rejected = parts = 0
    try:
        for path in files:
            for chunk in read_chunks(path, chunk_rows):
                accepted, bad = schema.validate_frame(chunk)
                if len(accepted):
                    predictions = predictor.predict_frame(accepted)
                    metrics.observe(predictions.labels, predictions.probability)
                    frame = scored_frame(accepted, predictions, schema, info.to_dict(), scored_at)
                    write_parquet(frame, work / f"part-{parts:05d}.parquet")
                if len(bad):
                    write_parquet(bad, work / f"rejected-{parts:05d}.parquet")
                scored, rejected, parts = scored + len(accepted), rejected + len(bad), parts + 1
        result = BatchResult(
            output=str(final),
            input_files=[str(p) for p in files],
            input_hash=input_hash,
            model=info.to_dict(),
            rows_scored=scored,
            rows_rejected=rejected,
            parts=parts,
            scored_at=scored_at.isoformat(),
        )
        kept = {k: v for k, v in result.to_dict().items() if k != "metrics"}
        (work / SUCCESS).write_text(json.dumps(kept, indent=2) + "\n")
        replace_folder(work, final)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return _published(result, metrics, info.to_dict(), started, root, metrics_file)


def _published(
    result: BatchResult,
    metrics: BatchMetrics,
    model: dict[str, Any],
    started: float,
    root: Path,
    metrics_file: str | Path | None,
) -> BatchResult:
    """Write (and push) the run's metrics; the result says where they went."""
    registry = metrics.finish(result, model, time.perf_counter() - started)
    where = publish(registry, metrics_path(root, metrics_file), job=JOB)
    return replace(result, metrics=where)
