"""The code the API and the batch job share: the input schema, the compiled fast path (checked
against scikit-learn, with a fallback), and loading a model from the registry or a directory."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from serving_support import Champion, champion
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import PowerTransformer, StandardScaler

from deployment.inference import compiled
from deployment.inference import model as model_source
from deployment.inference.predictor import Predictor
from deployment.inference.schema import InputSchema
from feature_engineering.pipeline import split_xy
from feature_engineering.split import load_splits
from models.candidates import estimator, model_pipeline


@pytest.fixture(scope="module")
def trained() -> Champion:
    return champion()


@pytest.fixture(scope="module")
def splits(trained: Champion) -> dict[str, pd.DataFrame]:
    return load_splits(trained.settings)


def fitted(trained: Champion, splits: dict[str, pd.DataFrame], family: str) -> Pipeline:
    X, y = split_xy(splits["train"], trained.settings.data)
    problem_type = trained.settings.experiment["problem_type"]
    params = {"n_estimators": 20, "n_jobs": 1} if family == "lightgbm" else {}
    return model_pipeline(trained.settings.data, estimator(family, problem_type, params, 0)).fit(
        X, y
    )


def info() -> model_source.ModelInfo:
    return model_source.ModelInfo("test", "1", "memory", None, "artifact")


@pytest.mark.parametrize("family", ["linear", "lightgbm"])
def test_compiled_path_equals_scikit_learn_on_held_out_rows(
    trained: Champion, splits: dict[str, pd.DataFrame], family: str
) -> None:
    model = fitted(trained, splits, family)
    schema = InputSchema(trained.settings.data)
    predictor = Predictor(model, info(), schema)
    assert predictor.fast is not None, predictor.fast_reason
    accepted, rejected = schema.validate_frame(split_xy(splits["test"], trained.settings.data)[0])
    assert len(rejected) == 0 and len(accepted) == len(splits["test"])
    columns = schema.columns_from_frame(accepted)
    fast, slow = predictor.scores(columns), predictor.scores(columns, fast=False)
    assert fast.shape == slow.shape
    assert np.allclose(fast, slow, rtol=1e-9, atol=1e-12)


def test_an_unknown_step_falls_back_to_scikit_learn(
    trained: Champion, splits: dict[str, pd.DataFrame]
) -> None:
    model = fitted(trained, splits, "linear")
    X, y = split_xy(splits["train"], trained.settings.data)
    steps = [*model.steps[:-1], ("power", PowerTransformer()), model.steps[-1]]
    odd = Pipeline(steps).fit(X, y)
    predictor = Predictor(odd, info(), InputSchema(trained.settings.data))
    assert predictor.fast is None
    assert "PowerTransformer" in predictor.fast_reason
    rows = split_xy(splits["test"], trained.settings.data)[0].head(10)
    out = predictor.predict_frame(InputSchema(trained.settings.data).validate_frame(rows)[0])
    assert len(out.labels) == 10


def test_a_translation_that_disagrees_is_not_used(
    trained: Champion, splits: dict[str, pd.DataFrame], monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = dict(compiled._COMPILERS)
    wrong[StandardScaler] = lambda t: lambda X: np.asarray(X, dtype="float64") * 0.0
    monkeypatch.setattr(compiled, "_COMPILERS", wrong)
    predictor = Predictor(
        fitted(trained, splits, "linear"), info(), InputSchema(trained.settings.data)
    )
    assert predictor.fast is None
    assert "disagrees" in predictor.fast_reason


def test_frame_validation_rejects_what_the_api_rejects(trained: Champion) -> None:
    schema = InputSchema(trained.settings.data)
    rows = pd.DataFrame(schema.examples(6, seed=2))
    numeric = next(c for c in schema.columns if c.role == "numeric" and c.maximum is not None)
    categorical = next(c for c in schema.columns if c.role == "categorical")
    required = next(c for c in schema.columns if c.role == "numeric" and not c.nullable)
    rows = rows.astype({numeric.name: "object", required.name: "object"})
    rows.loc[0, numeric.name] = numeric.maximum + 1
    rows.loc[1, categorical.name] = "no-such-value"
    rows.loc[2, required.name] = None
    rows.loc[3, schema.timestamp_column] = "not a time"
    rows.loc[4, numeric.name] = "text"
    accepted, rejected = schema.validate_frame(rows)
    assert len(accepted) == 1 and len(rejected) == 5
    assert rejected["reason"].str.endswith(": invalid").all()
    with pytest.raises(ValueError, match=required.name):
        schema.validate_frame(rows.drop(columns=[required.name]))


def test_the_request_model_is_generated_from_the_contract(trained: Champion) -> None:
    schema = InputSchema(trained.settings.data)
    properties = schema.row_model.model_json_schema(by_alias=True)["properties"]
    assert set(properties) == set(schema.names)
    numeric = next(c for c in schema.columns if c.role == "numeric" and c.maximum is not None)
    bounds = properties[numeric.name]
    flat = bounds.get("anyOf", [bounds])
    assert any(b.get("maximum") == numeric.maximum for b in flat)


def test_an_exported_model_directory_serves_the_same_predictions(
    trained: Champion, tmp_path: Path
) -> None:
    exported = model_source.export(trained.model_uri, trained.tracking_uri, tmp_path / "model")
    assert exported.version == trained.version and exported.source == "artifact"
    from_dir, dir_info = model_source.load(str(tmp_path / "model"), trained.tracking_uri)
    from_registry, _ = model_source.load(trained.model_uri, trained.tracking_uri)
    assert dir_info.version == trained.version and dir_info.name == exported.name
    schema = InputSchema(trained.settings.data)
    rows = [schema.row_values(schema.row_model.model_validate(r)) for r in schema.examples(20)]
    columns = schema.columns_from_rows(rows)
    a = Predictor(from_dir, dir_info, schema).scores(columns)
    b = Predictor(from_registry, dir_info, schema).scores(columns)
    assert np.array_equal(a, b)
    with pytest.raises(FileNotFoundError, match="MLmodel"):
        model_source.load(str(tmp_path), trained.tracking_uri)
