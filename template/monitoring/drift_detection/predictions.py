"""Prediction drift: the model's outputs on live rows against its own outputs on the test split.

The reference is computed once per model version with the serving code's own Predictor, so the
columns match what the API logs: `prediction` (a label, or the value for regression) and, for
classifiers, `probability` (of the positive class, or of the predicted class for multiclass).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from data_quality.profile import reference_stats
from deployment.inference import model as model_source
from deployment.inference.predictor import Predictor
from deployment.inference.schema import InputSchema
from feature_engineering.split import load_splits


def outputs_frame(predictor: Predictor, frame: pd.DataFrame) -> pd.DataFrame:
    """The prediction columns of `frame`'s rows, as the API would log them."""
    out = predictor.predict_frame(frame)
    columns: dict[str, Any] = {"prediction": out.labels}
    if out.probability is not None:
        columns["probability"] = out.probability
    result = pd.DataFrame(columns)
    if predictor.kind != "regression":
        result["prediction"] = result["prediction"].astype(str)
    return result


def output_specs(predictor: Predictor) -> dict[str, dict[str, Any]]:
    if predictor.kind == "regression":
        return {"prediction": {"type": "numeric"}}
    classes = [str(c) for c in predictor.classes] if predictor.classes is not None else []
    return {
        "prediction": {"type": "categorical", "allowed": classes},
        "probability": {"type": "numeric"},
    }


def build_reference(predictor: Predictor, frame: pd.DataFrame) -> dict[str, Any]:
    """Reference statistics (same format as data/reference/stats.json) of the model's outputs."""
    specs = output_specs(predictor)
    first = next(iter(specs))
    config = {"features": specs, "target": first, "target_spec": specs[first]}
    stats = reference_stats(outputs_frame(predictor, frame), config)
    stats["model"] = predictor.info.to_dict()
    return stats


def reference_path(settings: Any, name: str, version: str) -> Path:
    return Path(settings.data_dir) / "reference" / f"predictions-{name}-v{version}.json"


def load_predictor(settings: Any, uri: str) -> Predictor:
    model, info = model_source.load(uri, settings.tracking_uri)
    return Predictor(model, info, InputSchema(settings.data))


def reference_for(settings: Any, uri: str) -> dict[str, Any]:
    """The prediction reference of the model at `uri`, computed on the test split once."""
    info = model_source.resolve(uri, settings.tracking_uri)
    path = reference_path(settings, info.name, info.version)
    if path.is_file():
        return json.loads(path.read_text(encoding="utf-8"))
    predictor = load_predictor(settings, uri)
    schema = InputSchema(settings.data)
    accepted, _ = schema.validate_frame(load_splits(settings)["test"])
    stats = build_reference(predictor, accepted)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(stats, indent=2) + "\n", encoding="utf-8")
    return stats
