"""Step `drift`: compare current rows with the training reference and publish the verdict.

Current rows are, in order of preference: `state["current_frame"]` (a DataFrame), the file at
`state["current_path"]` (CSV or Parquet with the feature columns), or the API's prediction log
of the last `drift.window_days` days. Prediction drift compares the model's outputs with its
own outputs on the test split: logged outputs of the version served most in the window, or for
a file, the champion's outputs on it.

Writes `<report_dir>/drift.json`, `<report_dir>/drift.html` and the Prometheus file.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from deployment.inference import model as model_source
from deployment.inference.schema import InputSchema
from monitoring import config, prediction_log
from monitoring.drift_detection import export, html_report, predictions
from monitoring.drift_detection.detector import DriftReport, Thresholds, detect
from monitoring.textfile import publish

log = logging.getLogger(__name__)


def read_frame(path: Path) -> pd.DataFrame:
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    if path.suffix == ".csv":
        return pd.read_csv(path)
    raise ValueError(f"{path}: only .csv and .parquet files can be compared")


def current_rows(
    settings: Any, state: dict[str, Any], drift: dict[str, Any]
) -> tuple[pd.DataFrame, str]:
    """(rows, where they came from)."""
    if state.get("current_frame") is not None:
        return state["current_frame"], "frame"
    if state.get("current_path"):
        path = config.project_path(settings, state["current_path"])
        return read_frame(path), str(path)
    directory = config.project_path(settings, drift["prediction_log_dir"])
    days = int(drift["window_days"])
    return prediction_log.read(directory, days), f"prediction log {directory} ({days} days)"


def _served_version(frame: pd.DataFrame) -> str | None:
    if "model_version" not in frame.columns or frame["model_version"].isna().all():
        return None
    return str(frame["model_version"].value_counts().idxmax())


def prediction_inputs(
    settings: Any, frame: pd.DataFrame
) -> tuple[dict[str, Any] | None, pd.DataFrame | None, dict[str, Any]]:
    """(prediction reference, current outputs, notes) for the model the rows belong to."""
    name = str(settings.experiment["registry"]["model_name"])
    version = _served_version(frame)
    try:
        if version is not None and "prediction" in frame.columns:
            rows = frame[frame["model_version"] == version]
            reference = predictions.reference_for(settings, f"models:/{name}/{version}")
            outputs = rows[[c for c in ("prediction", "probability") if c in rows.columns]]
            if reference["columns"].get("prediction", {}).get("type") == "categorical":
                outputs = outputs.assign(prediction=outputs["prediction"].astype(str))
            return reference, outputs, {"model_version": version, "prediction_source": "logged"}
        uri = model_source.model_uri(settings)
        predictor = predictions.load_predictor(settings, uri)
        reference = predictions.reference_for(settings, uri)
        accepted, _ = InputSchema(settings.data).validate_frame(frame)
        outputs = predictions.outputs_frame(predictor, accepted)
        return (
            reference,
            outputs,
            {
                "model_version": predictor.info.version,
                "prediction_source": f"scored with {uri}",
            },
        )
    except Exception as exc:  # no registry or model: feature drift still counts
        log.warning("prediction drift skipped: %s", exc)
        return None, None, {"prediction_drift_skipped": f"{type(exc).__name__}: {exc}"}


def analyse(settings: Any, state: dict[str, Any]) -> DriftReport:
    drift = config.load(settings)["drift"]
    reference_path = Path(settings.data_dir) / "reference" / "stats.json"
    if not reference_path.is_file():
        raise FileNotFoundError(f"{reference_path} not found: run the validate step first")
    reference = json.loads(reference_path.read_text(encoding="utf-8"))
    frame, source = current_rows(settings, state, drift)
    thresholds = Thresholds.from_config(drift)
    context: dict[str, Any] = {
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": source,
        "reference": str(reference_path),
    }
    pred_reference = outputs = None
    if len(frame) >= thresholds.min_rows:
        pred_reference, outputs, notes = prediction_inputs(settings, frame)
        context.update(notes)
    return detect(reference, frame, thresholds, pred_reference, outputs, context)


def run(settings: Any, state: dict[str, Any]) -> dict[str, Any]:
    drift = config.load(settings)["drift"]
    report = analyse(settings, state)
    out_dir = config.project_path(settings, drift["report_dir"])
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "drift.json").write_text(
        json.dumps(report.to_dict(), indent=2, default=str) + "\n", encoding="utf-8"
    )
    (out_dir / "drift.html").write_text(html_report.render(report), encoding="utf-8")
    published = publish(
        export.registry_of(report),
        config.project_path(settings, drift["prometheus_file"]),
        job="drift",
    )
    state["drift"] = report
    return {
        "status": report.status,
        "rows": report.rows,
        "drifted_features": report.drifted_features,
        "drift_share": round(report.drift_share, 3),
        "prediction_drift": report.prediction_drift,
        "report": str(out_dir / "drift.html"),
        "prometheus_file": published["file"],
    }
