"""MLflow plumbing: the tracking store, the run's provenance and how models are saved and loaded."""

from __future__ import annotations

import os
import shutil
import subprocess
import warnings
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import mlflow
import mlflow.sklearn
from mlflow.models import infer_signature

# Saved with the model so `mlflow models serve` or a fresh environment can rebuild it; pinned to
# the versions that trained it. The project's own package (feature pipeline) is installed beside.
MODEL_REQUIREMENTS = (
    "scikit-learn",
    "lightgbm",
    "skops",
    "cloudpickle",
    "pandas",
    "numpy",
    "scipy",
    "pyarrow",
)


def configure(settings: Any) -> str:
    """Point MLflow at the project's store; returns the experiment id.

    With a local store (sqlite or files) the experiment keeps its artifacts in `<project>/mlruns`,
    wherever the process runs from; a tracking server decides that itself.
    """
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    uri = settings.tracking_uri
    mlflow.set_tracking_uri(uri)
    name = settings.experiment.get("experiment_name") or model_name(settings)
    experiment = mlflow.get_experiment_by_name(name)
    if experiment is None:
        local = uri.startswith(("sqlite:", "file:")) or "://" not in uri
        location = (settings.root / "mlruns").as_uri() if local else None
        experiment_id = mlflow.create_experiment(name, artifact_location=location)
    else:
        experiment_id = experiment.experiment_id
    mlflow.set_experiment(experiment_id=experiment_id)
    return experiment_id


def model_name(settings: Any) -> str:
    return str(settings.experiment["registry"]["model_name"])


def git_commit(root: Path) -> str | None:
    """The commit the code was trained from, when the project is a git checkout."""
    git = shutil.which("git")
    if git is None:
        return None
    out = subprocess.run(
        [git, "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=False
    )
    commit = out.stdout.strip()
    return commit if out.returncode == 0 and commit else None


def pip_requirements() -> list[str]:
    pinned = []
    for package in MODEL_REQUIREMENTS:
        try:
            pinned.append(f"{package}=={version(package)}")
        except PackageNotFoundError:
            continue
    return pinned


def serialization(model: Any) -> tuple[str, list[str] | None]:
    """("skops", the types to trust) when the model round-trips through skops, else cloudpickle.

    skops stores only data and refuses to load types it was not told to trust; it cannot hold
    every object (e.g. a pandas Timestamp in a fitted attribute). Then the model is saved with
    cloudpickle, which loads anything: load only models from this project's own store.
    """
    import skops.io  # imported here: it imports every scikit-learn estimator (seconds)

    try:
        data = skops.io.dumps(model)
        trusted = skops.io.get_untrusted_types(data=data)
        skops.io.loads(data, trusted=trusted)
    except Exception as exc:  # any failure to round-trip means skops cannot hold this model
        warnings.warn(
            f"model saved with cloudpickle: skops cannot round-trip it ({exc})", stacklevel=2
        )
        return "cloudpickle", None
    return "skops", trusted


def log_model(model: Any, name: str, X_example: Any) -> tuple[str, str]:
    """Log a fitted pipeline in the active run; returns its model URI and serialization format."""
    fmt, trusted = serialization(model)
    with warnings.catch_warnings():
        # Integer columns get an integer schema; MLflow hints that nulls would then not fit.
        warnings.filterwarnings("ignore", message="Hint: Inferred schema contains integer")
        signature = infer_signature(X_example, model.predict(X_example))
    info = mlflow.sklearn.log_model(
        model,
        name=name,
        serialization_format=fmt,
        skops_trusted_types=trusted,
        pip_requirements=pip_requirements(),
        signature=signature,
    )
    return info.model_uri, fmt


def load_model(model_uri: str) -> Any:
    """Load a model this project logged (e.g. `models:/<name>@champion`).

    MLflow refuses to deserialize any model unless MLFLOW_ALLOW_PICKLE_DESERIALIZATION is true,
    since a model file can run code. The models here come from this project's own store.
    """
    os.environ.setdefault("MLFLOW_ALLOW_PICKLE_DESERIALIZATION", "true")
    return mlflow.sklearn.load_model(model_uri)
