"""configs/continuous_training.yaml; Settings.overrides["continuous_training"] wins (tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

DEFAULTS: dict[str, Any] = {
    "check_schedule": "@daily",
    "triggers": {
        "schedule": {"enabled": True, "max_model_age_days": 30},
        "performance_drop": {"enabled": True, "max_drop": 0.05},
        "drift": {"enabled": True},
        "new_data": {"enabled": True, "min_new_rows": 5000, "min_new_fraction": 0.25},
        "manual": {"enabled": True},
    },
    "promotion": {"min_improvement": 0.01},
    "audit_log": "reports/continuous_training/audit.jsonl",
    "requests_dir": "data/continuous_training/requests",
    "api_token_env": "CT_API_TOKEN",
}


def merge(base: dict[str, Any], *layers: dict[str, Any] | None) -> dict[str, Any]:
    """`base` with each layer's keys over it, nested mappings merged key by key."""
    out = dict(base)
    for layer in layers:
        for key, value in (layer or {}).items():
            if isinstance(value, dict) and isinstance(out.get(key), dict):
                out[key] = merge(out[key], value)
            else:
                out[key] = value
    return out


def load(settings: Any) -> dict[str, Any]:
    path = Path(settings.root) / "configs" / "continuous_training.yaml"
    loaded = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else {}
    overrides = (getattr(settings, "overrides", None) or {}).get("continuous_training")
    return merge(DEFAULTS, loaded, overrides)


def project_path(settings: Any, value: str | Path) -> Path:
    path = Path(value)
    return path if path.is_absolute() else Path(settings.root) / path
