"""Sample ratio mismatch: the assignment counts against the designed allocation."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import stats

# Alert threshold: with a check on every experiment, a looser level would cry wolf often;
# 0.001 is the level experimentation platforms settled on.
SRM_P_VALUE = 0.001


@dataclass(frozen=True)
class SrmResult:
    observed: dict[str, int]
    expected: dict[str, float]
    statistic: float
    p_value: float
    threshold: float

    @property
    def mismatch(self) -> bool:
        return self.p_value < self.threshold

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "mismatch": self.mismatch}


def p_values(counts: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Chi-square goodness-of-fit p-values of many count vectors at once (one per row)."""
    counts = np.atleast_2d(np.asarray(counts, dtype="float64"))
    shares = np.asarray(shares, dtype="float64") / np.sum(shares)
    expected = counts.sum(axis=1, keepdims=True) * shares
    return np.asarray(stats.chisquare(counts, expected, axis=1).pvalue)


def check(
    counts: dict[str, int], allocation: dict[str, float], threshold: float = SRM_P_VALUE
) -> SrmResult:
    """Chi-square goodness of fit of `counts` per variant to `allocation` (percent)."""
    names = list(allocation)
    observed = np.array([counts.get(n, 0) for n in names], dtype="float64")
    total = observed.sum()
    shares = np.array([allocation[n] for n in names], dtype="float64") / 100
    expected = total * shares / shares.sum()
    if total == 0:
        return SrmResult(dict.fromkeys(names, 0), dict.fromkeys(names, 0.0), 0.0, 1.0, threshold)
    statistic, p = stats.chisquare(observed, expected)
    return SrmResult(
        {n: int(o) for n, o in zip(names, observed, strict=True)},
        {n: float(e) for n, e in zip(names, expected, strict=True)},
        float(statistic),
        float(p),
        threshold,
    )
