"""The metrics of docs/ml-requirements.md per problem type, and how to compare them."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn import metrics as skm

PRIMARY_METRIC = {
    "binary_classification": "roc_auc",
    "multiclass_classification": "f1_macro",
    "regression": "rmse",
}
LOWER_IS_BETTER = frozenset({"rmse", "mae", "log_loss"})


def higher_is_better(metric: str) -> bool:
    return metric not in LOWER_IS_BETTER


def relative_improvement(candidate: float, baseline: float, metric: str) -> float:
    """How much better `candidate` is than `baseline`, as a share of the baseline's value."""
    gain = candidate - baseline if higher_is_better(metric) else baseline - candidate
    if baseline == 0:
        return math.inf if gain > 0 else 0.0
    return gain / abs(baseline)


def is_better(candidate: float, incumbent: float, metric: str) -> bool:
    return candidate > incumbent if higher_is_better(metric) else candidate < incumbent


class _Predictions:
    """A model's outputs on (X, y), computed once and shared by every metric."""

    def __init__(self, problem_type: str, model: Any, X: Any, y: Any) -> None:
        self.y_true = np.asarray(y)
        if problem_type == "regression":
            self.pred = model.predict(X)
            return
        self.proba = model.predict_proba(X)
        self.classes = np.asarray(model.classes_)
        self.pred = self.classes[np.argmax(self.proba, axis=1)]
        if problem_type == "binary_classification":
            positive = self.classes[1]
            self.truth = (self.y_true == positive).astype(int)
            self.flagged = (self.pred == positive).astype(int)
            self.score = self.proba[:, 1]


def _ranking(fn: Callable[..., float]) -> Callable[[_Predictions], float]:
    """A ranking metric, undefined (NaN) when the rows hold one class only."""
    return lambda p: float(fn(p.truth, p.score)) if len(np.unique(p.truth)) == 2 else math.nan


METRICS: dict[str, dict[str, Callable[[_Predictions], float]]] = {
    "binary_classification": {
        "roc_auc": _ranking(skm.roc_auc_score),
        "f1": lambda p: float(skm.f1_score(p.truth, p.flagged, zero_division=0)),
        "precision": lambda p: float(skm.precision_score(p.truth, p.flagged, zero_division=0)),
        "recall": lambda p: float(skm.recall_score(p.truth, p.flagged, zero_division=0)),
        "pr_auc": _ranking(skm.average_precision_score),
    },
    "multiclass_classification": {
        "f1_macro": lambda p: float(
            skm.f1_score(p.y_true, p.pred, average="macro", zero_division=0)
        ),
        "accuracy": lambda p: float(skm.accuracy_score(p.y_true, p.pred)),
        "balanced_accuracy": lambda p: float(skm.balanced_accuracy_score(p.y_true, p.pred)),
        "log_loss": lambda p: float(skm.log_loss(p.y_true, p.proba, labels=p.classes)),
    },
    "regression": {
        "rmse": lambda p: float(skm.root_mean_squared_error(p.y_true, p.pred)),
        "mae": lambda p: float(skm.mean_absolute_error(p.y_true, p.pred)),
        "r2": lambda p: float(skm.r2_score(p.y_true, p.pred)),
    },
}


def _metrics_of(problem_type: str) -> dict[str, Callable[[_Predictions], float]]:
    if problem_type not in METRICS:
        raise ValueError(f"unknown problem_type {problem_type!r}; choose from {', '.join(METRICS)}")
    return METRICS[problem_type]


def compute_metrics(problem_type: str, model: Any, X: Any, y: Any) -> dict[str, float]:
    """Every metric the requirements name for `problem_type`, for a fitted model on (X, y)."""
    predictions = _Predictions(problem_type, model, X, y)
    return {name: fn(predictions) for name, fn in _metrics_of(problem_type).items()}


def score(problem_type: str, metric: str, model: Any, X: Any, y: Any) -> float:
    """One metric, e.g. the primary metric inside cross-validation."""
    fn = _metrics_of(problem_type)[metric]
    return fn(_Predictions(problem_type, model, X, y))
