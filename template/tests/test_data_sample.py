"""The generated sample: deterministic, realistic, inside the contract, with a learnable signal."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from data_fixtures import base_config
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import f1_score, mean_squared_error, roc_auc_score
from sklearn.pipeline import Pipeline

from data_ingestion import contract
from data_ingestion.layers import content_hash
from data_ingestion.sample import generate
from data_quality.validate import validate
from feature_engineering.pipeline import build_feature_pipeline, split_xy
from feature_engineering.split import split_dataset

CONFIG = base_config()
PROBLEM = CONFIG["problem_type"]


def test_same_seed_gives_the_same_data_and_hash() -> None:
    first, second = generate(PROBLEM, 500, seed=3), generate(PROBLEM, 500, seed=3)
    pd.testing.assert_frame_equal(first, second)
    assert content_hash(first) == content_hash(second)
    assert content_hash(generate(PROBLEM, 500, seed=4)) != content_hash(first)


def test_row_count_is_configurable_and_columns_follow_the_contract() -> None:
    df = generate(PROBLEM, 123, seed=1)
    assert len(df) == 123
    contract.require_columns(df.columns, CONFIG, "the sample")
    assert df[contract.id_column(CONFIG)].is_unique


def test_sample_is_realistic_nulls_skew_entities_and_time() -> None:
    df = generate(PROBLEM, 4000, seed=2)
    specs = contract.features(CONFIG)
    nullable = [n for n, s in specs.items() if s.get("nullable")]
    required = [n for n, s in specs.items() if not s.get("nullable")]
    assert all(df[n].isna().any() for n in nullable)
    assert not df[required].isna().any().any()
    assert df["monthly_charges"].skew() > 1.0
    entity = contract.entity_column(CONFIG)
    assert entity is not None
    assert 1 < df[entity].nunique() < len(df) / 2
    ts = df[contract.timestamp_column(CONFIG)]
    assert ts.is_monotonic_increasing
    assert (ts.max() - ts.min()).days > 365


def test_sample_without_faults_passes_the_schema() -> None:
    result = validate(generate(PROBLEM, 2000, seed=5), CONFIG)
    assert len(result.quarantined) == 0
    assert len(result.accepted) == 2000


def test_sample_scales_linearly_with_vectorised_generation() -> None:
    df = generate(PROBLEM, 200_000, seed=9)
    assert len(df) == 200_000
    assert df[contract.id_column(CONFIG)].is_unique


@pytest.mark.parametrize("rows, seed", [(0, 1), (-5, 1)])
def test_invalid_row_count_is_refused(rows: int, seed: int) -> None:
    with pytest.raises(ValueError, match="rows"):
        generate(PROBLEM, rows, seed)


def test_unknown_problem_type_is_refused() -> None:
    with pytest.raises(ValueError, match="problem_type"):
        generate("ranking", 10, 1)


def test_a_simple_model_beats_the_baseline_by_more_than_ten_percent() -> None:
    """The signal is there for any model: a linear model already beats the baseline."""
    df = generate(PROBLEM, 4000, seed=11)
    splits = split_dataset(df, CONFIG, seed=11)
    x_train, y_train = split_xy(splits["train"], CONFIG)
    x_test, y_test = split_xy(splits["test"], CONFIG)
    if PROBLEM == "regression":
        scores = []
        for model in (DummyRegressor(), Ridge()):
            fitted = Pipeline([("f", build_feature_pipeline(CONFIG)), ("m", model)])
            fitted.fit(x_train, y_train)
            scores.append(mean_squared_error(y_test, fitted.predict(x_test)) ** 0.5)
        baseline, model_score = scores
        assert model_score < baseline * 0.9
        return
    scores = []
    for model in (DummyClassifier(), LogisticRegression(max_iter=2000)):
        fitted = Pipeline([("f", build_feature_pipeline(CONFIG)), ("m", model)])
        fitted.fit(x_train, y_train)
        if PROBLEM == "binary_classification":
            scores.append(roc_auc_score(y_test, fitted.predict_proba(x_test)[:, 1]))
        else:
            scores.append(f1_score(y_test, fitted.predict(x_test), average="macro"))
    baseline, model_score = scores
    assert model_score > baseline * 1.1
    assert np.isfinite(model_score)
