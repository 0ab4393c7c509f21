"""Simulated traffic with a known effect, and the calibration study that proves the methods.

`simulate_events` writes an event log (through the validating EventLog) that `make
experiment-analyze` reads: units assigned by the real Assigner, outcomes drawn with the
configured true lift, a pre-period covariate correlated with the outcome, prediction latencies.

`calibrate` runs many seeded experiments at once (numpy arrays, runs x looks) and measures:
- the false-positive rate of A/A tests, fixed-horizon and with daily peeking under the mSPRT;
- the coverage of the confidence interval of the difference when the lift is known;
- how often an injected 52/48 split on a 50/50 design is flagged as SRM.
Each measured rate is a binomial proportion over `runs`; its acceptance band is the binomial
quantiles at 1e-4 and 1 - 1e-4 around the rate the method promises, so a correct method fails
the check with probability below 2e-4, and a broken one (say an FPR of 2 x alpha) fails it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from experimentation import frequentist, sequential, srm
from experimentation.assignment import Assigner
from experimentation.config import Design, Metric
from experimentation.events import EventLog, ExposureEvent, OutcomeEvent, PredictionEvent

# Probability that a correct method lands outside its band (per side).
BAND_TAIL = 1e-4
SEGMENTS = ("web", "ios", "android")
START = datetime(2026, 1, 5, tzinfo=UTC)
# Correlation of a mean metric with its pre-period value (what CUPED exploits).
PRE_CORRELATION = 0.7


def band(runs: int, rate: float, tail: float = BAND_TAIL) -> tuple[float, float]:
    """Where `runs` Bernoulli(rate) trials put their observed rate with prob. 1 - 2 tail."""
    low = stats.binom.ppf(tail, runs, rate) / runs
    high = stats.binom.ppf(1 - tail, runs, rate) / runs
    return float(low), float(high)


def _lift(design: Design, metric: Metric, variant: str) -> float:
    if variant == design.control:
        return 0.0
    return design.simulation.true_lift.get(metric.name, 0.0)


def simulate_events(
    design: Design,
    out: Path,
    units: int | None = None,
    seed: int | None = None,
    treatment_share: float | None = None,
) -> dict[str, Any]:
    """Write a simulated experiment's events under `out`; returns what was simulated."""
    sim = design.simulation
    units = units or sim.units
    rng = np.random.default_rng(sim.seed if seed is None else seed)
    share = treatment_share if treatment_share is not None else sim.observed_treatment_share
    assigner = Assigner.from_design(design)
    log = EventLog(out, flush_rows=20_000)
    counts: dict[str, int] = {}
    day = rng.integers(0, sim.days, size=units)
    seconds = rng.integers(0, 86_400, size=units)
    segment = rng.choice(SEGMENTS, size=units, p=[0.5, 0.3, 0.2])
    u = rng.random(units)
    for i in range(units):
        unit = f"sim-{i:07d}"
        if share is None:
            variant = assigner.variant(unit)
            if variant is None:
                continue
        else:  # an injected mismatch: the treatment receives `share` whatever the design says
            variant = design.treatments[0] if u[i] < share else design.control
        counts[variant] = counts.get(variant, 0) + 1
        ts = START + timedelta(days=int(day[i]), seconds=int(seconds[i]))
        log.write(
            ExposureEvent(
                unit_id=unit,
                experiment=design.name,
                variant=variant,
                timestamp=ts,
                attributes={"platform": str(segment[i])},
            )
        )
        for metric in [*design.primary_metrics, *design.guardrail_metrics]:
            _unit_metric(log, rng, design, metric, unit, variant, ts)
    log.close()
    return {"units": units, "assigned": counts, "days": sim.days, "events": log.counts()}


