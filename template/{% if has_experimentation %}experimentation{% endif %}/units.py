"""From the event log to one row per exposed unit: its variant, segment and metric values."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from experimentation import events
from experimentation.config import Design, Metric


class NoExposuresError(RuntimeError):
    """The event log has no exposure of the experiment: nothing to analyse."""


@dataclass
class UnitFrame:
    units: pd.DataFrame  # unit_id, variant, exposed_at, day, segment, <metric>, <metric>_pre
    conflicting_units: int  # units exposed to more than one variant (dropped)
    outcomes: pd.DataFrame  # post-period outcome events of exposed units (for cumulative plots)


def load(design: Design, root: Path) -> UnitFrame:
    exposures = events.read(root, "exposure")
    if exposures.empty or not (exposures["experiment"] == design.name).any():
        raise NoExposuresError(
            f"{root}: no exposure events of experiment {design.name!r}; run `make "
            "experiment-simulate` or serve traffic with the experiment flag on"
        )
    exp = exposures[exposures["experiment"] == design.name].sort_values("timestamp")
    variants_per_unit = exp.groupby("unit_id")["variant"].nunique()
    conflicting = variants_per_unit[variants_per_unit > 1].index
    exp = exp[~exp["unit_id"].isin(conflicting)]
    # An exposure is counted once per unit: the first one.
    first = exp.drop_duplicates("unit_id", keep="first").set_index("unit_id")
    start = first["timestamp"].min().normalize()
    units = pd.DataFrame(
        {
            "variant": first["variant"],
            "exposed_at": first["timestamp"],
            "day": (first["timestamp"] - start).dt.days,
        }
    )
    attribute = design.segment_attribute
    if attribute:
        units["segment"] = [json.loads(a).get(attribute, "unknown") for a in first["attributes"]]
    outcomes = events.read(root, "outcome")
    predictions = events.read(root, "prediction")
    post = pd.DataFrame()
    if not outcomes.empty:
        outcomes = outcomes[outcomes["unit_id"].isin(units.index)]
        post = outcomes[outcomes["period"] == "post"]
    for metric in [*design.primary_metrics, *design.guardrail_metrics]:
        units[metric.name] = _metric_values(metric, units.index, post, predictions)
        if metric.pre_period_covariate and not outcomes.empty:
            pre = outcomes[(outcomes["period"] == "pre") & (outcomes["metric"] == metric.name)]
            if not pre.empty:
                units[f"{metric.name}_pre"] = (
                    pre.groupby("unit_id")["value"].sum().reindex(units.index).fillna(0.0)
                )
    return UnitFrame(units.reset_index(), len(conflicting), post)


def _metric_values(
    metric: Metric, index: pd.Index, post: pd.DataFrame, predictions: pd.DataFrame
) -> pd.Series:
    if metric.source == "prediction":
        if predictions.empty:
            return pd.Series(np.nan, index=index)
        preds = predictions[predictions["unit_id"].isin(index)]
        if metric.kind == "proportion":  # the unit saw an error
            per_unit = (preds["status"] >= 500).groupby(preds["unit_id"]).max().astype(float)
        else:
            per_unit = preds.groupby("unit_id")["latency_ms"].mean()
        return per_unit.reindex(index)
    if post.empty:
        return pd.Series(0.0, index=index)
    rows = post[post["metric"] == metric.name]
    per_unit = rows.groupby("unit_id")["value"].sum()
    if metric.kind == "proportion":
        per_unit = (per_unit > 0).astype(float)
    return per_unit.reindex(index).fillna(0.0)


def metric_outcome_times(frame: UnitFrame, metric: Metric) -> pd.Series:
    """When each unit's post-period outcome of `metric` first arrived (NaT: none yet)."""
    if frame.outcomes.empty or metric.source != "outcome":
        # Event timestamps are UTC: NaT of the same type compares with them.
        return pd.Series(pd.NaT, index=frame.units["unit_id"], dtype="datetime64[us, UTC]")
    rows = frame.outcomes[frame.outcomes["metric"] == metric.name]
    return rows.groupby("unit_id")["timestamp"].min().reindex(frame.units["unit_id"])
