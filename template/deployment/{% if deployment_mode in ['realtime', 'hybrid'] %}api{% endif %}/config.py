"""Serving configuration, read from environment variables once at start-up."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deployment.inference.model import model_uri


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 1) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number, got {raw!r}") from None
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} must be true or false, got {raw!r}")


@dataclass(frozen=True)
class ServingConfig:
    """Every knob of the API (or of the KServe predictor). The environment variable of each is
    in `from_env`."""

    model_uri: str
    tracking_uri: str
    # The KServe predictor's model name: /v1/models/<name>:predict, /v2/models/<name>/infer.
    model_name: str = "model"
    max_batch_rows: int = 1000
    max_body_bytes: int = 1_048_576
    prediction_log_dir: Path | None = None
    access_log: bool = True
    log_level: str = "INFO"
    model_retry_seconds: float = 30.0
    # Watch the registry alias: 0 (the default) is off. See model_state.py for why.
    model_poll_seconds: float = 0.0
    # The experiment's flagd flag file (experimentation/; standard and enterprise projects):
    # None serves the model alone, without flags or experiment events.
    flag_file: Path | None = None
    flag_reload_seconds: float = 1.0
    experiment_events_dir: Path | None = None

    @classmethod
    def from_env(cls, settings: Any, env: Mapping[str, str] | None = None) -> ServingConfig:
        env = os.environ if env is None else env
        log_dir = env.get("PREDICTION_LOG_DIR", str(settings.data_dir / "predictions" / "online"))
        # FLAG_FILE="" turns the experiment off; unset, the project's flag file if it has one.
        flags = env.get("FLAG_FILE")
        if flags is None:
            default_flags = settings.root / "configs" / "flags.flagd.json"
            flags = str(default_flags) if default_flags.is_file() else ""
        events_dir = env.get("EXPERIMENT_EVENTS_DIR") or str(
            settings.data_dir / "experiments" / "events"
        )
        return cls(
            model_uri=env.get("MODEL_URI") or model_uri(settings),
            tracking_uri=env.get("MLFLOW_TRACKING_URI") or settings.tracking_uri,
            model_name=env.get("MODEL_NAME") or settings.experiment["registry"]["model_name"],
            max_batch_rows=_int(env, "MAX_BATCH_ROWS", 1000),
            max_body_bytes=_int(env, "MAX_BODY_BYTES", 1_048_576),
            prediction_log_dir=Path(log_dir) if log_dir else None,
            access_log=_bool(env, "ACCESS_LOG", True),
            log_level=env.get("LOG_LEVEL", "INFO").upper(),
            model_retry_seconds=_float(env, "MODEL_RETRY_SECONDS", 30.0),
            model_poll_seconds=_float(env, "MODEL_POLL_SECONDS", 0.0),
            flag_file=Path(flags) if flags else None,
            flag_reload_seconds=_float(env, "FLAG_RELOAD_SECONDS", 1.0),
            experiment_events_dir=Path(events_dir),
        )
