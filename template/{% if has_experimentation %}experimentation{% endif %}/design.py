"""The design: sample size and power per metric (statsmodels), the runtime from the traffic,
and the alpha each comparison is tested at after the multiple-testing correction.

The family of comparisons is every primary metric against every treatment. Holm and
Benjamini-Hochberg both test the smallest p-value at alpha / m, so the design powers each
comparison at alpha / m: the conservative level either procedure may apply. Guardrails are
planned at the plain alpha: they are a family of their own, corrected together in the analysis,
and their power is reported, not required (they watch for large harms).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from statsmodels.stats.power import NormalIndPower, TTestIndPower
from statsmodels.stats.proportion import proportion_effectsize

from experimentation.config import Design, Metric


@dataclass(frozen=True)
class MetricPlan:
    metric: str
    role: str  # primary | guardrail
    kind: str
    treatment: str
    effect_size: float  # Cohen's h (proportions) or d (means)
    alpha: float
    control_units: int  # needed for the target power
    treatment_units: int
    power_at_runtime: float  # at the units the traffic supplies in max_runtime_days
    days_needed: int


@dataclass(frozen=True)
class DesignPlan:
    name: str
    alpha: float
    comparison_alpha: float
    comparisons: int
    correction: str
    target_power: float
    enrolled_per_day: float
    runtime_days: int  # the longest metric's need
    max_runtime_days: int
    metrics: list[MetricPlan]

    @property
    def underpowered(self) -> list[MetricPlan]:
        """Primary comparisons short of the target power at the maximum runtime (guardrails
        are reported, not required: they watch for large harms)."""
        return [
            m
            for m in self.metrics
            if m.role == "primary" and m.power_at_runtime < self.target_power
        ]

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["underpowered"] = [m.metric + "/" + m.treatment for m in self.underpowered]
        return out


def effect_size(metric: Metric) -> float:
    """The standardised MDE (always positive: power is two-sided)."""
    if metric.kind == "proportion":
        treated = metric.baseline * (1 + metric.mde_relative)
        if not 0 < treated < 1:
            raise ValueError(
                f"metric {metric.name}: baseline {metric.baseline} with mde_relative "
                f"{metric.mde_relative} leaves (0, 1); lower the MDE"
            )
        return abs(float(proportion_effectsize(treated, metric.baseline)))
    assert metric.std is not None
    return metric.mde_absolute / metric.std


def _power_model(metric: Metric) -> NormalIndPower | TTestIndPower:
    return NormalIndPower() if metric.kind == "proportion" else TTestIndPower()


def units_needed(metric: Metric, alpha: float, power: float, ratio: float) -> tuple[int, int]:
    """(control, treatment) units for `power` at `alpha`, treatment = ratio x control."""
    es = effect_size(metric)
    n1 = _power_model(metric).solve_power(
        effect_size=es, alpha=alpha, power=power, ratio=ratio, alternative="two-sided"
    )
    control = math.ceil(float(n1))
    return control, math.ceil(control * ratio)


def power_at(metric: Metric, alpha: float, control_units: float, ratio: float) -> float:
    if control_units < 2:
        return 0.0
    kwargs = {
        "effect_size": effect_size(metric),
        "nobs1": control_units,
        "alpha": alpha,
        "ratio": ratio,
        "alternative": "two-sided",
    }
    power = float(_power_model(metric).power(**kwargs))
    if math.isnan(power):
        # scipy's noncentral t gives nan at tens of thousands of degrees of freedom, where the
        # t-test is the z-test: use the normal power there.
        power = float(NormalIndPower().power(**kwargs))
    return power


def plan(design: Design) -> DesignPlan:
    comparisons = len(design.primary_metrics) * len(design.treatments)
    comparison_alpha = design.alpha / comparisons
    per_day = design.traffic.daily_units * design.traffic.enrolled_percent / 100
    control_share = design.variants[design.control] / 100
    metrics: list[MetricPlan] = []
    for role, metric, alpha in [
        *(("primary", m, comparison_alpha) for m in design.primary_metrics),
        *(("guardrail", m, design.alpha) for m in design.guardrail_metrics),
    ]:
        for treatment in design.treatments:
            treatment_share = design.variants[treatment] / 100
            ratio = treatment_share / control_share
            control, treated = units_needed(metric, alpha, design.power, ratio)
            # The bottleneck is whichever arm fills last.
            days = math.ceil(
                max(control / (per_day * control_share), treated / (per_day * treatment_share))
            )
            at_runtime = per_day * design.traffic.max_runtime_days * control_share
            metrics.append(
                MetricPlan(
                    metric=metric.name,
                    role=role,
                    kind=metric.kind,
                    treatment=treatment,
                    effect_size=round(effect_size(metric), 6),
                    alpha=alpha,
                    control_units=control,
                    treatment_units=treated,
                    power_at_runtime=round(power_at(metric, alpha, at_runtime, ratio), 4),
                    days_needed=days,
                )
            )
    primary = [m for m in metrics if m.role == "primary"]
    return DesignPlan(
        name=design.name,
        alpha=design.alpha,
        comparison_alpha=comparison_alpha,
        comparisons=comparisons,
        correction=design.correction,
        target_power=design.power,
        enrolled_per_day=per_day,
        runtime_days=max(m.days_needed for m in primary),
        max_runtime_days=design.traffic.max_runtime_days,
        metrics=metrics,
    )


def to_markdown(design: Design, result: DesignPlan) -> str:
    """The design as a short document for the people who approve the experiment."""
    lines = [
        f"# Experiment design: {design.name}",
        "",
        f"**Hypothesis.** {design.hypothesis}",
        "",
        f"- Variants (allocation %): {design.variants}; layer `{design.layer}` "
        f"{design.layer_range[0]:g}-{design.layer_range[1]:g} % of its units",
        f"- Traffic: {design.traffic.daily_units} units/day, {design.traffic.enrolled_percent:g} % "
        f"enrolled = {result.enrolled_per_day:g} units/day",
        f"- alpha {design.alpha}, {result.comparisons} primary comparison(s), correction "
        f"{design.correction}: each powered at alpha {result.comparison_alpha:.4g}",
        f"- Target power {design.power}; planned runtime **{result.runtime_days} days** "
        f"(at most {result.max_runtime_days})",
        f"- Sequential monitoring: {design.sequential.method} (always-valid p-values; daily looks "
        "do not inflate the false-positive rate)",
        "",
        "| metric | role | kind | treatment | MDE | effect size | alpha | control units | "
        "treatment units | days | power at max runtime |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for m in result.metrics:
        mde = design.metric(m.metric).mde_relative
        lines.append(
            f"| {m.metric} | {m.role} | {m.kind} | {m.treatment} | {mde:.1%} | {m.effect_size:.4f} "
            f"| {m.alpha:.4g} | {m.control_units} | {m.treatment_units} | {m.days_needed} "
            f"| {m.power_at_runtime:.3f} |"
        )
    lines.append("")
    if result.underpowered:
        lines.append(
            "**UNDERPOWERED:** "
            + "; ".join(
                f"{m.metric}/{m.treatment} reaches power {m.power_at_runtime:.3f} < "
                f"{design.power} in {result.max_runtime_days} days (needs {m.days_needed})"
                for m in result.underpowered
            )
        )
    else:
        lines.append(f"Every metric reaches power {design.power} within the maximum runtime.")
    return "\n".join(lines) + "\n"
