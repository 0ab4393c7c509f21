"""Helpers of the continuous-training and rollback tests: a small project with its own MLflow
store, and model versions registered in seconds (a small LightGBM fitted on the train split)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pytest
from data_fixtures import make_settings

from continuous_training import registry
from deployment.project import Settings, run_step
from feature_engineering.pipeline import split_xy
from feature_engineering.split import load_splits
from models import tracking
from models.candidates import estimator, model_pipeline

ROOT = Path(__file__).resolve().parents[1]
DATA_STEPS = ("ingest", "validate", "features")
ADMIN_TOKEN = "rollback-token"


def prepare_data(settings: Settings) -> dict[str, Any]:
    state: dict[str, Any] = {}
    for step in DATA_STEPS:
        run_step(step, settings, state)
    return state


def register_quick(settings: Settings, seed: int = 0, shuffle_labels: bool = False) -> str:
    """Fit, log (with the rows it saw, as `train` logs them) and register a version."""
    X, y = split_xy(load_splits(settings)["train"], settings.data)
    if shuffle_labels:  # a model that learned nothing: the "bad promotion" of the tests
        y = y.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    problem_type = settings.experiment["problem_type"]
    params = {"n_estimators": 20, "num_leaves": 7, "n_jobs": 1}
    fitted = model_pipeline(settings.data, estimator("lightgbm", problem_type, params, seed))
    fitted.fit(X, np.asarray(y))
    tracking.configure(settings)
    with mlflow.start_run(run_name=f"quick-{seed}"):
        mlflow.log_params({"rows_train": len(X), "rows_valid": 0, "rows_test": 0})
        uri, _ = tracking.log_model(fitted, "model", X.head(5))
    return str(mlflow.register_model(uri, tracking.model_name(settings)).version)


def tracking_uri(root: Path) -> str:
    return f"sqlite:///{root / 'mlflow.db'}"


def rollback_project(root: Path) -> Iterator[Settings]:
    """A project whose champion is v1 (a good model), with v2 (shuffled labels) registered;
    its own tracking store, and the admin token set."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MLFLOW_TRACKING_URI", tracking_uri(root))
        mp.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
        mp.setenv("CT_API_TOKEN", ADMIN_TOKEN)
        settings = make_settings(root, rows=600)
        shutil.copy(ROOT / "configs/experiment.yaml", root / "configs/experiment.yaml")
        prepare_data(settings)
        registry.promote(settings, register_quick(settings, seed=1))
        register_quick(settings, seed=2, shuffle_labels=True)
        yield settings
