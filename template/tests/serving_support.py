"""A small registered champion for the deployment tests, trained once per test session.

The real pipeline steps (ingest, validate, features) run on a few hundred rows in a throw-away
copy of the project (`data_fixtures.make_settings`); a small LightGBM model is fitted on the
train split, logged to a temporary MLflow store, registered and given the champion alias, as
`make pipeline` leaves it.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import mlflow
from data_fixtures import make_settings
from mlflow import MlflowClient

from deployment.project import Settings, run_step
from feature_engineering.pipeline import split_xy
from feature_engineering.split import load_splits
from models import tracking
from models.candidates import estimator, model_pipeline

ROOT = Path(__file__).resolve().parents[1]
ROWS = 800


@dataclass(frozen=True)
class Champion:
    settings: Settings
    tracking_uri: str
    model_uri: str  # models:/<name>@<champion alias>
    version: str


@cache
def champion() -> Champion:
    """Train, log, register and alias a small model (about 10 s); cached for the session."""
    root = Path(tempfile.mkdtemp(prefix="serving-tests-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    tracking_uri = f"sqlite:///{root / 'mlflow.db'}"
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    settings = make_settings(root, rows=ROWS)
    shutil.copy(ROOT / "configs/experiment.yaml", root / "configs/experiment.yaml")
    state: dict = {}
    for step in ("ingest", "validate", "features"):
        run_step(step, settings, state)

    X, y = split_xy(load_splits(settings)["train"], settings.data)
    problem_type = settings.experiment["problem_type"]
    params = {"n_estimators": 30, "num_leaves": 15, "n_jobs": 1}
    fitted = model_pipeline(settings.data, estimator("lightgbm", problem_type, params, 0)).fit(X, y)

    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_experiment("serving-tests")
    with mlflow.start_run(run_name="serving-tests"):
        uri, _ = tracking.log_model(fitted, "model", X.head(5))
    registry = settings.experiment["registry"]
    name, alias = registry["model_name"], registry.get("champion_alias", "champion")
    version = mlflow.register_model(uri, name).version
    MlflowClient().set_registered_model_alias(name, alias, version)
    return Champion(settings, tracking_uri, f"models:/{name}@{alias}", str(version))
