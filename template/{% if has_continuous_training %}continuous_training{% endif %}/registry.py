"""The registry side of continuous training and rollback: register a challenger without
promoting it, promote a version to champion, and keep the champion history on the model."""

from __future__ import annotations

from typing import Any

import mlflow
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from models import tracking

HISTORY_TAG = "champion_history"  # comma-separated versions, oldest first
ROLLED_BACK_TAG = "rolled_back"


def client(settings: Any) -> MlflowClient:
    mlflow.set_tracking_uri(settings.tracking_uri)
    return MlflowClient(tracking_uri=settings.tracking_uri)


def aliases(settings: Any) -> tuple[str, str]:
    registry = settings.experiment["registry"]
    return registry.get("champion_alias", "champion"), registry.get(
        "challenger_alias", "challenger"
    )


def champion_version(settings: Any) -> str | None:
    champion, _ = aliases(settings)
    try:
        mv = client(settings).get_model_version_by_alias(tracking.model_name(settings), champion)
    except MlflowException:
        return None
    return str(mv.version)


def register_challenger(settings: Any, training: dict[str, Any]) -> str:
    """Register the trained model as a new version with the challenger alias only."""
    name = tracking.model_name(settings)
    c = client(settings)
    version = str(mlflow.register_model(training["model_uri"], name).version)
    c.set_model_version_tag(name, version, "run_id", training["run_id"])
    c.set_model_version_tag(name, version, "dataset_hash", training["dataset_hash"])
    c.set_registered_model_alias(name, aliases(settings)[1], version)
    return version


def history(settings: Any) -> list[str]:
    """Versions that were champion, oldest first (as recorded by `promote`)."""
    name = tracking.model_name(settings)
    try:
        tags = client(settings).get_registered_model(name).tags
    except MlflowException:
        return []
    return [v for v in tags.get(HISTORY_TAG, "").split(",") if v]


def promote(settings: Any, version: str) -> str | None:
    """Give `version` the champion alias; returns the version that had it before."""
    name = tracking.model_name(settings)
    c = client(settings)
    previous = champion_version(settings)
    past = history(settings)
    if previous and (not past or past[-1] != previous):
        past.append(previous)  # a champion set by the pipeline's register step
    past.append(str(version))
    c.set_registered_model_alias(name, aliases(settings)[0], str(version))
    c.set_registered_model_tag(name, HISTORY_TAG, ",".join(past[-50:]))
    return previous


def version_uri(settings: Any, version: str) -> str:
    return f"models:/{tracking.model_name(settings)}/{version}"
