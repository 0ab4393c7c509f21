"""Metrics per problem type: the ones the requirements accept, with known values."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import optuna
import pandas as pd
import pytest
import yaml
from sklearn.dummy import DummyClassifier, DummyRegressor

from models.candidates import estimator, suggest
from models.metrics import (
    PRIMARY_METRIC,
    PROBLEM_TYPES,
    REGISTRY,
    compute_metrics,
    higher_is_better,
    metrics_for,
    relative_improvement,
    score,
)
from models.train_step import pick_best
from models.tuning import SearchResult

ROOT = Path(__file__).resolve().parents[1]
EXPERIMENT = yaml.safe_load((ROOT / "configs/experiment.yaml").read_text(encoding="utf-8"))


def test_relative_improvement_follows_the_metric_direction() -> None:
    assert relative_improvement(0.66, 0.5, "roc_auc") == pytest.approx(0.32)
    assert relative_improvement(0.45, 0.5, "f1_macro") == pytest.approx(-0.1)
    assert relative_improvement(80.0, 100.0, "rmse") == pytest.approx(0.2)
    assert relative_improvement(120.0, 100.0, "rmse") == pytest.approx(-0.2)


def test_the_metrics_fit_the_problem_type() -> None:
    """What the models compute is the registry's metrics for the problem type; the project's own
    docs/ml-requirements.md is held to the registry by the requirements gate."""
    problem = EXPERIMENT["problem_type"]
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x": rng.normal(size=60)})
    if problem == "regression":
        y = pd.Series(rng.normal(size=60))
        model = DummyRegressor().fit(X, y)
    else:
        labels = ["a", "b"] if problem == "binary_classification" else ["a", "b", "c"]
        y = pd.Series(rng.choice(labels, size=60))
        model = DummyClassifier(strategy="prior").fit(X, y)
    computed = set(compute_metrics(problem, model, X, y))
    assert computed == set(metrics_for(problem))
    assert EXPERIMENT["primary_metric"] == PRIMARY_METRIC[problem] in computed


def test_baselines_score_what_theory_says() -> None:
    X = pd.DataFrame({"x": np.arange(100.0)})
    binary = pd.Series([1] * 30 + [0] * 70)
    majority = DummyClassifier(strategy="prior").fit(X, binary)
    measured = compute_metrics("binary_classification", majority, X, binary)
    assert measured["roc_auc"] == 0.5
    assert measured["recall"] == 0.0

    segments = pd.Series(["x"] * 50 + ["y"] * 30 + ["z"] * 20)
    majority = DummyClassifier(strategy="prior").fit(X, segments)
    measured = compute_metrics("multiclass_classification", majority, X, segments)
    assert measured["accuracy"] == pytest.approx(0.5)
    assert measured["balanced_accuracy"] == pytest.approx(1 / 3)
    assert measured["f1_macro"] == pytest.approx((2 * 0.5 / 1.5) / 3)

    value = pd.Series(np.arange(100.0))
    mean = DummyRegressor().fit(X, value)
    measured = compute_metrics("regression", mean, X, value)
    assert measured["rmse"] == pytest.approx(value.std(ddof=0))
    assert measured["r2"] == pytest.approx(0.0)
    assert score("regression", "mae", mean, X, value) == pytest.approx(25.0)


def test_roc_auc_is_undefined_on_one_class_only() -> None:
    X = pd.DataFrame({"x": np.arange(10.0)})
    y = pd.Series([0, 1] * 5)
    model = DummyClassifier(strategy="prior").fit(X, y)
    assert np.isnan(score("binary_classification", "roc_auc", model, X.head(5), y.iloc[[0] * 5]))


def test_best_family_depends_on_the_metric_direction() -> None:
    low = SearchResult("linear", {}, [1.0, 1.2])
    high = SearchResult("lightgbm", {}, [2.0, 2.2])
    assert pick_best([low, high], "roc_auc").family == "lightgbm"
    assert pick_best([low, high], "rmse").family == "linear"


def test_search_space_gives_integers_and_floats() -> None:
    space = EXPERIMENT["candidates"]["lightgbm"]["search_space"]
    fixed = {name: spec["low"] for name, spec in space.items()}
    params = suggest(optuna.trial.FixedTrial(fixed), space)
    assert isinstance(params["n_estimators"], int)
    assert isinstance(params["learning_rate"], float)
    model = estimator("lightgbm", EXPERIMENT["problem_type"], params, seed=3)
    assert model.get_params()["n_estimators"] == space["n_estimators"]["low"]
    assert model.get_params()["random_state"] == 3


def test_unknown_family_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown model family 'forest'"):
        estimator("forest", "regression", {}, seed=0)


def test_a_stray_metric_in_the_config_is_an_error_at_load(tmp_path: Path) -> None:
    """A metric the trainer cannot compute fails when configs/experiment.yaml is read, naming
    the metric, the file and the choices, before any data is read or model tuned."""
    from deployment.project import Settings
    from models.metrics import MetricError

    config = tmp_path / "experiment.yaml"
    problem = EXPERIMENT["problem_type"]
    for stray in ("brier", "f1_weighted", "mape"):
        config.write_text(yaml.safe_dump({**EXPERIMENT, "primary_metric": stray}))
        with pytest.raises(MetricError) as raised:
            _ = Settings(root=ROOT, experiment_config_path=config).experiment
        message = str(raised.value)
        assert f"'{stray}'" in message and str(config) in message and "primary_metric" in message
        assert ", ".join(metrics_for(problem)) in message
    other = next(m for m, spec in REGISTRY.items() if problem not in spec.problem_types)
    config.write_text(yaml.safe_dump({**EXPERIMENT, "primary_metric": other}))
    with pytest.raises(MetricError, match=f"applies to .*, not {problem}"):
        _ = Settings(root=ROOT, experiment_config_path=config).experiment


def test_every_metric_of_the_registry_is_computed_with_its_direction() -> None:
    for problem in PROBLEM_TYPES:
        for name, spec in metrics_for(problem).items():
            assert spec.name == name and problem in spec.problem_types
            assert higher_is_better(name) is spec.higher_is_better
    assert not higher_is_better("rmse") and higher_is_better("roc_auc")
