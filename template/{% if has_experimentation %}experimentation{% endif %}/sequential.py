"""Sequential monitoring: always-valid p-values from the mixture sequential probability ratio
test (mSPRT; Johari, Pekelis & Walsh, "Always valid inference", 2017).

Why mSPRT rather than group-sequential alpha spending: alpha spending needs the number and
timing of looks fixed in advance, and a look outside the plan breaks its guarantee. The mSPRT
p-value is valid at every moment, so people may look daily, hourly or whenever a dashboard
refreshes, and stop as soon as it falls below alpha, with the false-positive rate held at alpha.
The price is power: at the planned runtime it needs more data than a fixed-horizon test.

For a difference estimate D with variance V and a N(0, tau^2) mixing prior on the true effect,
the likelihood ratio against "no effect" is
    L = sqrt(V / (V + tau^2)) * exp(D^2 tau^2 / (2 V (V + tau^2)))
and the always-valid p-value is the running minimum of min(1, 1 / L). All functions take numpy
arrays (runs x looks) so a simulation evaluates thousands of experiments at once.
"""

from __future__ import annotations

import numpy as np


def likelihood_ratio(difference: np.ndarray, variance: np.ndarray, tau2: float) -> np.ndarray:
    d = np.asarray(difference, dtype="float64")
    v = np.asarray(variance, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        log_l = 0.5 * np.log(v / (v + tau2)) + d**2 * tau2 / (2 * v * (v + tau2))
    return np.where(v > 0, np.exp(np.minimum(log_l, 700)), 1.0)


def always_valid_p(difference: np.ndarray, variance: np.ndarray, tau2: float) -> np.ndarray:
    """Always-valid p-values along the last axis (the looks, in time order)."""
    p = np.minimum(1.0, 1.0 / likelihood_ratio(difference, variance, tau2))
    return np.minimum.accumulate(p, axis=-1)


def proportion_looks(
    conv_c: np.ndarray, n_c: np.ndarray, conv_t: np.ndarray, n_t: np.ndarray, tau2: float
) -> np.ndarray:
    """Always-valid p-values of cumulative conversion counts at each look (last axis), with
    the variance of the difference estimated from the pooled rate (as under the null)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = (conv_c + conv_t) / (n_c + n_t)
        variance = pooled * (1 - pooled) * (1 / n_c + 1 / n_t)
        difference = conv_t / n_t - conv_c / n_c
    return always_valid_p(np.nan_to_num(difference), np.nan_to_num(variance), tau2)
