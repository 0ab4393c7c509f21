"""The raw layer: one Parquet partition per load, and a manifest that records every load.

`data/raw/manifest.json` holds the source fingerprint, the watermark (the newest timestamp
loaded so far), the files already read, and per load: its rows, content hash and time range.
The dataset version is the hash over all loads, so equal data gives an equal version.
"""

from __future__ import annotations

import hashlib
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from data_ingestion import engine
from data_ingestion.layers import Layers, content_hash, read_json, write_json, write_parquet


def empty_manifest(fingerprint: str) -> dict[str, Any]:
    return {
        "source_fingerprint": fingerprint,
        "watermark": None,
        "files": {},
        "loads": [],
        "dataset_version": None,
    }


def load_manifest(layers: Layers) -> dict[str, Any] | None:
    return read_json(layers.raw_manifest) if layers.raw_manifest.is_file() else None


def reset(layers: Layers, fingerprint: str) -> dict[str, Any]:
    """Drop every raw load (the source changed, or loads are full refreshes)."""
    if layers.raw.exists():
        shutil.rmtree(layers.raw)
    manifest = empty_manifest(fingerprint)
    write_json(layers.raw_manifest, manifest)
    return manifest


def append_load(
    layers: Layers,
    manifest: dict[str, Any],
    frame: Any,
    timestamps: Any,
    files: dict[str, str],
) -> dict[str, Any]:
    """Write `frame` (of either engine) as the next partition and record it; returns the load's
    manifest entry. `timestamps` are the frame's parsed timestamps (None where unreadable)."""
    path = next_load_path(layers, manifest)
    write_parquet(frame, path)
    oldest, newest = engine.frames(engine.name_of(frame)).timestamp_bounds(timestamps)
    return _record(layers, manifest, path, len(frame), content_hash(frame), oldest, newest, files)


def next_load_path(layers: Layers, manifest: dict[str, Any]) -> Path:
    load_id = f"{len(manifest['loads']) + 1:06d}"
    return layers.raw / f"load={load_id}" / "part-000.parquet"


def record_load(
    layers: Layers,
    manifest: dict[str, Any],
    written: Path,
    rows: int,
    digest: str,
    oldest: datetime | None,
    newest: datetime | None,
) -> dict[str, Any]:
    """Move a finished Parquet file (written elsewhere, e.g. streamed in chunks) into place as
    the next load and record it; the manifest is written last, so a failure before leaves the
    raw layer as it was."""
    path = next_load_path(layers, manifest)
    path.parent.mkdir(parents=True, exist_ok=True)
    written.replace(path)
    return _record(layers, manifest, path, rows, digest, oldest, newest, {})


def _record(
    layers: Layers,
    manifest: dict[str, Any],
    path: Path,
    rows: int,
    digest: str,
    oldest: datetime | None,
    newest: datetime | None,
    files: dict[str, str],
) -> dict[str, Any]:
    entry = {
        "load_id": path.parent.name.removeprefix("load="),
        "path": str(path.relative_to(layers.data_dir)),
        "rows": rows,
        "content_hash": digest,
        "loaded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "min_timestamp": oldest.isoformat() if oldest else None,
        "max_timestamp": newest.isoformat() if newest else None,
        "files": sorted(files),
    }
    manifest["loads"].append(entry)
    manifest["files"].update(files)
    newest_ts = entry["max_timestamp"]
    if newest_ts and (
        manifest["watermark"] is None
        or pd.Timestamp(newest_ts) > pd.Timestamp(manifest["watermark"])
    ):
        manifest["watermark"] = newest_ts
    manifest["dataset_version"] = dataset_version(manifest)
    write_json(layers.raw_manifest, manifest)
    return entry


def record_files(layers: Layers, manifest: dict[str, Any], files: dict[str, str]) -> None:
    """Remember files that were read but held no row newer than the watermark."""
    manifest["files"].update(files)
    write_json(layers.raw_manifest, manifest)


def dataset_version(manifest: dict[str, Any]) -> str | None:
    if not manifest["loads"]:
        return None
    joined = "".join(load["content_hash"] for load in manifest["loads"])
    return hashlib.sha256(joined.encode()).hexdigest()


def read_raw(layers: Layers, engine_name: str = "pandas") -> Any:
    """Every raw load, oldest first, as one frame of `engine_name` (pandas or polars)."""
    manifest = load_manifest(layers)
    if not manifest or not manifest["loads"]:
        raise FileNotFoundError(
            f"no raw data under {layers.raw}: run the `ingest` step first (or `make pipeline`)"
        )
    paths = [layers.data_dir / load["path"] for load in manifest["loads"]]
    for path in paths:
        if not path.is_file():
            raise FileNotFoundError(f"raw partition {path} listed in the manifest is missing")
    return engine.frames(engine_name).read_parquet(paths)
