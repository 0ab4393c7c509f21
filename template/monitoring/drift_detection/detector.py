"""Compare current rows with the reference statistics: one verdict per column, one overall."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from monitoring.drift_detection import statistics as st


@dataclass(frozen=True)
class Thresholds:
    psi: float = 0.2
    ks_statistic: float = 0.1
    ks_p_value: float = 0.01
    dataset_drift_share: float = 0.25
    prediction_psi: float = 0.2
    min_rows: int = 200

    @classmethod
    def from_config(cls, drift: Mapping[str, Any]) -> Thresholds:
        return cls(
            psi=float(drift["psi_threshold"]),
            ks_statistic=float(drift["ks_statistic_threshold"]),
            ks_p_value=float(drift["ks_p_value"]),
            dataset_drift_share=float(drift["dataset_drift_share"]),
            prediction_psi=float(drift["prediction_psi_threshold"]),
            min_rows=int(drift["min_rows"]),
        )


@dataclass
class ColumnDrift:
    name: str
    type: str
    rows: int
    psi: float
    ks_statistic: float | None
    ks_p_value: float | None
    null_fraction_reference: float
    null_fraction_current: float
    drifted: bool
    reasons: list[str]
    bins: list[str]
    reference_fractions: list[float]
    current_fractions: list[float]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class DriftReport:
    status: str  # drift | ok | insufficient_data
    rows: int
    reference_rows: int
    features: list[ColumnDrift] = field(default_factory=list)
    predictions: list[ColumnDrift] = field(default_factory=list)
    thresholds: Thresholds = field(default_factory=Thresholds)
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def drifted_features(self) -> list[str]:
        return [c.name for c in self.features if c.drifted]

    @property
    def drift_share(self) -> float:
        return len(self.drifted_features) / len(self.features) if self.features else 0.0

    @property
    def dataset_drift(self) -> bool:
        return bool(self.features) and self.drift_share >= self.thresholds.dataset_drift_share

    @property
    def prediction_drift(self) -> bool:
        return any(c.drifted for c in self.predictions)

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "rows": self.rows,
            "reference_rows": self.reference_rows,
            "dataset_drift": self.dataset_drift,
            "drift_share": round(self.drift_share, 4),
            "drifted_features": self.drifted_features,
            "prediction_drift": self.prediction_drift,
            "thresholds": asdict(self.thresholds),
            "features": [c.to_dict() for c in self.features],
            "predictions": [c.to_dict() for c in self.predictions],
            "context": self.context,
        }


def column_drift(
    name: str,
    reference: Mapping[str, Any],
    values: pd.Series,
    thresholds: Thresholds,
    psi_limit: float,
) -> ColumnDrift:
    """One column against its reference entry (the format of data/reference/stats.json)."""
    present = values.dropna()
    null_current = float(values.isna().mean()) if len(values) else 0.0
    reasons: list[str] = []
    ks_stat = ks_p = None
    if reference["type"] == "numeric":
        edges = reference["bin_edges"]
        ref_fractions = list(reference["bin_fractions"])
        current = present.to_numpy(dtype="float64")
        cur_fractions = st.numeric_fractions(current, edges)
        bins = [f"[{lo:.4g}, {hi:.4g})" for lo, hi in zip(edges[:-1], edges[1:], strict=True)]
        ks_stat = st.ks_statistic(current, edges, ref_fractions)
        ks_p = st.ks_p_value(ks_stat, len(current), int(reference.get("count", 0)))
        if ks_stat > thresholds.ks_statistic and ks_p < thresholds.ks_p_value:
            reasons.append(f"KS {ks_stat:.3f} > {thresholds.ks_statistic} (p={ks_p:.2g})")
    else:
        bins, cur_fractions = st.categorical_fractions(
            [str(v) for v in present], reference["categories"]
        )
        ref_fractions = [*reference["frequencies"], 0.0]
    value = st.psi(ref_fractions, cur_fractions)
    if value > psi_limit:
        reasons.append(f"PSI {value:.3f} > {psi_limit}")
    return ColumnDrift(
        name=name,
        type=str(reference["type"]),
        rows=len(values),
        psi=round(value, 6),
        ks_statistic=None if ks_stat is None else round(ks_stat, 6),
        ks_p_value=None if ks_p is None else float(f"{ks_p:.6g}"),
        null_fraction_reference=float(reference.get("null_fraction", 0.0)),
        null_fraction_current=round(null_current, 6),
        drifted=bool(reasons),
        reasons=reasons,
        bins=bins,
        reference_fractions=[round(float(f), 6) for f in ref_fractions],
        current_fractions=[round(float(f), 6) for f in np.asarray(cur_fractions)],
    )


def detect(
    reference: Mapping[str, Any],
    current: pd.DataFrame,
    thresholds: Thresholds,
    prediction_reference: Mapping[str, Any] | None = None,
    predictions: pd.DataFrame | None = None,
    context: dict[str, Any] | None = None,
) -> DriftReport:
    """Every feature of the reference that `current` holds (the target is left out), and the
    prediction columns when a prediction reference is given."""
    target = reference.get("target")
    columns = {n: spec for n, spec in reference["columns"].items() if n != target}
    report = DriftReport(
        status="ok",
        rows=len(current),
        reference_rows=int(reference.get("rows", 0)),
        thresholds=thresholds,
        context=dict(context or {}),
    )
    if len(current) < thresholds.min_rows:
        report.status = "insufficient_data"
        return report
    missing = sorted(set(columns) - set(current.columns))
    if missing:
        raise KeyError(f"current data lacks reference columns: {', '.join(missing)}")
    report.features = [
        column_drift(name, spec, current[name], thresholds, thresholds.psi)
        for name, spec in columns.items()
    ]
    if prediction_reference is not None and predictions is not None:
        report.predictions = [
            column_drift(name, spec, predictions[name], thresholds, thresholds.prediction_psi)
            for name, spec in prediction_reference["columns"].items()
            if name in predictions.columns
        ]
    report.status = "drift" if report.dataset_drift or report.prediction_drift else "ok"
    return report
