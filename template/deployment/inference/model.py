"""Which model serves, and loading it: a registry alias (`models:/<name>@champion`) resolved to
its version, or an MLflow model directory baked into the image (`MODEL_URI=/app/model`)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import mlflow
from mlflow import MlflowClient

from models import tracking

INFO_FILE = "serving.json"


@dataclass(frozen=True)
class ModelInfo:
    name: str
    version: str
    uri: str
    run_id: str | None
    source: str  # registry | artifact

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def default_uri(settings: Any) -> str:
    registry = settings.experiment["registry"]
    return f"models:/{registry['model_name']}@{registry.get('champion_alias', 'champion')}"


def model_uri(settings: Any) -> str:
    """MODEL_URI when set (a registry URI or a local model directory), else the champion."""
    return os.environ.get("MODEL_URI") or default_uri(settings)


def resolve(uri: str, tracking_uri: str) -> ModelInfo:
    """Pin a registry URI (alias or version) to its version; describe a local directory."""
    if uri.startswith("models:/"):
        mlflow.set_tracking_uri(tracking_uri)
        ref = uri.removeprefix("models:/")
        client = MlflowClient()
        if "@" in ref:
            name, alias = ref.split("@", 1)
            version = client.get_model_version_by_alias(name, alias)
        else:
            name, _, number = ref.partition("/")
            version = client.get_model_version(name, number)
        pinned = f"models:/{name}/{version.version}"
        return ModelInfo(name, str(version.version), pinned, version.run_id, "registry")
    path = Path(uri.removeprefix("file://")).resolve()
    if not (path / "MLmodel").is_file():
        raise FileNotFoundError(f"{path} is not an MLflow model directory (no MLmodel file)")
    meta_path = path / INFO_FILE
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.is_file() else {}
    return ModelInfo(
        str(meta.get("name", path.name)),
        str(meta.get("version", "unversioned")),
        str(path),
        meta.get("run_id"),
        "artifact",
    )


def load(uri: str, tracking_uri: str) -> tuple[Any, ModelInfo]:
    """(fitted pipeline, what it is). Raises when the alias, version or directory is missing."""
    info = resolve(uri, tracking_uri)
    return tracking.load_model(info.uri), info


def export(uri: str, tracking_uri: str, out: Path) -> ModelInfo:
    """Copy a registered model into `out` (for the image), with its name and version beside it."""
    info = resolve(uri, tracking_uri)
    out = Path(out)
    with tempfile.TemporaryDirectory(dir=out.parent if out.parent.exists() else None) as tmp:
        local = Path(mlflow.artifacts.download_artifacts(artifact_uri=info.uri, dst_path=tmp))
        (local / INFO_FILE).write_text(json.dumps(info.to_dict(), indent=2) + "\n")
        if out.exists():
            shutil.rmtree(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(local, out)
    return ModelInfo(info.name, info.version, str(out.resolve()), info.run_id, "artifact")
