"""The drift statistics, in numpy only: PSI and a Kolmogorov-Smirnov test against the reference
histogram (the reference keeps decile edges and fractions, not the training rows themselves)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

# Fractions are floored at this before the PSI's logarithm (an empty bin would be infinite).
EPSILON = 1e-4
OTHER = "__other__"


def psi(reference: Sequence[float], current: Sequence[float]) -> float:
    """Population Stability Index of two distributions over the same bins."""
    ref = np.clip(np.asarray(reference, dtype="float64"), EPSILON, None)
    cur = np.clip(np.asarray(current, dtype="float64"), EPSILON, None)
    ref, cur = ref / ref.sum(), cur / cur.sum()
    return float(np.sum((cur - ref) * np.log(cur / ref)))


def numeric_fractions(values: np.ndarray, edges: Sequence[float]) -> np.ndarray:
    """Share of `values` in each reference bin; the outer bins extend to -inf and +inf.

    Bins follow numpy's histogram: [e_i, e_i+1), so a value equal to an inner edge goes right.
    """
    inner = np.asarray(edges[1:-1], dtype="float64")
    counts = np.bincount(np.searchsorted(inner, values, side="right"), minlength=len(edges) - 1)
    return counts / max(len(values), 1)


def categorical_fractions(
    values: Sequence[str], categories: Sequence[str]
) -> tuple[list[str], np.ndarray]:
    """(categories + OTHER, share of `values` in each); unseen values count as OTHER."""
    index = {c: i for i, c in enumerate(categories)}
    counts = np.zeros(len(categories) + 1)
    for value in values:
        counts[index.get(str(value), len(categories))] += 1
    return [*categories, OTHER], counts / max(len(values), 1)


def ks_statistic(values: np.ndarray, edges: Sequence[float], fractions: Sequence[float]) -> float:
    """Largest gap between the current and the reference CDF, at the reference's bin edges.

    Both CDFs are read as "share of values below the edge", so discrete features (counts,
    integers with many ties) compare exactly; a gap between two edges is not seen, which makes
    the test conservative.
    """
    edges_arr = np.asarray(edges, dtype="float64")
    reference_cdf = np.concatenate([[0.0], np.cumsum(fractions)])[: len(edges_arr)]
    reference_cdf[-1] = 1.0  # the last edge is the reference maximum: everything is at or below
    ordered = np.sort(values)
    below = np.searchsorted(ordered, edges_arr[:-1], side="left") / max(len(ordered), 1)
    at_or_below_max = np.searchsorted(ordered, edges_arr[-1], side="right") / max(len(ordered), 1)
    current_cdf = np.concatenate([below, [at_or_below_max]])
    return float(np.max(np.abs(current_cdf - reference_cdf)))


def ks_p_value(statistic: float, n_current: int, n_reference: int) -> float:
    """Asymptotic two-sample Kolmogorov p-value (Stephens' small-sample correction)."""
    if n_current <= 0 or n_reference <= 0:
        return 1.0
    n = n_current * n_reference / (n_current + n_reference)
    lam = (math.sqrt(n) + 0.12 + 0.11 / math.sqrt(n)) * statistic
    if lam < 0.2:
        return 1.0
    k = np.arange(1, 101)
    total = 2.0 * np.sum((-1.0) ** (k - 1) * np.exp(-2.0 * k**2 * lam**2))
    return float(min(max(total, 0.0), 1.0))
