"""configs/monitoring.yaml with its defaults; Settings.overrides["monitoring"] wins (tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

DEFAULTS: dict[str, dict[str, Any]] = {
    "drift": {
        "prediction_log_dir": "data/predictions/online",
        "window_days": 7,
        "min_rows": 200,
        "psi_threshold": 0.2,
        "ks_statistic_threshold": 0.1,
        "ks_p_value": 0.01,
        "dataset_drift_share": 0.25,
        "prediction_psi_threshold": 0.2,
        "report_dir": "reports/monitoring",
        "prometheus_file": "reports/monitoring/metrics/drift.prom",
    },
    "online_quality": {
        "labels_path": "data/labels/*.parquet",
        "min_labelled_rows": 50,
        "prometheus_file": "reports/monitoring/metrics/online_quality.prom",
    },
}


def load(settings: Any) -> dict[str, dict[str, Any]]:
    """Each section of configs/monitoring.yaml over its defaults."""
    path = Path(settings.root) / "configs" / "monitoring.yaml"
    loaded: dict[str, Any] = {}
    if path.is_file():
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    overrides = (getattr(settings, "overrides", None) or {}).get("monitoring", {})
    return {
        section: {**defaults, **(loaded.get(section) or {}), **(overrides.get(section) or {})}
        for section, defaults in DEFAULTS.items()
    }


def project_path(settings: Any, value: str | Path) -> Path:
    """A path from the config: relative paths are relative to the project root."""
    path = Path(value)
    return path if path.is_absolute() else Path(settings.root) / path
