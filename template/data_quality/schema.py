"""The pandera schema derived from `configs/data.yaml`, and the type coercion before it.

Raw data may hold text where numbers belong (CSV, a broken upstream). `coerce` turns each
contract column into its declared type and reports every value that could not be converted
as a `type` failure; the schema then checks ranges, allowed categories, nullability, unique ids
and timestamps that are not in the future.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa

from data_ingestion import contract
from data_ingestion.layers import as_text

FUTURE_TOLERANCE = pd.Timedelta(days=1)


def coerce(raw: pd.DataFrame, config: Mapping[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Contract columns in their declared types, and the failures: (row, column, check)."""
    contract.require_columns(raw.columns, config, "the raw data")
    typed = pd.DataFrame(index=raw.index)
    failures = []
    specs = {
        **contract.features(config),
        contract.target_column(config): contract.target_spec(config),
    }
    ts_col = contract.timestamp_column(config)
    for column in contract.contract_columns(config):
        values = raw[column]
        if column == ts_col:
            converted = contract.parse_timestamps(values, config)
            converted.index = raw.index
            check = "type(timestamp)"
        elif column in specs:
            converted, check = _coerce_value(values, specs[column])
        else:  # id and entity columns: kept as they are, non-null and unique where required
            entity = column == contract.entity_column(config) and values.dtype == object
            typed[column] = values.astype("category") if entity else values
            continue
        bad = values.notna().to_numpy() & converted.isna().to_numpy()
        if bad.any():
            failures.append(pd.DataFrame({"row": raw.index[bad], "column": column, "check": check}))
        typed[column] = converted
    empty = pd.DataFrame({"row": pd.Series(dtype="int64"), "column": "", "check": ""})
    return typed, pd.concat(failures, ignore_index=True) if failures else empty.iloc[:0]


def _coerce_value(values: pd.Series, spec: Mapping[str, Any]) -> tuple[pd.Series, str]:
    if spec.get("type") == "numeric":
        return pd.to_numeric(values, errors="coerce").astype("float64"), "type(numeric)"
    allowed = list(spec.get("allowed") or [])
    if allowed and all(isinstance(a, int) and not isinstance(a, bool) for a in allowed):
        number = pd.to_numeric(values, errors="coerce")
        whole = number.where(number == np.floor(number))
        return whole.astype("Int64"), "type(integer)"
    if pd.api.types.infer_dtype(values, skipna=True) not in ("string", "empty"):
        values = as_text(values)
    # Categories keep text compact and make the null and membership checks fast at 1M+ rows.
    return values.astype("category"), "type(text)"


def build_schema(config: Mapping[str, Any], now: pd.Timestamp | None = None) -> pa.DataFrameSchema:
    """Checks for the coerced frame: one pandera Column per contract column."""
    now = now or pd.Timestamp.now(tz="UTC").tz_convert(None)
    latest = now + FUTURE_TOLERANCE
    id_col = contract.id_column(config)
    columns: dict[str, pa.Column] = {
        id_col: pa.Column(
            nullable=False, unique=True, report_duplicates="exclude_first", coerce=False
        ),
        contract.timestamp_column(config): pa.Column(
            "datetime64[ns]",
            pa.Check(lambda ts: ts <= latest, name="not_in_future", error="not_in_future"),
            nullable=False,
        ),
    }
    entity = contract.entity_column(config)
    if entity:
        columns[entity] = pa.Column(nullable=False)
    for name, spec in contract.features(config).items():
        columns[name] = _column(spec)
    columns[contract.target_column(config)] = _column(contract.target_spec(config))
    return pa.DataFrameSchema(columns, strict=False, name="data_contract")


def _column(spec: Mapping[str, Any]) -> pa.Column:
    nullable = bool(spec.get("nullable", False))
    checks = []
    if spec.get("type") == "numeric":
        if spec.get("min") is not None:
            checks.append(pa.Check.greater_than_or_equal_to(spec["min"]))
        if spec.get("max") is not None:
            checks.append(pa.Check.less_than_or_equal_to(spec["max"]))
        return pa.Column("float64", checks, nullable=nullable)
    allowed = list(spec.get("allowed") or [])
    if allowed:
        checks.append(pa.Check.isin(allowed))
    return pa.Column(checks=checks, nullable=nullable)
