"""Completeness, the data profile, and the reference statistics drift detection compares with.

The figures are computed here, once, from what the engine hands over (null counts, a numeric
column's values as a numpy array, value counts), so pandas and polars data give equal reports.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import numpy as np

from data_ingestion import contract, engine
from data_quality.schema import value_specs

QUANTILES = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)
HISTOGRAM_BINS = 10


def completeness(df: Any, columns: list[str]) -> dict[str, float]:
    """Share of non-null values per column (1.0 for an empty frame: nothing is missing)."""
    if not len(df):
        return {c: 1.0 for c in columns}
    nulls = engine.checks(engine.name_of(df)).null_counts(df, columns)
    return {c: round((len(df) - nulls[c]) / len(df), 6) for c in columns}


def profile(df: Any, config: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """Row counts, completeness, freshness and a summary per column of accepted data."""
    checks = engine.checks(engine.name_of(df))
    timestamp = contract.timestamp_column(config)
    # Without a timestamp column there is nothing to tell freshness by: the figures stay None.
    oldest, newest = checks.timestamp_bounds(df, timestamp) if timestamp else (None, None)
    columns = _per_column(
        df, config, _moments, lambda spec, counts: {"top": dict(list(counts.items())[:10])}
    )
    entity = contract.entity_column(config)
    return {
        "rows": len(df),
        "completeness": completeness(df, list(df.columns)),
        "freshness": {
            "oldest": oldest.isoformat() if oldest else None,
            "newest": newest.isoformat() if newest else None,
            "age_hours": round((now - newest).total_seconds() / 3600, 2) if newest else None,
        },
        "unique_ids": checks.n_unique(df, contract.row_id_column(config)),
        "unique_entities": checks.n_unique(df, entity) if entity else None,
        "columns": columns,
    }


def reference_stats(df: Any, config: Mapping[str, Any]) -> dict[str, Any]:
    """Per feature (and target): a histogram to compare live data with, nulls and moments."""
    stats = _per_column(df, config, _numeric_reference, _category_frequencies)
    return {"rows": len(df), "target": contract.target_column(config), "columns": stats}


def _per_column(
    df: Any,
    config: Mapping[str, Any],
    numeric: Callable[[np.ndarray], dict[str, Any]],
    categorical: Callable[[Mapping[str, Any], dict[Any, int]], dict[str, Any]],
) -> dict[str, Any]:
    """Per feature (and target): its type and null fraction, plus what `numeric` makes of its
    values or `categorical` of its value counts."""
    checks = engine.checks(engine.name_of(df))
    # Timestamp features are summarised by the profile's freshness, not by a histogram.
    specs = {n: s for n, s in value_specs(config).items() if s.get("type") != "timestamp"}
    nulls = _null_fractions(df, list(specs))
    out: dict[str, Any] = {}
    for name, spec in specs.items():
        entry: dict[str, Any] = {"type": spec["type"], "null_fraction": nulls[name]}
        if spec["type"] == "numeric":
            entry.update(numeric(checks.numeric_values(df, name)))
        else:
            entry.update(categorical(spec, checks.value_counts(df, name)))
        out[name] = entry
    return out


def _category_frequencies(spec: Mapping[str, Any], counts: dict[Any, int]) -> dict[str, Any]:
    categories = [str(a) for a in spec.get("allowed") or counts]
    total = max(sum(counts.values()), 1)
    return {
        "categories": categories,
        "frequencies": [round(counts.get(c, 0) / total, 6) for c in categories],
    }


def _null_fractions(df: Any, columns: list[str]) -> dict[str, float]:
    if not len(df):
        return {c: 0.0 for c in columns}
    nulls = engine.checks(engine.name_of(df)).null_counts(df, columns)
    return {c: round(nulls[c] / len(df), 6) for c in columns}


def _moments(values: np.ndarray) -> dict[str, float]:
    """Mean, sample std, min, max and sample skewness (as pandas computes them)."""
    n = len(values)
    if not n:
        return {}
    mean = float(values.mean())
    centred = values - mean
    m2 = float((centred**2).sum())
    skew = 0.0
    if n > 2 and m2 > 0:
        skew = float(n * (n - 1) ** 0.5 / (n - 2) * (centred**3).sum() / m2**1.5)
    return {
        "mean": mean,
        "std": float(np.sqrt(m2 / (n - 1))) if n > 1 else 0.0,
        "min": float(values.min()),
        "max": float(values.max()),
        "skew": skew,
    }


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
