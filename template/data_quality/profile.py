"""Completeness, the data profile, and the reference statistics drift detection compares with."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from data_ingestion import contract

QUANTILES = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)
HISTOGRAM_BINS = 10


def completeness(df: pd.DataFrame, columns: list[str]) -> dict[str, float]:
    """Share of non-null values per column (1.0 for an empty frame: nothing is missing)."""
    if not len(df):
        return {c: 1.0 for c in columns}
    return {c: round(float(df[c].notna().mean()), 6) for c in columns}


def profile(df: pd.DataFrame, config: Mapping[str, Any], now: pd.Timestamp) -> dict[str, Any]:
    """Row counts, completeness, freshness and a summary per column of accepted data."""
    ts = df[contract.timestamp_column(config)]
    newest = ts.max() if len(df) else None
    columns: dict[str, Any] = {}
    for name, spec in {
        **contract.features(config),
        contract.target_column(config): contract.target_spec(config),
    }.items():
        values = df[name]
        summary: dict[str, Any] = {"type": spec["type"], "null_fraction": _null_fraction(values)}
        if spec["type"] == "numeric" and values.notna().any():
            summary.update(
                mean=float(values.mean()),
                std=float(values.std()) if values.notna().sum() > 1 else 0.0,
                min=float(values.min()),
                max=float(values.max()),
                skew=float(values.skew()) if values.notna().sum() > 2 else 0.0,
            )
        elif spec["type"] == "categorical":
            counts = values.value_counts()
            summary["top"] = {str(k): int(v) for k, v in counts[counts > 0].head(10).items()}
        columns[name] = summary
    entity = contract.entity_column(config)
    return {
        "rows": len(df),
        "completeness": completeness(df, list(df.columns)),
        "freshness": {
            "oldest": ts.min().isoformat() if len(df) else None,
            "newest": newest.isoformat() if newest is not None else None,
            "age_hours": round((now - newest).total_seconds() / 3600, 2) if len(df) else None,
        },
        "unique_ids": int(df[contract.id_column(config)].nunique()),
        "unique_entities": int(df[entity].nunique()) if entity else None,
        "columns": columns,
    }


def reference_stats(df: pd.DataFrame, config: Mapping[str, Any]) -> dict[str, Any]:
    """Per feature (and target): a histogram to compare live data with, nulls and moments."""
    stats: dict[str, Any] = {}
    specs = {
        **contract.features(config),
        contract.target_column(config): contract.target_spec(config),
    }
    for name, spec in specs.items():
        values = df[name]
        entry: dict[str, Any] = {"type": spec["type"], "null_fraction": _null_fraction(values)}
        present = values.dropna()
        if spec["type"] == "numeric":
            entry.update(_numeric_reference(present.to_numpy(dtype="float64")))
        else:
            counts = present.value_counts()
            counts.index = counts.index.map(str)
            categories = [str(a) for a in spec.get("allowed") or counts.index]
            total = max(int(counts.sum()), 1)
            entry["categories"] = categories
            entry["frequencies"] = [round(int(counts.get(c, 0)) / total, 6) for c in categories]
        stats[name] = entry
    return {"rows": len(df), "target": contract.target_column(config), "columns": stats}


def _numeric_reference(values: np.ndarray) -> dict[str, Any]:
    if not len(values):
        return {"count": 0}
    edges = np.unique(np.quantile(values, np.linspace(0, 1, HISTOGRAM_BINS + 1)))
    if len(edges) < 2:
        edges = np.array([values.min(), values.min() + 1.0])
    counts, _ = np.histogram(values, bins=edges)
    return {
        "count": len(values),
        "mean": float(values.mean()),
        "std": float(values.std()),
        "min": float(values.min()),
        "max": float(values.max()),
        "quantiles": {
            str(q): float(v) for q, v in zip(QUANTILES, np.quantile(values, QUANTILES), strict=True)
        },
        "bin_edges": [float(e) for e in edges],
        "bin_fractions": [round(float(c) / len(values), 6) for c in counts],
    }


def _null_fraction(values: pd.Series) -> float:
    return round(float(values.isna().mean()), 6) if len(values) else 0.0
