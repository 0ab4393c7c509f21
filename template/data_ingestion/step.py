"""Step `ingest`: read the source, keep the rows newer than the watermark, write a raw load.

A PostgreSQL source pushes the watermark into its query and streams (`data_ingestion.postgres`).

A load is appended to `data/raw/` as its own Parquet partition and recorded in
`data/raw/manifest.json` with its content hash. When the source itself changes (another path,
seed or row count), or `source.incremental` is false, the raw layer starts over. Without a
`timestamp_column` there is no watermark: every run reloads the whole source. Without an
`id_column`, each row gets a content-hash id (`data_ingestion.row_ids`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from data_ingestion import contract, engine, raw_layer, row_ids
from data_ingestion.contract import SettingsLike
from data_ingestion.layers import Layers
from data_ingestion.sources import fingerprint, read_source, source_config


def run(
    settings: SettingsLike, state: dict[str, Any], sleep: Callable[[float], None] = time.sleep
) -> dict[str, Any]:
    config = settings.data
    source = source_config(config)
    layers = Layers(settings.data_dir)
    current = fingerprint(config, settings.root)
    manifest = raw_layer.load_manifest(layers)
    notes: list[str] = []
    start_over = manifest is None
    if manifest is not None and manifest["source_fingerprint"] != current:
        start_over = True
        notes.append("the source changed: earlier raw loads were removed")
    elif manifest is not None and not source.get("incremental", True) and manifest["loads"]:
        start_over = True
        notes.append("source.incremental is false: full reload")
    elif (
        manifest is not None
        and contract.timestamp_column(config) is None
        and (manifest["loads"] or manifest["files"])
    ):
        # No timestamp, no watermark: which rows are new cannot be told, so all are reloaded.
        start_over = True
        notes.append("no timestamp_column (no watermark): full reload")
    if start_over or manifest is None:
        manifest = raw_layer.empty_manifest(current)
    if source["type"] == "postgres":  # streams in chunks straight to the raw layer
        from data_ingestion.postgres import reader

        return reader.ingest(settings, state, layers, manifest, start_over, notes, sleep)

    # Read and check first: a failing read leaves the raw layer as it was.
    batch = read_source(config, settings.root, already_read=manifest["files"], sleep=sleep)
    notes += batch.notes
    frame = batch.frame
    where = f"the {source['type']} source"
    if len(frame.columns):
        contract.require_columns(frame.columns, config, where)
        frame = row_ids.with_row_ids(frame, config, where)
    if start_over:
        manifest = raw_layer.reset(layers, current)

    frames = engine.frames(engine.name(config))
    new, skipped = _newer_than_watermark(frame, config, manifest["watermark"], source["type"])
    entry = None
    if len(new):
        timestamps = frames.timestamps(new, config)
        entry = raw_layer.append_load(layers, manifest, new, timestamps, batch.files)
    elif batch.files:  # files read, nothing newer than the watermark in them
        raw_layer.record_files(layers, manifest, batch.files)

    state["raw_manifest"] = str(layers.raw_manifest)
    state["dataset_version"] = manifest["dataset_version"]
    return {
        "source": source["type"],
        "rows_read": len(frame),
        "rows_new": len(new),
        "rows_at_or_before_watermark": skipped,
        "load_id": entry["load_id"] if entry else None,
        "loads": len(manifest["loads"]),
        "watermark": manifest["watermark"],
        "dataset_version": (manifest["dataset_version"] or "")[:12] or None,
        "notes": notes,
    }


def _newer_than_watermark(
    frame: Any, config: dict[str, Any], watermark: str | None, source_type: str
) -> tuple[Any, int]:
    """Rows after the watermark; returns them and how many older rows were left out.

    Rows whose timestamp cannot be read are kept (validation quarantines them) when their
    content is new: always for files and objects (read ones are skipped), on the first load
    for the sample.
    """
    if watermark is None or not len(frame) or contract.timestamp_column(config) is None:
        return frame, 0
    frames = engine.frames(engine.name_of(frame))
    ts = frames.timestamps(frame, config)
    keep = frames.newer_than(
        ts,
        datetime.fromisoformat(watermark),
        keep_unparsed=source_type in ("files", "object_store"),
    )
    return frames.filter_rows(frame, keep), int((~keep).sum())
