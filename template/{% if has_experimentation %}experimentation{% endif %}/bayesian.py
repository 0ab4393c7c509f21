"""Bayesian comparisons: Beta-Binomial for conversions, a Normal model for continuous metrics.

Both report P(treatment > control), the expected loss of shipping the treatment (the mean
shortfall if it is in fact worse, in the metric's units) and credible intervals. Priors are
uninformative (Beta(1, 1); a flat prior on the mean), so the data speak.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import stats

DRAWS = 20_000


@dataclass(frozen=True)
class Posterior:
    metric: str
    treatment: str
    model: str
    prob_treatment_better: float
    expected_loss: float  # of shipping the treatment; in the metric's units, >= 0
    difference_mean: float
    difference_ci_low: float
    difference_ci_high: float
    # Posterior of each arm, for the density plot: (mean, sd) or Beta (a, b).
    control_params: tuple[float, float]
    treatment_params: tuple[float, float]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def beta_binomial(
    metric: str,
    treatment: str,
    conv_c: int,
    n_c: int,
    conv_t: int,
    n_t: int,
    credible: float = 0.95,
    higher_is_better: bool = True,
    seed: int = 0,
) -> Posterior:
    """Posterior Beta(1 + conversions, 1 + failures) per arm, compared by Monte Carlo (the
    difference of two Betas has no closed form)."""
    rng = np.random.default_rng(seed)
    a_c, b_c = 1 + conv_c, 1 + n_c - conv_c
    a_t, b_t = 1 + conv_t, 1 + n_t - conv_t
    diff = stats.beta.rvs(a_t, b_t, size=DRAWS, random_state=rng) - stats.beta.rvs(
        a_c, b_c, size=DRAWS, random_state=rng
    )
    signed = diff if higher_is_better else -diff
    tail = (1 - credible) / 2
    low, high = np.quantile(diff, [tail, 1 - tail])
    return Posterior(
        metric,
        treatment,
        "Beta-Binomial",
        float(np.mean(signed > 0)),
        float(np.mean(np.maximum(-signed, 0))),
        float(np.mean(diff)),
        float(low),
        float(high),
        (a_c, b_c),
        (a_t, b_t),
    )


def normal(
    metric: str,
    treatment: str,
    mean_c: float,
    var_c: float,
    mean_t: float,
    var_t: float,
    credible: float = 0.95,
    higher_is_better: bool = True,
) -> Posterior:
    """Flat prior on each mean: posterior N(sample mean, variance of the mean). The difference
    is Normal, so P(T > C) and the expected loss are closed-form:
    E[max(-D, 0)] = s phi(m / s) - m Phi(-m / s) for D ~ N(m, s^2)."""
    m = mean_t - mean_c
    s = float(np.sqrt(var_c + var_t))
    signed = m if higher_is_better else -m
    if s == 0:
        prob, loss = float(signed > 0), max(-signed, 0.0)
    else:
        prob = float(stats.norm.cdf(signed / s))
        loss = float(s * stats.norm.pdf(signed / s) - signed * stats.norm.cdf(-signed / s))
    z = float(stats.norm.ppf(1 - (1 - credible) / 2))
    return Posterior(
        metric,
        treatment,
        "Normal",
        prob,
        loss,
        m,
        m - z * s,
        m + z * s,
        (mean_c, float(np.sqrt(var_c))),
        (mean_t, float(np.sqrt(var_t))),
    )
