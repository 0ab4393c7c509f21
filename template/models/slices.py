"""Metrics per value of a categorical column: where the model works less well."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from models.metrics import compute_metrics


def slice_column(settings: Any) -> str | None:
    """The configured slice column, else the first categorical feature of the data config."""
    configured = (settings.experiment.get("evaluation") or {}).get("slice_column")
    if configured:
        return str(configured)
    features = settings.data.get("features") or {}
    return next(
        (name for name, spec in features.items() if spec.get("type") == "categorical"), None
    )


def slice_metrics(
    problem_type: str,
    model: Any,
    X: pd.DataFrame,
    y: pd.Series,
    column: str,
    min_rows: int,
) -> list[dict[str, Any]]:
    """One row per value of `X[column]` with at least `min_rows` rows: its size and metrics."""
    rows = []
    values = X[column].astype("object").where(X[column].notna(), "(missing)")
    for value, index in values.groupby(values, sort=True).groups.items():
        if len(index) < min_rows:
            continue
        measured = compute_metrics(problem_type, model, X.loc[index], y.loc[index])
        rows.append(
            {
                "column": column,
                "value": str(value),
                "rows": len(index),
                # A metric undefined on a slice (e.g. ROC AUC with one class) is reported as None.
                "metrics": {k: (None if math.isnan(v) else v) for k, v in measured.items()},
            }
        )
    return rows