def _unit_metric(
    log: EventLog,
    rng: np.random.Generator,
    design: Design,
    metric: Metric,
    unit: str,
    variant: str,
    ts: datetime,
) -> None:
    lift = _lift(design, metric, variant)
    if metric.source == "prediction":
        # The API's own metrics: latency (mean) and errors (proportion) per prediction.
        is_error = metric.kind == "proportion" and rng.random() < metric.baseline * (1 + lift)
        latency = max(0.1, rng.normal(metric.baseline * (1 + lift), metric.std or 1.0))
        if metric.kind == "proportion":
            latency = abs(rng.normal(20, 5))
        log.write(
            PredictionEvent(
                unit_id=unit,
                experiment=design.name,
                variant=variant,
                model_name="simulated",
                model_version="2" if variant != design.control else "1",
                latency_ms=float(latency),
                status=500 if is_error else 200,
                timestamp=ts,
            )
        )
        return
    if metric.kind == "proportion":
        if rng.random() < metric.baseline * (1 + lift):
            log.write(
                OutcomeEvent(
                    unit_id=unit, metric=metric.name, value=1.0, timestamp=ts + timedelta(hours=1)
                )
            )
        return
    std = metric.std or 1.0
    pre = rng.normal(metric.baseline, std)
    noise = rng.normal(0, std * np.sqrt(1 - PRE_CORRELATION**2))
    post = metric.baseline * (1 + lift) + PRE_CORRELATION * (pre - metric.baseline) + noise
    if metric.pre_period_covariate:
        log.write(
            OutcomeEvent(
                unit_id=unit,
                metric=metric.name,
                value=float(pre),
                period="pre",
                timestamp=ts - timedelta(days=7),
            )
        )
    log.write(
        OutcomeEvent(
            unit_id=unit, metric=metric.name, value=float(post), timestamp=ts + timedelta(hours=1)
        )
    )


@dataclass(frozen=True)
class Rate:
    name: str
    value: float
    low: float
    high: float
    runs: int
    detail: str

    @property
    def passed(self) -> bool:
        return self.low <= self.value <= self.high

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "passed": self.passed}


def _arms(design: Design, units: int) -> tuple[int, int]:
    treatment = design.treatments[0]
    total = design.variants[design.control] + design.variants[treatment]
    n_c = round(units * design.variants[design.control] / total)
    return n_c, units - n_c


def calibrate(design: Design, runs: int | None = None, seed: int | None = None) -> list[Rate]:
    """The calibration study on the first primary metric (a proportion or a mean) and the
    first treatment."""
    sim = design.simulation
    runs = runs or sim.runs
    rng = np.random.default_rng(sim.seed if seed is None else seed)
    metric = design.primary_metrics[0]
    alpha = design.alpha
    n_c, n_t = _arms(design, sim.units)
    tau2 = (design.sequential.tau_mde_multiple * metric.mde_absolute) ** 2
    rates = [
        _fixed_horizon_fpr(rng, metric, n_c, n_t, alpha, runs),
        _peeking_fpr(rng, metric, n_c, n_t, alpha, runs, sim.days, tau2),
        _coverage(rng, metric, n_c, n_t, alpha, runs, sim.true_lift.get(metric.name, 0.05)),
        _srm_detection(rng, design, sim.units, runs),
    ]
    return rates


# Mean metrics: at most this many units per arm in the per-run samples (runs x units floats).
MAX_MEAN_SAMPLE = 2000


