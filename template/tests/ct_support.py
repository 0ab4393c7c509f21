"""Helpers of the continuous-training and rollback tests: a small project with its own MLflow
store, and model versions registered in seconds (a small LightGBM fitted on the train split)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mlflow
import numpy as np

from deployment.project import Settings, run_step
from feature_engineering.pipeline import split_xy
from feature_engineering.split import load_splits
from models import tracking
from models.candidates import estimator, model_pipeline

DATA_STEPS = ("ingest", "validate", "features")


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
