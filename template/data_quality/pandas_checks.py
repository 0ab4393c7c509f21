"""The frame operations of validation and profiling, on pandas (see `data_ingestion.engine`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas

from data_ingestion import contract, pandas_frames
from data_quality.schema import Conversion
from data_quality.validate import FAILED_CHECKS, REASONS

PANDERA = pandera.pandas
DTYPES = {"numeric": "float64", "timestamp": "datetime64[ns]"}


def positional(raw: pd.DataFrame) -> pd.DataFrame:
    """Rows numbered 0..n-1: failures name rows by position."""
    return raw.reset_index(drop=True)


def coerce(
    raw: pd.DataFrame, plan: list[Conversion], config: Mapping[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Contract columns in their declared types, and the values that could not be converted."""
    typed = pd.DataFrame(index=raw.index)
    failures = []
    for conversion in plan:
        values = raw[conversion.column]
        converted = _convert(values, conversion.kind, config)
        if conversion.check:
            bad = values.notna().to_numpy() & converted.isna().to_numpy()
            if bad.any():
                failures.append(_failures(raw.index[bad], conversion.column, conversion.check))
        typed[conversion.column] = converted
    return typed, concat_failures(failures)


def _convert(values: pd.Series, kind: str, config: Mapping[str, Any]) -> pd.Series:
    if kind == "timestamp":
        converted = contract.parse_timestamps(values, config)
        converted.index = values.index
        return converted
    if kind == "numeric":
        return pd.to_numeric(values, errors="coerce").astype("float64")
    if kind == "integer":
        number = pd.to_numeric(values, errors="coerce")
        return number.where(number == np.floor(number)).astype("Int64")
    if kind == "text":
        if pd.api.types.infer_dtype(values, skipna=True) not in ("string", "empty"):
            values = pandas_frames.as_text(values)
        # Categories keep text compact and make the null and membership checks fast at 1M+ rows.
        return values.astype("category")
    if kind == "entity" and values.dtype == object:
        return values.astype("category")
    return values


def _failures(rows: Any, column: str, check: str) -> pd.DataFrame:
    return pd.DataFrame({"row": np.asarray(rows, dtype="int64"), "column": column, "check": check})


def no_failures() -> pd.DataFrame:
    return _failures([], "", "").iloc[:0]


def concat_failures(parts: list[pd.DataFrame]) -> pd.DataFrame:
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else no_failures()


def failure_rows(
    cases: pd.DataFrame, typed: pd.DataFrame, config: Mapping[str, Any]
) -> tuple[list[str], pd.DataFrame]:
    """pandera's failure cases as (frame-level problems, row failures)."""
    frame_level = cases["index"].isna()
    problems = [
        f"{column}:{check}" for column, check in cases.loc[frame_level, ["column", "check"]].values
    ]
    rows = cases.loc[~frame_level]
    failures = pd.DataFrame(
        {
            "row": rows["index"].astype("int64").to_numpy(),
            "column": rows["column"].astype(str).to_numpy(),
            "check": rows["check"].astype(str).to_numpy(),
        }
    )
    return problems, failures


def quarantine(
    raw: pd.DataFrame,
    typed: pd.DataFrame,
    rows: np.ndarray,
    failed_checks: list[str],
    reasons: list[str],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(accepted typed rows, the raw rows at `rows` with their failed checks and reasons)."""
    bad = np.zeros(len(raw), dtype=bool)
    bad[rows] = True
    quarantined = raw.loc[bad].copy()
    quarantined[FAILED_CHECKS] = np.asarray(failed_checks, dtype=object)
    quarantined[REASONS] = np.asarray(reasons, dtype=object)
    accepted = typed.loc[~bad].reset_index(drop=True)
    return accepted, quarantined.reset_index(drop=True)


def storage_dtypes(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for column in out.columns:
        dtype = out[column].dtype
        if isinstance(dtype, pd.CategoricalDtype):
            out[column] = out[column].astype(object).where(out[column].notna(), None)
        elif isinstance(dtype, pd.Int64Dtype) and not out[column].isna().any():
            out[column] = out[column].astype("int64")
    return out


def failures_by_check(failures: pd.DataFrame) -> dict[str, int]:
    counts = (failures["column"] + ":" + failures["check"]).value_counts()
    return {str(k): int(v) for k, v in counts.items()}


def null_counts(df: pd.DataFrame, columns: list[str]) -> dict[str, int]:
    return {str(k): int(v) for k, v in df[columns].isna().sum().items()}


def numeric_values(df: pd.DataFrame, column: str) -> np.ndarray:
    """The non-null values of a numeric column as float64."""
    return df[column].dropna().to_numpy(dtype="float64")


def value_counts(df: pd.DataFrame, column: str) -> dict[str, int]:
    """Non-null values (as text) and their counts, most frequent first."""
    counts = df[column].value_counts()
    return {str(k): int(v) for k, v in counts[counts > 0].items()}


def n_unique(df: pd.DataFrame, column: str) -> int:
    return int(df[column].nunique())


def timestamp_bounds(df: pd.DataFrame, column: str) -> tuple[datetime | None, datetime | None]:
    return pandas_frames.timestamp_bounds(df[column])
