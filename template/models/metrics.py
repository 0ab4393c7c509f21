"""The metrics of docs/ml-requirements.md per problem type, and how to compare them."""

from __future__ import annotations

import math
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


def compute_metrics(problem_type: str, model: Any, X: Any, y: Any) -> dict[str, float]:
    """Every metric the requirements name for `problem_type`, for a fitted model on (X, y)."""
    y_true = np.asarray(y)
    if problem_type == "regression":
        pred = model.predict(X)
        return {
            "rmse": float(skm.root_mean_squared_error(y_true, pred)),
            "mae": float(skm.mean_absolute_error(y_true, pred)),
            "r2": float(skm.r2_score(y_true, pred)),
        }
    proba = model.predict_proba(X)
    classes = np.asarray(model.classes_)
    pred = classes[np.argmax(proba, axis=1)]
    if problem_type == "binary_classification":
        positive = classes[1]
        truth = (y_true == positive).astype(int)
        flagged = (pred == positive).astype(int)
        both = len(np.unique(truth)) == 2
        return {
            "roc_auc": float(skm.roc_auc_score(truth, proba[:, 1])) if both else math.nan,
            "pr_auc": float(skm.average_precision_score(truth, proba[:, 1])) if both else math.nan,
            "f1": float(skm.f1_score(truth, flagged, zero_division=0)),
            "precision": float(skm.precision_score(truth, flagged, zero_division=0)),
            "recall": float(skm.recall_score(truth, flagged, zero_division=0)),
        }
    if problem_type == "multiclass_classification":
        return {
            "f1_macro": float(skm.f1_score(y_true, pred, average="macro", zero_division=0)),
            "accuracy": float(skm.accuracy_score(y_true, pred)),
            "balanced_accuracy": float(skm.balanced_accuracy_score(y_true, pred)),
            "log_loss": float(skm.log_loss(y_true, proba, labels=classes)),
        }
    raise ValueError(f"unknown problem_type {problem_type!r}")


def score(problem_type: str, metric: str, model: Any, X: Any, y: Any) -> float:
    """One metric, e.g. the primary metric inside cross-validation."""
    return compute_metrics(problem_type, model, X, y)[metric]
