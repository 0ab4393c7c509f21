"""The metric registry: every metric this project computes, defined once.

Each `Metric` says its name, whether higher is better, the problem types it applies to, how it is
computed and the test-set target docs/ml-requirements.md states for it. The experiment config
(`primary_metric`, checked when configs/experiment.yaml is loaded), docs/ml-requirements.md, the
trainer, the monitoring jobs and the requirements and model_training gates all read this table:
add or change a metric here, nowhere else.

Only the standard library is imported at module level, so the static gates (run before the
project is installed) read the same table; numpy and scikit-learn load when a metric is computed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

BINARY, MULTICLASS, REGRESSION = (
    "binary_classification",
    "multiclass_classification",
    "regression",
)
PROBLEM_TYPES = (BINARY, MULTICLASS, REGRESSION)


class MetricError(ValueError):
    """A metric or problem type that the registry does not hold."""


class Predictions:
    """A model's outputs on (X, y), computed once and shared by every metric."""

    def __init__(self, problem_type: str, model: Any, X: Any, y: Any) -> None:
        import numpy as np

        self.y_true = np.asarray(y)
        if problem_type == REGRESSION:
            self.pred = model.predict(X)
            return
        self.proba = model.predict_proba(X)
        self.classes = np.asarray(model.classes_)
        self.pred = self.classes[np.argmax(self.proba, axis=1)]
        if problem_type == BINARY:
            positive = self.classes[1]
            self.truth = (self.y_true == positive).astype(int)
            self.flagged = (self.pred == positive).astype(int)
            self.score = self.proba[:, 1]


@dataclass(frozen=True)
class Metric:
    name: str
    higher_is_better: bool
    problem_types: tuple[str, ...]
    # sklearn.metrics -> outputs (`Predictions` or the monitoring jobs' logged outputs) -> value.
    compute: Callable[[Any, Any], float]
    # Why the requirements track it (the `why` column of docs/ml-requirements.md).
    why: str
    # The test-set value the model must reach (at least, or at most when lower is better);
    # docs/ml-requirements.md states it and the model_training gate enforces it. None: tracked.
    target: float | None = None

    def __call__(self, outputs: Any) -> float:
        from sklearn import metrics as skm

        return float(self.compute(skm, outputs))

    def meets_target(self, value: float) -> bool:
        if self.target is None:
            return True
        return value >= self.target if self.higher_is_better else value <= self.target

    @property
    def target_text(self) -> str:
        """The target as docs/ml-requirements.md states it."""
        if self.target is None:
            return "tracked"
        return f"{'>=' if self.higher_is_better else '<='} {self.target:g}"


def _ranking(fn: Callable[..., float]) -> Callable[[Any], float]:
    """A ranking metric, undefined (NaN) when the rows hold one class only."""
    return lambda p: float(fn(p.truth, p.score)) if len(set(p.truth.tolist())) == 2 else math.nan


REGISTRY: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric(
            "roc_auc", True, (BINARY,),
            lambda skm, p: _ranking(skm.roc_auc_score)(p),
            "ranking quality independent of the decision threshold", target=0.75,
        ),
        Metric(
            "f1", True, (BINARY,),
            lambda skm, p: skm.f1_score(p.truth, p.flagged, zero_division=0),
            "balance of precision and recall at the chosen threshold",
        ),
        Metric(
            "precision", True, (BINARY,),
            lambda skm, p: skm.precision_score(p.truth, p.flagged, zero_division=0),
            "share of flagged cases that are real",
        ),
        Metric(
            "recall", True, (BINARY,),
            lambda skm, p: skm.recall_score(p.truth, p.flagged, zero_division=0),
            "share of real cases that are flagged",
        ),
        Metric(
            "pr_auc", True, (BINARY,),
            lambda skm, p: _ranking(skm.average_precision_score)(p),
            "quality on the rare class",
        ),
        Metric(
            "f1_macro", True, (MULTICLASS,),
            lambda skm, p: skm.f1_score(p.y_true, p.pred, average="macro", zero_division=0),
            "per-class F1 averaged so small classes count",
        ),
        Metric(
            "accuracy", True, (MULTICLASS,),
            lambda skm, p: skm.accuracy_score(p.y_true, p.pred),
            "share of correct labels",
        ),
        Metric(
            "balanced_accuracy", True, (MULTICLASS,),
            lambda skm, p: skm.balanced_accuracy_score(p.y_true, p.pred),
            "recall averaged over classes",
        ),
        Metric(
            "log_loss", False, (MULTICLASS,),
            lambda skm, p: skm.log_loss(p.y_true, p.proba, labels=p.classes),
            "calibration of the class probabilities",
        ),
        Metric(
            "rmse", False, (REGRESSION,),
            lambda skm, p: skm.root_mean_squared_error(p.y_true, p.pred),
            "typical error, large misses weigh more",
        ),
        Metric(
            "mae", False, (REGRESSION,),
            lambda skm, p: skm.mean_absolute_error(p.y_true, p.pred),
            "typical absolute error in target units",
        ),
        Metric(
            "r2", True, (REGRESSION,),
            lambda skm, p: skm.r2_score(p.y_true, p.pred),
            "share of variance explained", target=0.30,
        ),
    )
}  # fmt: skip

