"""Write a pandas frame into a PostgreSQL table with COPY (the sample, the tests' fixtures).

Column types follow the frame: integers `bigint`, floats `double precision`, booleans
`boolean`, datetimes `timestamp` (`timestamptz` when time-zone aware), anything else `text`
(a column mixing numbers and text, as the sample's injected faults do, is stored as text and
quarantined by validation, exactly as from a CSV file).
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import psycopg
from psycopg import sql

from data_ingestion.pandas_frames import parquet_safe


def column_type(values: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(values):
        return "boolean"
    if pd.api.types.is_integer_dtype(values):
        return "bigint"
    if pd.api.types.is_float_dtype(values):
        return "double precision"
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return "timestamptz"
    if pd.api.types.is_datetime64_any_dtype(values):
        return "timestamp"
    return "text"


def table_name(name: str) -> sql.Identifier:
    return sql.Identifier(*name.split("."))


def create_table(conn: psycopg.Connection[Any], name: str, df: pd.DataFrame) -> None:
    """Drop and create `name` with one column per column of `df`."""
    df = parquet_safe(df)
    columns = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(str(c)), sql.SQL(column_type(df[c])))
        for c in df.columns
    )
    conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(table_name(name)))
    conn.execute(sql.SQL("CREATE TABLE {} ({})").format(table_name(name), columns))


def append_rows(conn: psycopg.Connection[Any], name: str, df: pd.DataFrame) -> int:
    """COPY the rows of `df` into the existing table `name`; returns the row count."""
    df = parquet_safe(df)
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        table_name(name), sql.SQL(", ").join(sql.Identifier(str(c)) for c in df.columns)
    )
    columns = [[_plain(v) for v in df[c].tolist()] for c in df.columns]
    with conn.cursor() as cur, cur.copy(statement) as copy:
        for row in zip(*columns, strict=True):
            copy.write_row(row)
    return len(df)


def write_table(conn: psycopg.Connection[Any], name: str, df: pd.DataFrame) -> int:
    """Replace table `name` with the rows of `df`."""
    create_table(conn, name, df)
    return append_rows(conn, name, df)


def _plain(value: Any) -> Any:
    """Python values COPY understands; missing values (None, NaN, NaT) become NULL."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value
