"""The frame operations of the data steps, on pandas (see `data_ingestion.engine`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from data_ingestion import contract

Frame = pd.DataFrame
# What a source file that exists but is not valid CSV/Parquet raises while being read.
READ_ERRORS: tuple[type[Exception], ...] = (
    ValueError,
    pd.errors.ParserError,
    pd.errors.EmptyDataError,
)


def read_file(path: str, fmt: str) -> pd.DataFrame:
    if fmt == "parquet":
        return pd.read_parquet(path)
    # Numbers exactly as written (pandas' default parser may differ in the last digit) and the
    # contract's missing-value markers: polars reads the same file into the same values.
    return pd.read_csv(
        path,
        float_precision="round_trip",
        keep_default_na=False,
        na_values=list(contract.NULL_MARKERS),
    )


def from_pandas(df: pd.DataFrame) -> pd.DataFrame:
    return df


def from_arrow(table: Any) -> pd.DataFrame:
    """A pyarrow Table (e.g. a chunk read from a database) as a frame of this engine."""
    return table.to_pandas()


def to_pandas(df: pd.DataFrame) -> pd.DataFrame:
    return df


def concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def read_parquet(paths: list[Path], columns: list[str] | None = None) -> pd.DataFrame:
    return concat([pd.read_parquet(path, columns=columns) for path in paths])


def write_parquet(df: pd.DataFrame, path: Path) -> None:
    parquet_safe(df).to_parquet(path, index=False)


def dtypes(df: pd.DataFrame) -> list[list[str]]:
    return [[str(c), str(t)] for c, t in df.dtypes.items()]


def insert_column(df: pd.DataFrame, name: str, values: np.ndarray) -> pd.DataFrame:
    """`df` with column `name` first."""
    out = df.copy()
    out.insert(0, name, values)
    return out


def row_hashes(df: pd.DataFrame) -> bytes:
    return pd.util.hash_pandas_object(df, index=False, categorize=True).to_numpy().tobytes()


def timestamps(df: pd.DataFrame, config: Mapping[str, Any]) -> pd.Series | None:
    """The timestamp column parsed by the contract's rule (unreadable values become NaT); None
    when the contract has no timestamp column."""
    column = contract.timestamp_column(config)
    return None if column is None else contract.parse_timestamps(df[column], config)


def newer_than(ts: pd.Series, watermark: datetime, keep_unparsed: bool) -> np.ndarray:
    """Rows after `watermark` (and, when `keep_unparsed`, rows without a timestamp)."""
    keep = ts > pd.Timestamp(watermark)
    if keep_unparsed:
        keep |= ts.isna()
    return keep.to_numpy()


def timestamp_bounds(ts: pd.Series | None) -> tuple[datetime | None, datetime | None]:
    if ts is None:
        return None, None
    valid = ts.dropna()
    if not len(valid):
        return None, None
    return valid.min().to_pydatetime(), valid.max().to_pydatetime()


def filter_rows(df: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
    return df.loc[keep].reset_index(drop=True)


def take(df: pd.DataFrame, positions: np.ndarray) -> pd.DataFrame:
    return df.iloc[positions].reset_index(drop=True)


def column(df: pd.DataFrame, name: str) -> np.ndarray:
    return df[name].to_numpy()


def text_column(df: pd.DataFrame, name: str) -> np.ndarray:
    return df[name].astype(str).to_numpy()


def parquet_safe(df: pd.DataFrame) -> pd.DataFrame:
    """Columns mixing types (e.g. numbers and text from a bad source) are stored as text.

    Parquet needs one type per column; the raw layer keeps the values, validation judges them.
    """
    mixed = [
        c
        for c in df.columns
        if df[c].dtype == object
        and pd.api.types.infer_dtype(df[c], skipna=True) not in ("string", "empty")
    ]
    if not mixed:
        return df
    out = df.copy()
    for c in mixed:
        out[c] = as_text(out[c])
    return out


def as_text(values: pd.Series) -> pd.Series:
    """Every value as text; missing values stay missing (None)."""
    return values.astype(str).astype(object).where(values.notna().to_numpy(), None)
