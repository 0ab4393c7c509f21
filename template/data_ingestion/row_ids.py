"""Row ids for data without an `id_column`: a hash of each row's content, equal on every engine.

The id of a row is the hash of its values in every source column (taken in name order, so the
order of columns in a file does not matter). A row repeated in the source gets a distinct id per
occurrence (the hash of the content and the occurrence number), so repeats are kept as the
observations they are. Same rows in the same order give the same ids on every run, with pandas
or polars: values are first put in one canonical form (numbers as float64, timestamps as UTC
nanoseconds, everything else as text) and hashed by one function.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from data_ingestion import contract, engine


def with_row_ids(frame: Any, config: Mapping[str, Any], where: str) -> Any:
    """`frame` (pandas or polars) with the derived row id as its first column, when the contract
    names no `id_column`; otherwise `frame` unchanged."""
    if contract.id_column(config):
        return frame
    if contract.ROW_ID in map(str, frame.columns):
        raise contract.DataContractError(
            f"{where} has a column {contract.ROW_ID!r}, the name of the row id derived when "
            f"configs/data.yaml sets no id_column: set `id_column: {contract.ROW_ID}` to use "
            "it as the id, or rename the column"
        )
    frames = engine.frames(engine.name_of(frame))
    return frames.insert_column(frame, contract.ROW_ID, row_ids(frames.to_pandas(frame)))


def row_ids(df: pd.DataFrame) -> np.ndarray:
    """One 16-hex-digit id per row of `df` (object array), from its content and occurrence."""
    if not len(df):
        return np.asarray([], dtype=object)
    canonical = pd.DataFrame(
        {str(c): _canonical(df[c]) for c in sorted(df.columns, key=str)}, index=None
    )
    hashes = pd.util.hash_pandas_object(canonical, index=False, categorize=True).to_numpy()
    occurrence = pd.Series(hashes).groupby(hashes, sort=False).cumcount().to_numpy()
    repeat = occurrence > 0
    if repeat.any():
        pairs = pd.DataFrame({"hash": hashes[repeat], "occurrence": occurrence[repeat]})
        hashes = hashes.copy()
        hashes[repeat] = pd.util.hash_pandas_object(pairs, index=False).to_numpy()
    return _hex(hashes)


HEX_DIGITS = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def _hex(hashes: np.ndarray) -> np.ndarray:
    """uint64 values as 16 lowercase hex digits (object array of str), without a Python loop."""
    octets = hashes.astype(">u8").view(np.uint8).reshape(-1, 8)
    digits = np.empty((len(hashes), 16), dtype=np.uint8)
    digits[:, 0::2] = HEX_DIGITS[octets >> 4]
    digits[:, 1::2] = HEX_DIGITS[octets & 15]
    return digits.view("S16").ravel().astype("U16").astype(object)


def _canonical(values: pd.Series) -> np.ndarray:
    """The column in the one form both engines' frames reduce to."""
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype) and not values.isna().any():
        return values.to_numpy(dtype="float64")
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        return pd.to_numeric(values).to_numpy(dtype="float64", na_value=np.nan)
    inferred = pd.api.types.infer_dtype(values, skipna=True)
    # Dates read from Parquet: datetime64 from polars, `datetime.date` objects from pandas.
    if pd.api.types.is_datetime64_any_dtype(dtype) or inferred in ("date", "datetime"):
        stamps = pd.to_datetime(values, utc=True).dt.tz_convert(None).astype("datetime64[ns]")
        return stamps.to_numpy().view("int64")
    missing = values.isna().to_numpy()
    if inferred in ("string", "empty"):  # text already: no conversion of a million strings
        text = values.to_numpy(dtype=object, copy=True)
    else:
        text = values.astype(str).to_numpy(dtype=object)
    text[missing] = None
    return text
