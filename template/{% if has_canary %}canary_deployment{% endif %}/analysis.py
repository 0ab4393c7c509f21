"""The analysis between two canary steps: the canary's error rate, p99 latency and prediction
distribution against the stable version's over the same interval."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from monitoring.drift_detection.statistics import ks_p_value


@dataclass(frozen=True)
class Criteria:
    """Abort when any is exceeded (defaults follow docs/ml-requirements.md).

    The one source of the canary limits: the Argo analysis (k8s/analysis-template.yaml) states
    the same ones, written there by `python -m canary_deployment.argo` and checked by a test.
    """

    max_error_rate: float = 0.001
    max_p99_seconds: float = 0.25
    # The canary's p99 may be at most this many times the stable version's.
    max_latency_ratio: float = 1.5
    # Prediction drift against the stable version: KS statistic above this with p below
    # `prediction_p_value`.
    max_prediction_ks: float = 0.2
    prediction_p_value: float = 0.01
    # Fewer canary requests than this in a step: the analysis cannot judge, the rollout waits.
    min_requests: int = 50
    # In the cluster Prometheus keeps no per-request scores for a KS test: the Argo analysis
    # compares the mean prediction of canary and stable pods instead, and aborts above these
    # (classifiers: absolute change of the mean probability; regression: relative change).
    max_probability_shift: float = 0.1
    max_value_shift: float = 0.25


@dataclass
class Sample:
    """What one version answered during a step."""

    statuses: list[int] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)  # probability, or value for regression

    @property
    def requests(self) -> int:
        return len(self.statuses)

    @property
    def error_rate(self) -> float:
        return sum(s >= 500 for s in self.statuses) / self.requests if self.requests else 0.0

    @property
    def p99(self) -> float:
        return float(np.quantile(self.latencies, 0.99)) if self.latencies else 0.0


@dataclass(frozen=True)
class Analysis:
    passed: bool
    inconclusive: bool
    reasons: list[str]
    canary: dict[str, Any]
    stable: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def score_drift(canary: Sequence[float], stable: Sequence[float]) -> tuple[float, float]:
    """Two-sample Kolmogorov-Smirnov of the canary's scores against the stable version's:
    (statistic, p-value). The p-value accounts for the few canary requests of early steps."""
    if len(canary) == 0 or len(stable) == 0:
        return 0.0, 1.0
    a = np.sort(np.asarray(canary, dtype="float64"))
    b = np.sort(np.asarray(stable, dtype="float64"))
    points = np.concatenate([a, b])
    cdf_a = np.searchsorted(a, points, side="right") / len(a)
    cdf_b = np.searchsorted(b, points, side="right") / len(b)
    statistic = float(np.max(np.abs(cdf_a - cdf_b)))
    return statistic, ks_p_value(statistic, len(a), len(b))


def _summary(sample: Sample) -> dict[str, Any]:
    return {"requests": sample.requests, "error_rate": sample.error_rate, "p99": sample.p99}


def analyse(canary: Sample, stable: Sample, criteria: Criteria) -> Analysis:
    reasons: list[str] = []
    if canary.requests < criteria.min_requests:
        return Analysis(
            False, True, [f"only {canary.requests} canary requests"], _summary(canary),
            _summary(stable),
        )  # fmt: skip
    if canary.error_rate > criteria.max_error_rate:
        reasons.append(f"error rate {canary.error_rate:.2%} > {criteria.max_error_rate:.2%}")
    if canary.p99 > criteria.max_p99_seconds:
        reasons.append(f"p99 {canary.p99 * 1000:.0f} ms > {criteria.max_p99_seconds * 1000:.0f} ms")
    if stable.p99 > 0 and canary.p99 > criteria.max_latency_ratio * stable.p99:
        reasons.append(f"p99 {canary.p99 / stable.p99:.1f}x the stable version's")
    drift, p_value = score_drift(canary.scores, stable.scores)
    if drift > criteria.max_prediction_ks and p_value < criteria.prediction_p_value:
        reasons.append(
            f"prediction drift: KS {drift:.2f} > {criteria.max_prediction_ks} (p={p_value:.2g})"
        )
    summary = {**_summary(canary), "prediction_ks": round(drift, 4), "prediction_p": p_value}
    return Analysis(not reasons, False, reasons, summary, _summary(stable))
