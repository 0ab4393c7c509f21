"""Step `validate`: check every raw row against the data contract.

Accepted rows go to `data/validated/data.parquet`; failing rows, with the failing check(s) of
each, to `data/quarantine/quarantine.parquet`. Every run writes `reports/data_quality.json`
(rows in = accepted + quarantined, completeness per column), `reports/data_profile.json` and the
reference statistics for drift detection, `data/reference/stats.json`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pandas as pd

from data_ingestion import contract, engine, raw_layer
from data_ingestion.contract import SettingsLike
from data_ingestion.layers import Layers, content_hash, write_json, write_parquet
from data_quality.profile import completeness, profile, reference_stats
from data_quality.validate import failures_by_check, storage_dtypes, validate


class DataQualityError(RuntimeError):
    """Too many rows failed validation for the data to be trusted."""


def run(settings: SettingsLike, state: dict[str, Any]) -> dict[str, Any]:
    config = settings.data
    layers = Layers(settings.data_dir)
    raw = raw_layer.read_raw(layers, engine.name(config))
    now = pd.Timestamp.now(tz="UTC").tz_convert(None)
    result = validate(raw, config, now)

    stored = storage_dtypes(result.accepted)
    write_parquet(stored, layers.validated)
    write_parquet(result.quarantined, layers.quarantine)
    columns = contract.contract_columns(config)
    report = {
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "rows_in": len(raw),
        "rows_accepted": len(result.accepted),
        "rows_quarantined": len(result.quarantined),
        "reconciled": len(raw) == len(result.accepted) + len(result.quarantined),
        "completeness": completeness(raw, columns),
        "completeness_accepted": completeness(result.accepted, columns),
        "engine": engine.name(config),
        "failures_by_check": failures_by_check(result.failures),
        "ignored_columns": sorted(set(map(str, raw.columns)) - set(columns)),
        "validated_hash": content_hash(stored),
        "validated_path": str(layers.validated),
        "quarantine_path": str(layers.quarantine),
    }
    write_json(settings.reports_dir / "data_quality.json", report)
    write_json(settings.reports_dir / "data_profile.json", profile(result.accepted, config, now))
    write_json(layers.reference, reference_stats(result.accepted, config))

    state["validated"] = str(layers.validated)
    limit = float((config.get("quality") or {}).get("max_quarantine_fraction", 1.0))
    fraction = len(result.quarantined) / max(len(raw), 1)
    if fraction > limit:
        raise DataQualityError(
            f"{len(result.quarantined)} of {len(raw)} rows ({fraction:.1%}) failed validation, "
            f"above quality.max_quarantine_fraction={limit}; see {layers.quarantine} and "
            f"{settings.reports_dir / 'data_quality.json'}"
        )
    return {
        "rows_in": report["rows_in"],
        "rows_accepted": report["rows_accepted"],
        "rows_quarantined": report["rows_quarantined"],
        "reconciled": report["reconciled"],
        "min_completeness": min(report["completeness_accepted"].values()),
        "failures_by_check": report["failures_by_check"],
    }
