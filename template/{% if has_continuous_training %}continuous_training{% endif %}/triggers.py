"""The five retraining triggers. Each reads what the other jobs leave behind and says whether it
fires and why; `evaluate` runs every enabled one."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from continuous_training import config, registry
from monitoring import config as monitoring_config


@dataclass(frozen=True)
class Trigger:
    name: str
    fired: bool
    reason: str
    value: Any = None
    threshold: Any = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _champion_run(settings: Any) -> tuple[str | None, Any]:
    version = registry.champion_version(settings)
    if version is None:
        return None, None
    c = registry.client(settings)
    mv = c.get_model_version(settings.experiment["registry"]["model_name"], version)
    return version, mv


def schedule(settings: Any, spec: dict[str, Any], now: datetime | None = None) -> Trigger:
    """The champion is older than `max_model_age_days` (or there is none)."""
    limit = float(spec["max_model_age_days"])
    version, mv = _champion_run(settings)
    if version is None:
        return Trigger("schedule", True, "no champion yet", None, limit)
    now = now or datetime.now(UTC)
    age = (now.timestamp() * 1000 - int(mv.creation_timestamp)) / 86_400_000
    fired = age > limit
    return Trigger(
        "schedule", fired, f"champion v{version} is {age:.1f} days old", round(age, 2), limit
    )


def performance_drop(settings: Any, spec: dict[str, Any]) -> Trigger:
    """The champion's online quality is more than `max_drop` worse than its offline quality."""
    limit = float(spec["max_drop"])
    drift_cfg = monitoring_config.load(settings)["drift"]
    path = monitoring_config.project_path(settings, drift_cfg["report_dir"]) / "online_quality.json"
    version = registry.champion_version(settings)
    if not path.is_file() or version is None:
        return Trigger("performance_drop", False, "no online quality report yet", None, limit)
    entry = json.loads(path.read_text(encoding="utf-8"))["versions"].get(version, {})
    drop = entry.get("drop_ratio")
    if drop is None:
        return Trigger(
            "performance_drop", False, f"too few labelled rows for v{version}", None, limit
        )
    return Trigger(
        "performance_drop", drop > limit, f"v{version} is {drop:+.1%} worse online", drop, limit
    )


def drift(settings: Any, spec: dict[str, Any]) -> Trigger:
    """The last drift report found dataset drift or prediction drift."""
    drift_cfg = monitoring_config.load(settings)["drift"]
    path = monitoring_config.project_path(settings, drift_cfg["report_dir"]) / "drift.json"
    if not path.is_file():
        return Trigger("drift", False, "no drift report yet (python -m monitoring drift)")
    report = json.loads(path.read_text(encoding="utf-8"))
    fired = bool(report["dataset_drift"] or report["prediction_drift"])
    reason = (
        f"{len(report['drifted_features'])} features drifted "
        f"({report['drift_share']:.0%}), prediction drift {report['prediction_drift']}"
    )
    return Trigger("drift", fired, reason, report["drift_share"], report["thresholds"])


def new_data(settings: Any, spec: dict[str, Any]) -> Trigger:
    """The validated data has grown by `min_new_rows` rows or `min_new_fraction` since the
    champion was trained (its run logged the rows of each split)."""
    import pyarrow.parquet as pq

    path = Path(settings.data_dir) / "validated" / "data.parquet"
    threshold = {"rows": int(spec["min_new_rows"]), "fraction": float(spec["min_new_fraction"])}
    version, mv = _champion_run(settings)
    if not path.is_file() or version is None:
        return Trigger("new_data", False, "no validated data or no champion", None, threshold)
    params = registry.client(settings).get_run(mv.run_id).data.params
    trained = sum(int(params.get(f"rows_{s}", 0)) for s in ("train", "valid", "test"))
    now = pq.ParquetFile(path).metadata.num_rows
    new = now - trained
    fraction = new / trained if trained else float("inf")
    fired = new >= threshold["rows"] or fraction >= threshold["fraction"]
    reason = f"{new} new rows since v{version} ({now} now, {trained} trained on)"
    return Trigger("new_data", fired, reason, new, threshold)


def _requests_dir(settings: Any) -> Path:
    return config.project_path(settings, config.load(settings)["requests_dir"])


def request_manual(settings: Any, reason: str, requested_by: str) -> dict[str, Any]:
    """Queue a manual retraining request (the CLI and the API endpoint call this)."""
    directory = _requests_dir(settings)
    directory.mkdir(parents=True, exist_ok=True)
    request = {
        "id": uuid.uuid4().hex,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "reason": reason,
        "requested_by": requested_by,
    }
    tmp = directory / f".{request['id']}.tmp"
    tmp.write_text(json.dumps(request) + "\n", encoding="utf-8")
    tmp.replace(directory / f"{request['at'].replace(':', '')}-{request['id']}.json")
    return request


def pending_requests(settings: Any) -> list[Path]:
    directory = _requests_dir(settings)
    return sorted(directory.glob("*.json")) if directory.is_dir() else []


def consume_requests(settings: Any, paths: list[Path]) -> None:
    """Move handled requests to `done/` so they trigger once."""
    for path in paths:
        done = path.parent / "done"
        done.mkdir(exist_ok=True)
        path.replace(done / path.name)


def manual(settings: Any, spec: dict[str, Any]) -> Trigger:
    pending = pending_requests(settings)
    if not pending:
        return Trigger("manual", False, "no pending request")
    reasons = [json.loads(p.read_text(encoding="utf-8"))["reason"] for p in pending]
    return Trigger("manual", True, "; ".join(reasons), len(pending))


TRIGGERS: dict[str, Callable[[Any, dict[str, Any]], Trigger]] = {
    "schedule": schedule,
    "performance_drop": performance_drop,
    "drift": drift,
    "new_data": new_data,
    "manual": manual,
}


def evaluate(settings: Any) -> list[Trigger]:
    """Every enabled trigger, in the order of configs/continuous_training.yaml."""
    specs = config.load(settings)["triggers"]
    return [fn(settings, specs[name]) for name, fn in TRIGGERS.items() if specs[name]["enabled"]]