def _tests(
    rng: np.random.Generator,
    metric: Metric,
    n_c: int,
    n_t: int,
    alpha: float,
    runs: int,
    lift: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(p, CI low, CI high) of `runs` simulated experiments at once, through the analysis's own
    tests (frequentist.proportion_tests / welch_tests)."""
    if metric.kind == "proportion":
        conv_c = rng.binomial(n_c, metric.baseline, size=runs)
        conv_t = rng.binomial(n_t, metric.baseline * (1 + lift), size=runs)
        return frequentist.proportion_tests(conv_c, n_c, conv_t, n_t, alpha)
    scale = min(1.0, MAX_MEAN_SAMPLE / max(n_c, n_t))
    n_c, n_t = max(2, int(n_c * scale)), max(2, int(n_t * scale))
    control = rng.normal(metric.baseline, metric.std, size=(runs, n_c))
    treated = rng.normal(metric.baseline * (1 + lift), metric.std, size=(runs, n_t))
    return frequentist.welch_tests(control, treated, alpha)


def _fixed_horizon_fpr(
    rng: np.random.Generator, metric: Metric, n_c: int, n_t: int, alpha: float, runs: int
) -> Rate:
    p, _, _ = _tests(rng, metric, n_c, n_t, alpha, runs, 0.0)
    low, high = band(runs, alpha)
    return Rate(
        "aa_false_positive_rate",
        float(np.mean(p < alpha)),
        low,
        high,
        runs,
        f"A/A, one look at the end, {metric.kind} test at alpha {alpha}",
    )


def _peeking_fpr(
    rng: np.random.Generator,
    metric: Metric,
    n_c: int,
    n_t: int,
    alpha: float,
    runs: int,
    days: int,
    tau2: float,
) -> Rate:
    """A/A with a look every day under the mSPRT; the test is conservative, so only the upper
    end of the band binds (the lower end is 0)."""
    daily_c, daily_t = max(1, n_c // days), max(1, n_t // days)
    looks_c = np.arange(1, days + 1) * daily_c
    looks_t = np.arange(1, days + 1) * daily_t
    if metric.kind == "proportion":
        conv_c = np.cumsum(rng.binomial(daily_c, metric.baseline, size=(runs, days)), axis=1)
        conv_t = np.cumsum(rng.binomial(daily_t, metric.baseline, size=(runs, days)), axis=1)
        p = sequential.proportion_looks(conv_c, looks_c, conv_t, looks_t, tau2)
    else:
        # Daily sums of normal samples are normal: draw the cumulative means directly.
        std = metric.std or 1.0
        inc_c = rng.normal(0, std * np.sqrt(daily_c), size=(runs, days)).cumsum(axis=1)
        inc_t = rng.normal(0, std * np.sqrt(daily_t), size=(runs, days)).cumsum(axis=1)
        diff = inc_t / looks_t - inc_c / looks_c
        p = sequential.always_valid_p(diff, std**2 * (1 / looks_c + 1 / looks_t), tau2)
    rate = float(np.mean(p[:, -1] < alpha))
    _, high = band(runs, alpha)
    return Rate(
        "aa_false_positive_rate_daily_peeking",
        rate,
        0.0,
        high,
        runs,
        f"A/A, {days} daily looks, mSPRT always-valid p < {alpha} at any look",
    )


def _coverage(
    rng: np.random.Generator,
    metric: Metric,
    n_c: int,
    n_t: int,
    alpha: float,
    runs: int,
    lift: float,
) -> Rate:
    _, ci_low, ci_high = _tests(rng, metric, n_c, n_t, alpha, runs, lift)
    truth = metric.baseline * lift
    covered = float(np.mean((ci_low <= truth) & (truth <= ci_high)))
    low, high = band(runs, 1 - alpha)
    return Rate(
        "ci_coverage",
        covered,
        low,
        high,
        runs,
        f"A/B with a true lift of {lift:.1%}: share of {1 - alpha:.0%} CIs covering it",
    )


def srm_detection_power(units: int, observed: float, expected: float, p_value: float) -> float:
    """Power of the chi-square SRM test (1 df, noncentral chi-square) for a two-arm split."""
    nc = units * (
        (observed - expected) ** 2 / expected + (observed - expected) ** 2 / (1 - expected)
    )
    critical = stats.chi2.ppf(1 - p_value, 1)
    return float(stats.ncx2.sf(critical, 1, nc))


def _srm_detection(rng: np.random.Generator, design: Design, units: int, runs: int) -> Rate:
    treated = rng.binomial(units, 0.52, size=runs)
    counts = np.column_stack([units - treated, treated])
    flagged = float(np.mean(srm.p_values(counts, [50.0, 50.0]) < design.srm_p_value))
    power = srm_detection_power(units, 0.52, 0.5, design.srm_p_value)
    low, _ = band(runs, power)
    return Rate(
        "srm_detection_52_48",
        flagged,
        low,
        1.0,
        runs,
        f"52/48 split of {units} units on a 50/50 design flagged at p < "
        f"{design.srm_p_value} (expected power {power:.4f})",
    )
