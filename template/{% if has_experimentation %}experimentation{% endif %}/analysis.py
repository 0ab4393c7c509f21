"""The analysis of an experiment: SRM, frequentist and Bayesian comparisons, sequential
monitoring, segments, and a go / no-go / keep-running decision with its reasons.

Decision rules, in order:
1. an SRM (p < srm_p_value) blocks any winner: no-go until the assignment is fixed;
2. a guardrail significantly worse in a treatment (corrected over guardrails x treatments):
   no-go for it;
3. primary metrics, corrected (Holm or Benjamini-Hochberg) over metrics x treatments. Before
   the planned runtime only the always-valid (mSPRT) p-values may stop the test; at or after
   it the fixed-horizon p-values decide. Any primary significantly worse: no-go; at least one
   better and none worse: go;
4. nothing significant: keep-running while the planned runtime is not reached, else no-go (the
   effect, if any, is below the MDE the design could detect).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

from experimentation import bayesian, frequentist, sequential, srm
from experimentation.config import Design, Metric
from experimentation.design import DesignPlan, plan
from experimentation.units import UnitFrame, metric_outcome_times

GO, NO_GO, KEEP_RUNNING = "go", "no-go", "keep-running"


@dataclass
class Analysis:
    experiment: str
    generated_at: str
    days_observed: int
    planned_days: int
    units: int
    conflicting_units: int
    srm: dict[str, Any]
    primary: list[dict[str, Any]] = field(default_factory=list)
    guardrails: list[dict[str, Any]] = field(default_factory=list)
    posteriors: list[dict[str, Any]] = field(default_factory=list)
    timeline: list[dict[str, Any]] = field(default_factory=list)
    segments: list[dict[str, Any]] = field(default_factory=list)
    decision: str = KEEP_RUNNING
    reasons: list[str] = field(default_factory=list)
    design: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _arm(units: pd.DataFrame, variant: str, column: str) -> np.ndarray:
    values = units.loc[units["variant"] == variant, column]
    return values.dropna().to_numpy(dtype="float64")


def compare(
    metric: Metric, treatment: str, control: str, units: pd.DataFrame, alpha: float
) -> frequentist.Comparison | None:
    c, t = _arm(units, control, metric.name), _arm(units, treatment, metric.name)
    if len(c) < 2 or len(t) < 2:
        return None
    if metric.kind == "proportion":
        return frequentist.proportions(
            metric.name, treatment, int(c.sum()), len(c), int(t.sum()), len(t), alpha
        )
    pre = f"{metric.name}_pre"
    if metric.pre_period_covariate and pre in units:
        rows_c = units[(units["variant"] == control) & units[metric.name].notna()]
        rows_t = units[(units["variant"] == treatment) & units[metric.name].notna()]
        return frequentist.cuped(
            metric.name,
            treatment,
            rows_c[metric.name].to_numpy(float),
            rows_t[metric.name].to_numpy(float),
            rows_c[pre].to_numpy(float),
            rows_t[pre].to_numpy(float),
            alpha,
        )
    return frequentist.means(metric.name, treatment, c, t, alpha)


def posterior(metric: Metric, comparison: frequentist.Comparison, seed: int) -> bayesian.Posterior:
    c = comparison
    if metric.kind == "proportion":
        return bayesian.beta_binomial(
            metric.name,
            c.treatment,
            round(c.control_mean * c.control_units),
            c.control_units,
            round(c.treatment_mean * c.treatment_units),
            c.treatment_units,
            higher_is_better=metric.higher_is_better,
            seed=seed,
        )
    return bayesian.normal(
        metric.name,
        c.treatment,
        c.control_mean,
        c.control_var,
        c.treatment_mean,
        c.treatment_var,
        higher_is_better=metric.higher_is_better,
    )


def _worse(metric: Metric, difference: float) -> bool:
    return difference < 0 if metric.higher_is_better else difference > 0


def timeline(
    design: Design, frame: UnitFrame, metric: Metric, treatment: str
) -> list[dict[str, Any]]:
    """Per day: cumulative units, lift with its CI and the always-valid p-value (the mSPRT)."""
    units = frame.units
    start = units["exposed_at"].min().normalize()
    # Aligned with the rows of `units` (both in unit order).
    outcome_at = metric_outcome_times(frame, metric).reset_index(drop=True)
    tau2 = (design.sequential.tau_mde_multiple * metric.mde_absolute) ** 2
    rows, diffs, variances = [], [], []
    for day in range(int(units["day"].max()) + 1):
        cutoff = start + pd.Timedelta(days=day + 1)
        exposed = units["day"] <= day
        seen = units[exposed].copy()
        if metric.kind == "proportion" and metric.source == "outcome":
            # Only the conversions that had happened by the end of that day.
            at = outcome_at[exposed]
            seen[metric.name] = (at.notna() & (at < cutoff)).astype(float).to_numpy()
        c = compare(metric, treatment, design.control, seen, design.alpha)
        if c is None:
            continue
        rows.append(
            {
                "day": day,
                "units": len(seen),
                "lift": c.relative_lift,
                "lift_ci_low": c.lift_ci_low,
                "lift_ci_high": c.lift_ci_high,
            }
        )
        diffs.append(c.difference)
        variances.append(c.control_var + c.treatment_var)
    p = sequential.always_valid_p(np.array(diffs), np.array(variances), tau2)
    for row, value in zip(rows, p, strict=True):
        row["always_valid_p"] = float(value)
    return rows


def analyse(design: Design, frame: UnitFrame, seed: int = 0) -> Analysis:
    units = frame.units
    design_plan: DesignPlan = plan(design)
    counts = units["variant"].value_counts().to_dict()
    srm_result = srm.check(
        {k: int(v) for k, v in counts.items()}, design.variants, design.srm_p_value
    )
    days = int(units["day"].max()) + 1
    out = Analysis(
        design.name,
        datetime.now(UTC).isoformat(timespec="seconds"),
        days,
        design_plan.runtime_days,
        len(units),
        frame.conflicting_units,
        srm_result.to_dict(),
        design=design_plan.to_dict(),
    )
    for metric in design.primary_metrics:
        for treatment in design.treatments:
            c = compare(metric, treatment, design.control, units, design.alpha)
            if c is None:
                continue
            row = c.to_dict()
            line = timeline(design, frame, metric, treatment)
            out.timeline.append({"metric": metric.name, "treatment": treatment, "days": line})
            row["always_valid_p"] = line[-1]["always_valid_p"] if line else 1.0
            out.primary.append(row)
            out.posteriors.append(posterior(metric, c, seed).to_dict())
    _correct(out.primary, "p_value", design)
    _correct(out.primary, "always_valid_p", design)
    for metric in design.guardrail_metrics:
        for treatment in design.treatments:
            c = compare(metric, treatment, design.control, units, design.alpha)
            if c is not None:
                out.guardrails.append(c.to_dict())
                out.posteriors.append(posterior(metric, c, seed).to_dict())
    # Guardrails are their own family: corrected together, so that watching several of them
    # does not multiply false alarms.
    _correct(out.guardrails, "p_value", design)
    for row in out.guardrails:
        worse = _worse(design.metric(row["metric"]), row["difference"])
        row["harm"] = bool(row["p_value_significant"] and worse)
    out.segments = segments(design, units)
    out.decision, out.reasons = decide(design, out, srm_result)
    return out


def _correct(rows: list[dict[str, Any]], key: str, design: Design) -> None:
    if not rows:
        return
    reject, adjusted, _, _ = multipletests(
        [r[key] for r in rows], alpha=design.alpha, method=design.correction_method
    )
    for row, r, a in zip(rows, reject, adjusted, strict=True):
        row[f"{key}_adjusted"] = float(a)
        row[f"{key}_significant"] = bool(r)


def segments(design: Design, units: pd.DataFrame) -> list[dict[str, Any]]:
    """Primary-metric effects per segment, corrected over every segment x metric x treatment."""
    if not design.segment_attribute or "segment" not in units:
        return []
    rows = []
    for value, part in units.groupby("segment"):
        for metric in design.primary_metrics:
            for treatment in design.treatments:
                c = compare(metric, treatment, design.control, part, design.alpha)
                if c is not None:
                    rows.append({"segment": str(value), **c.to_dict()})
    _correct(rows, "p_value", design)
    return rows


def decide(design: Design, out: Analysis, srm_result: srm.SrmResult) -> tuple[str, list[str]]:
    reasons: list[str] = []
    if srm_result.mismatch:
        observed = ", ".join(f"{k} {v}" for k, v in srm_result.observed.items())
        reasons.append(
            f"sample ratio mismatch: {observed} against the designed {design.variants} "
            f"(chi-square p = {srm_result.p_value:.2e} < {srm_result.threshold}); no winner can "
            "be declared until the assignment or the logging is fixed"
        )
        return NO_GO, reasons
    if out.conflicting_units:
        reasons.append(f"{out.conflicting_units} units were exposed to several variants (dropped)")
    harmed = [g for g in out.guardrails if g["harm"]]
    for g in harmed:
        reasons.append(
            f"guardrail {g['metric']} worse in {g['treatment']}: {g['control_mean']:.4g} -> "
            f"{g['treatment_mean']:.4g} (p = {g['p_value']:.2g}, {design.correction}-adjusted "
            f"{g['p_value_adjusted']:.2g} < {design.alpha})"
        )
    reached = out.days_observed >= out.planned_days
    key = "p_value" if reached else "always_valid_p"
    label = "fixed-horizon" if reached else "always-valid (mSPRT)"
    verdicts: dict[str, str] = {}
    for row in out.primary:
        metric = design.metric(row["metric"])
        significant = row[f"{key}_significant"]
        p = row[f"{key}_adjusted"]
        lift = row["relative_lift"]
        if significant and _worse(metric, row["difference"]):
            verdicts[row["treatment"]] = NO_GO
            reasons.append(
                f"{row['metric']} worse in {row['treatment']}: lift {lift:+.2%}, "
                f"{label} p = {p:.2g} ({design.correction})"
            )
        elif significant:
            verdicts.setdefault(row["treatment"], GO)
            reasons.append(
                f"{row['metric']} better in {row['treatment']}: lift {lift:+.2%} "
                f"[{row['lift_ci_low']:+.2%}, {row['lift_ci_high']:+.2%}], {label} "
                f"p = {p:.2g} ({design.correction})"
            )
        else:
            reasons.append(
                f"{row['metric']} in {row['treatment']}: lift {lift:+.2%}, {label} "
                f"p = {p:.2g}, not significant"
            )
    winners = [
        t for t, v in verdicts.items() if v == GO and t not in {g["treatment"] for g in harmed}
    ]
    if winners:
        return GO, [f"ship {', '.join(winners)}", *reasons]
    if harmed or any(v == NO_GO for v in verdicts.values()):
        return NO_GO, reasons
    if not reached:
        reasons.append(
            f"day {out.days_observed} of the planned {out.planned_days}: keep collecting"
        )
        return KEEP_RUNNING, reasons
    reasons.append(
        f"planned runtime of {out.planned_days} days reached without a significant "
        "effect: keep the control"
    )
    return NO_GO, reasons