# The metric a new project selects, gates and promotes on (configs/experiment.yaml).
PRIMARY_METRIC = {BINARY: "roc_auc", MULTICLASS: "f1_macro", REGRESSION: "rmse"}


def metrics_for(problem_type: str) -> dict[str, Metric]:
    """The metrics computed for `problem_type`, in the order the requirements list them."""
    if problem_type not in PROBLEM_TYPES:
        raise MetricError(
            f"unknown problem_type {problem_type!r}; choose one of: {', '.join(PROBLEM_TYPES)}"
        )
    return {n: m for n, m in REGISTRY.items() if problem_type in m.problem_types}


def metric_for(problem_type: str, name: str, where: str = "metric") -> Metric:
    """The registry's `name` for `problem_type`, or an error naming it, `where` and the choices."""
    choices = metrics_for(problem_type)
    if name not in choices:
        elsewhere = REGISTRY.get(name)
        why = (
            f"applies to {', '.join(elsewhere.problem_types)}, not {problem_type}"
            if elsewhere
            else f"is not a metric the trainer computes for {problem_type}"
        )
        raise MetricError(
            f"{where}: {name!r} {why}; choose one of: {', '.join(choices)} "
            "(the metric registry, models/metrics.py)"
        )
    return choices[name]


def check_experiment(config: dict[str, Any], source: str = "configs/experiment.yaml") -> None:
    """The experiment config names a problem type and a primary metric the trainer computes."""
    problem = config.get("problem_type")
    if problem not in PROBLEM_TYPES:
        raise MetricError(
            f"{source}: problem_type {problem!r} is not one of: {', '.join(PROBLEM_TYPES)}"
        )
    metric_for(str(problem), str(config.get("primary_metric")), f"{source}: primary_metric")


def higher_is_better(metric: str) -> bool:
    if metric not in REGISTRY:
        raise MetricError(f"{metric!r} is not in the metric registry: {', '.join(REGISTRY)}")
    return REGISTRY[metric].higher_is_better


def relative_improvement(candidate: float, baseline: float, metric: str) -> float:
    """How much better `candidate` is than `baseline`, as a share of the baseline's value."""
    gain = candidate - baseline if higher_is_better(metric) else baseline - candidate
    if baseline == 0:
        return math.inf if gain > 0 else 0.0
    return gain / abs(baseline)


def is_better(candidate: float, incumbent: float, metric: str) -> bool:
    return candidate > incumbent if higher_is_better(metric) else candidate < incumbent


def compute_metrics(problem_type: str, model: Any, X: Any, y: Any) -> dict[str, float]:
    """Every registry metric of `problem_type`, for a fitted model on (X, y)."""
    predictions = Predictions(problem_type, model, X, y)
    return {name: m(predictions) for name, m in metrics_for(problem_type).items()}


def score(problem_type: str, metric: str, model: Any, X: Any, y: Any) -> float:
    """One metric, e.g. the primary metric inside cross-validation."""
    return metric_for(problem_type, metric)(Predictions(problem_type, model, X, y))
