"""Read the source named in `configs/data.yaml`: the generated sample, or CSV/Parquet files.

`source.type: sample` generates `rows` rows with `seed` (and optional injected `faults`).
`source.type: postgres` reads a table or query (see `data_ingestion.postgres`).
`source.type: files` reads `path` (a file or a glob, relative to the project) in `format`
csv or parquet. Files already ingested (same content hash) are skipped. Transient read errors
are retried with exponential backoff; an unreadable file is a clear error.
"""

from __future__ import annotations

import glob
import hashlib
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from data_ingestion import contract, engine, sample
from data_ingestion.faults import inject_faults
from data_ingestion.layers import write_parquet
from data_ingestion.retry import with_retries

FORMATS = ("csv", "parquet")
# object_store: data_ingestion/object_store.py, rendered for projects reading a bucket.
# postgres needs the project rendered with data_source=postgres (psycopg, data_ingestion.postgres).
SOURCE_TYPES = ("sample", "files", "postgres", "object_store")


class SourceReadError(ValueError):
    """A source file exists but cannot be read as the configured format."""


@dataclass
class SourceBatch:
    """What one read of the source produced: a frame of the configured engine."""

    frame: Any
    files: dict[str, str] = field(default_factory=dict)  # path -> content hash, files read
    notes: list[str] = field(default_factory=list)


def source_config(config: Mapping[str, Any]) -> dict[str, Any]:
    source = dict(config.get("source") or {})
    kind = source.get("type")
    if kind not in SOURCE_TYPES:
        raise ValueError(
            f"configs/data.yaml: source.type must be one of {', '.join(SOURCE_TYPES)}, got {kind!r}"
        )
    return source


def fingerprint(config: Mapping[str, Any], root: Path | None = None) -> str:
    """Identifies the source; when it changes, earlier loads belong to another dataset."""
    source = source_config(config)
    if source["type"] == "sample":
        keys = {k: source.get(k) for k in ("type", "rows", "seed", "faults")}
        keys["problem_type"] = config.get("problem_type")
    elif source["type"] == "postgres":  # another server, database, table or query: new dataset
        from data_ingestion.postgres import connection

        keys = {k: source.get(k) for k in ("type", "table", "query")}
        keys["timestamp_column"] = config.get("timestamp_column")
        keys |= connection.identity(connection.conninfo(source, root or Path.cwd()))
    elif source["type"] == "object_store":  # the URL read, wherever it was given
        from data_ingestion import object_store

        keys = {k: source.get(k) for k in ("type", "format")}
        keys["url"] = object_store.check_config(source, root or Path.cwd())[0]
    else:
        keys = {k: source.get(k) for k in ("type", "path", "url", "format")}
    # Loads made with a derived row id cannot be mixed with loads keyed by a column, or back.
    keys["id_column"] = contract.id_column(config)
    return hashlib.sha256(json.dumps(keys, sort_keys=True, default=str).encode()).hexdigest()[:16]


def read_source(
    config: Mapping[str, Any],
    root: Path,
    *,
    already_read: Mapping[str, str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> SourceBatch:
    source = source_config(config)
    frames = engine.frames(engine.name(config))
    if source["type"] == "sample":
        return SourceBatch(frames.from_pandas(generate_sample(config)))
    if source["type"] == "object_store":
        from data_ingestion import object_store

        read, objects, notes = object_store.read(
            source, engine.name(config), dict(already_read or {}), sleep, root
        )
        return SourceBatch(frames.concat(read), objects, notes)
    return _read_files(config, source, root, dict(already_read or {}), sleep)


def generate_sample(config: Mapping[str, Any]) -> pd.DataFrame:
    source = source_config(config)
    seed = int(source.get("seed", 42))
    df = sample.generate(str(config.get("problem_type")), int(source.get("rows", 10_000)), seed)
    faults = source.get("faults") or {}
    return inject_faults(df, config, faults, seed=seed)[0] if faults else df


def _read_files(
    config: Mapping[str, Any],
    source: dict[str, Any],
    root: Path,
    already_read: dict[str, str],
    sleep: Callable[[float], None],
) -> SourceBatch:
    pattern = source.get("path")
    if not pattern:
        raise ValueError("configs/data.yaml: source.path (a file or glob) is required for files")
    fmt = str(source.get("format", "csv")).lower()
    if fmt not in FORMATS:
        raise ValueError(f"configs/data.yaml: source.format must be csv or parquet, got {fmt!r}")
    full = str(Path(pattern) if Path(pattern).is_absolute() else root / pattern)
    notes: list[str] = []
    paths = sorted(glob.glob(full))
    if not paths and source.get("sample_if_missing"):
        written = _write_sample_file(config, Path(full), fmt)
        notes.append(f"no file matched {pattern}: wrote the sample dataset to {written}")
        paths = sorted(glob.glob(full))
    if not paths:
        raise FileNotFoundError(f"source.path {pattern!r} matches no file (looked for {full})")

    retry = source.get("retries", {}) if isinstance(source.get("retries"), dict) else {}
    name = engine.name(config)
    read, files = [], {}
    for path in paths:
        digest = with_retries(lambda p=path: _file_hash(p), sleep=sleep, what=path, **retry)
        if already_read.get(path) == digest:
            continue
        frame = with_retries(lambda p=path: _read(p, fmt, name), sleep=sleep, what=path, **retry)
        if len(frame.columns):  # an empty file adds no rows
            contract.require_columns(frame.columns, config, "source file", path)
        read.append(frame)
        files[path] = digest
    if len(files) < len(paths):
        notes.append(f"skipped {len(paths) - len(files)} file(s) already ingested")
    return SourceBatch(engine.frames(name).concat(read), files, notes)


def _read(path: str, fmt: str, engine_name: str = "pandas") -> Any:
    frames = engine.frames(engine_name)
    try:
        return frames.read_file(path, fmt)
    except frames.READ_ERRORS as exc:
        raise SourceReadError(f"cannot read {path} as {fmt}: {exc}") from exc


def _file_hash(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _write_sample_file(config: Mapping[str, Any], pattern: Path, fmt: str) -> Path:
    folder = pattern.parent
    while glob.has_magic(str(folder)):
        folder = folder.parent
    target = folder / f"sample.{fmt}"
    folder.mkdir(parents=True, exist_ok=True)
    df = generate_sample(config)
    if fmt == "csv":
        df.to_csv(target, index=False)
    else:
        write_parquet(df, target)
    return target
