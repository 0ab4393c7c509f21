"""The trained models and training report, from the pipeline's state or from MLflow."""

from __future__ import annotations

from typing import Any

import mlflow

from models import reports, tracking


def training_report(settings: Any, state: dict[str, Any]) -> dict[str, Any]:
    if "training" not in state:
        state["training"] = reports.read(settings.reports_dir, reports.TRAINING, "train")
    return state["training"]


def trained_models(settings: Any, state: dict[str, Any]) -> tuple[Any, Any]:
    """(best model, baseline model): fitted pipelines of the training run."""
    report = training_report(settings, state)
    if "model" not in state or "baseline_model" not in state:
        mlflow.set_tracking_uri(settings.tracking_uri)
        state["model"] = tracking.load_model(report["model_uri"])
        state["baseline_model"] = tracking.load_model(report["baseline_uri"])
    return state["model"], state["baseline_model"]
