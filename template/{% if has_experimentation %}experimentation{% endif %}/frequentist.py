"""Frequentist comparisons of a treatment with the control: the two-proportion z-test, Welch's
t-test, the relative lift with its delta-method interval, and CUPED variance reduction."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep, test_proportions_2indep


@dataclass(frozen=True)
class Comparison:
    metric: str
    treatment: str
    control_units: int
    treatment_units: int
    control_mean: float
    treatment_mean: float
    difference: float
    ci_low: float
    ci_high: float
    p_value: float
    relative_lift: float
    lift_ci_low: float
    lift_ci_high: float
    # Variances of the two means (for the Bayesian Normal model and the sequential test).
    control_var: float
    treatment_var: float
    test: str
    cuped_variance_reduction: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def relative_lift(
    mean_c: float, var_c: float, mean_t: float, var_t: float, alpha: float
) -> tuple[float, float, float]:
    """mean_t / mean_c - 1 and its (1 - alpha) interval by the delta method; `var_*` are the
    variances of the means. Undefined (nan) when the control's mean is 0."""
    if mean_c == 0:
        return float("nan"), float("nan"), float("nan")
    lift = mean_t / mean_c - 1
    # Var(T/C) ~ Var(T)/C^2 + T^2 Var(C)/C^4 (independent arms).
    se = float(np.sqrt(var_t / mean_c**2 + mean_t**2 * var_c / mean_c**4))
    z = float(stats.norm.ppf(1 - alpha / 2))
    return lift, lift - z * se, lift + z * se


def proportion_tests(
    conv_c: Any, n_c: Any, conv_t: Any, n_t: Any, alpha: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(p-value, CI low, CI high) of the difference treatment - control, for scalars or arrays
    of experiments at once: the two-proportion z-test with the pooled variance (statsmodels'
    score test without correction is that test) and the Wald interval."""
    # statsmodels also computes ratios, undefined for a zero count; the difference is not.
    with np.errstate(divide="ignore", invalid="ignore"):
        result = test_proportions_2indep(
            conv_t, n_t, conv_c, n_c, compare="diff", method="score", correction=False
        )
        low, high = confint_proportions_2indep(
            conv_t, n_t, conv_c, n_c, compare="diff", method="wald", alpha=alpha
        )
    p = np.nan_to_num(np.asarray(result.pvalue, dtype="float64"), nan=1.0)
    return p, np.asarray(low), np.asarray(high)


def welch_tests(
    control: np.ndarray, treated: np.ndarray, alpha: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(p-value, CI low, CI high) of Welch's t-test along the last axis (one experiment per row
    when given 2-D arrays)."""
    result = stats.ttest_ind(treated, control, equal_var=False, axis=-1)
    ci = result.confidence_interval(confidence_level=1 - alpha)
    p = np.nan_to_num(np.asarray(result.pvalue, dtype="float64"), nan=1.0)
    return p, np.asarray(ci.low), np.asarray(ci.high)


def proportions(
    metric: str, treatment: str, conv_c: int, n_c: int, conv_t: int, n_t: int, alpha: float
) -> Comparison:
    """Two-proportion z-test with a Wald interval on the difference of rates."""
    p, low, high = proportion_tests(conv_c, n_c, conv_t, n_t, alpha)
    pc, pt = conv_c / n_c, conv_t / n_t
    var_c, var_t = pc * (1 - pc) / n_c, pt * (1 - pt) / n_t
    lift, lift_low, lift_high = relative_lift(pc, var_c, pt, var_t, alpha)
    return Comparison(
        metric,
        treatment,
        n_c,
        n_t,
        pc,
        pt,
        pt - pc,
        float(low),
        float(high),
        float(p),
        lift,
        lift_low,
        lift_high,
        var_c,
        var_t,
        "two-proportion z-test",
    )


def means(
    metric: str, treatment: str, control: np.ndarray, treated: np.ndarray, alpha: float
) -> Comparison:
    """Welch's t-test (unequal variances) with its interval on the difference of means."""
    p, low, high = welch_tests(control, treated, alpha)
    mc, mt = float(np.mean(control)), float(np.mean(treated))
    var_c = float(np.var(control, ddof=1)) / len(control)
    var_t = float(np.var(treated, ddof=1)) / len(treated)
    lift, lift_low, lift_high = relative_lift(mc, var_c, mt, var_t, alpha)
    return Comparison(
        metric,
        treatment,
        len(control),
        len(treated),
        mc,
        mt,
        mt - mc,
        float(low),
        float(high),
        float(p),
        lift,
        lift_low,
        lift_high,
        var_c,
        var_t,
        "Welch t-test",
    )


def cuped(
    metric: str,
    treatment: str,
    control: np.ndarray,
    treated: np.ndarray,
    pre_control: np.ndarray,
    pre_treated: np.ndarray,
    alpha: float,
) -> Comparison:
    """Welch's test on CUPED-adjusted values: y - theta (x - mean x), theta = cov(y, x) / var(x)
    pooled over both arms. The adjustment removes the part of the variance the pre-period
    explains; the means stay those of the raw metric (the adjustment has mean zero), so the
    lift keeps its meaning."""
    y = np.concatenate([control, treated])
    x = np.concatenate([pre_control, pre_treated])
    var_x = float(np.var(x, ddof=1))
    theta = float(np.cov(y, x, ddof=1)[0, 1] / var_x) if var_x > 0 else 0.0
    mean_x = float(np.mean(x))
    adj_c = control - theta * (pre_control - mean_x)
    adj_t = treated - theta * (pre_treated - mean_x)
    out = means(metric, treatment, adj_c, adj_t, alpha)
    raw_var = float(np.var(y, ddof=1))
    adj_var = float(np.var(np.concatenate([adj_c, adj_t]), ddof=1))
    reduction = 1 - adj_var / raw_var if raw_var > 0 else 0.0
    return Comparison(
        **{
            **out.to_dict(),
            "test": "Welch t-test on CUPED-adjusted values",
            "cuped_variance_reduction": round(reduction, 4),
        }
    )
