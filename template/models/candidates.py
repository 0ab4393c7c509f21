"""The baseline and the candidate families, each wrapped with the shared feature pipeline."""

from __future__ import annotations

from typing import Any

from lightgbm import LGBMClassifier, LGBMRegressor
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import Pipeline

from feature_engineering.pipeline import build_feature_pipeline

FAMILIES = ("linear", "lightgbm")


def baseline(problem_type: str) -> Any:
    """The majority class for classification, the mean of the target for regression."""
    if problem_type == "regression":
        return DummyRegressor(strategy="mean")
    return DummyClassifier(strategy="prior")


def estimator(family: str, problem_type: str, params: dict[str, Any], seed: int) -> Any:
    """An unfitted model of `family` with `params` (search results and fixed settings)."""
    regression = problem_type == "regression"
    if family == "linear":
        if regression:
            return Ridge(random_state=seed, **params)
        return LogisticRegression(max_iter=2000, random_state=seed, **params)
    if family == "lightgbm":
        fixed = {"random_state": seed, "verbose": -1, "deterministic": True, "force_row_wise": True}
        cls = LGBMRegressor if regression else LGBMClassifier
        return cls(**{**fixed, **params})
    raise ValueError(f"unknown model family {family!r}; choose from {', '.join(FAMILIES)}")


def model_pipeline(data_config: dict[str, Any], model: Any) -> Pipeline:
    """Features and model in one object, so training and serving share one code path."""
    return Pipeline([("features", build_feature_pipeline(data_config)), ("model", model)])


def suggest(trial: Any, search_space: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Parameters for one Optuna trial from a `{name: {low, high, log}}` search space."""
    params: dict[str, Any] = {}
    for name, spec in search_space.items():
        low, high, log = spec["low"], spec["high"], bool(spec.get("log", False))
        if isinstance(low, int) and isinstance(high, int):
            params[name] = trial.suggest_int(name, low, high, log=log)
        else:
            params[name] = trial.suggest_float(name, float(low), float(high), log=log)
    return params
