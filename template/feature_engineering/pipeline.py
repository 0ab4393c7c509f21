"""The feature pipeline: validated columns in, one numeric matrix out.

Built from `configs/data.yaml` only, fitted on the training split and saved *with* the model,
so training and serving run the same code:

- numeric: median imputation (plus a missing-indicator where training data had nulls),
  `log1p` for features marked `log: true`, standard scaling;
- categorical: ordinal codes for `ordered: true` (order of `allowed`), one-hot otherwise
  (a missing value is its own category; an unseen one encodes as all zeros);
- timestamp (features of `type: timestamp`): month, day of week, hour, weekend, day of year;
- entity (`entity_column`): row count and means of `aggregate: true` features, per entity
  (only when some feature is marked `aggregate: true`).

The id and timestamp columns are keys, not features: they reach the model only when listed
under `features` (see `contract.input_columns`). Date parts of a load or event time that follows
the files' row order would otherwise let the model learn the order of the rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, OrdinalEncoder, StandardScaler

from data_ingestion import contract
from feature_engineering.transformers import DateParts, EntityAggregates


def build_feature_pipeline(data_config: Mapping[str, Any]) -> Pipeline:
    """An unfitted pipeline; fit it on `split_xy(train)[0]` (the model's input columns)."""
    specs = contract.features(data_config)
    numeric = [n for n, s in specs.items() if s["type"] == "numeric" and not s.get("log")]
    logged = [n for n, s in specs.items() if s["type"] == "numeric" and s.get("log")]
    ordered = [n for n, s in specs.items() if s["type"] == "categorical" and s.get("ordered")]
    nominal = [n for n, s in specs.items() if s["type"] == "categorical" and not s.get("ordered")]
    aggregated = contract.aggregated_features(data_config)
    dated = contract.timestamp_features(data_config)
    entity = contract.entity_column(data_config)

    parts: list[tuple[str, Any, list[str]]] = []
    if numeric:
        parts.append(("num", _numeric(), numeric))
    if logged:
        parts.append(("log", _numeric(log=True), logged))
    if ordered:
        categories = [list(specs[n]["allowed"]) for n in ordered]
        parts.append(("ord", _ordinal(categories), ordered))
    if nominal:
        encoder = OneHotEncoder(handle_unknown="ignore", sparse_output=False, dtype=np.float64)
        parts.append(("cat", encoder, nominal))
    for name in dated:  # one DateParts per column: it takes exactly one
        parts.append(
            (
                f"date_{name}",
                Pipeline([("parts", DateParts()), ("scale", StandardScaler())]),
                [name],
            )
        )
    if entity and aggregated:
        aggregates = Pipeline([("aggregate", EntityAggregates()), ("scale", StandardScaler())])
        parts.append(("entity", aggregates, [entity, *aggregated]))
    columns = ColumnTransformer(parts, remainder="drop", verbose_feature_names_out=True)
    return Pipeline([("features", columns)])


def split_xy(df: pd.DataFrame, data_config: Mapping[str, Any]) -> tuple[pd.DataFrame, pd.Series]:
    """The model inputs (the features, and the entity key for per-entity aggregates) and the
    target of a split."""
    return df[contract.input_columns(data_config)], df[contract.target_column(data_config)]


def _numeric(log: bool = False) -> Pipeline:
    steps: list[tuple[str, Any]] = [
        ("impute", SimpleImputer(strategy="median", add_indicator=True))
    ]
    if log:
        steps.append(("log1p", FunctionTransformer(_signed_log1p, feature_names_out="one-to-one")))
    steps.append(("scale", StandardScaler()))
    return Pipeline(steps)


def _ordinal(categories: list[list[Any]]) -> Pipeline:
    encoder = OrdinalEncoder(
        categories=categories,
        handle_unknown="use_encoded_value",
        unknown_value=-1,
        encoded_missing_value=-1,
    )
    return Pipeline([("encode", encoder), ("scale", StandardScaler())])


def _signed_log1p(x: Any) -> Any:
    """log1p that keeps the sign, so an occasional negative value cannot produce NaN."""
    return np.sign(x) * np.log1p(np.abs(x))
