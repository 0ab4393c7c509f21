"""Split raw rows into accepted and quarantined, naming the failing check(s) of every row."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pandera.pandas as pa

from data_ingestion import contract
from data_quality.schema import build_schema, coerce

FAILED_CHECKS = "_failed_checks"


@dataclass
class Validation:
    accepted: pd.DataFrame  # contract columns, typed (text as categories), every check passed
    quarantined: pd.DataFrame  # the raw rows as they came, plus FAILED_CHECKS
    failures: pd.DataFrame  # one row per (row, column, check) that failed

    @property
    def rows_in(self) -> int:
        return len(self.accepted) + len(self.quarantined)


def validate(
    raw: pd.DataFrame, config: Mapping[str, Any], now: pd.Timestamp | None = None
) -> Validation:
    """Every raw row ends up in exactly one of `accepted` and `quarantined`."""
    raw = raw.reset_index(drop=True)
    typed, failures = coerce(raw, config)
    schema_failures = schema_failures_of(typed, config, now)
    failures = pd.concat([failures, schema_failures], ignore_index=True)

    reasons = (
        (failures["column"] + ":" + failures["check"])
        .groupby(failures["row"].to_numpy())
        .agg(lambda s: "; ".join(sorted(set(s))))
    )
    bad = raw.index.isin(reasons.index)
    quarantined = raw.loc[bad].copy()
    quarantined[FAILED_CHECKS] = reasons.reindex(quarantined.index).to_numpy()
    accepted = typed.loc[~bad].reset_index(drop=True)
    return Validation(accepted, quarantined.reset_index(drop=True), failures)


def schema_failures_of(
    typed: pd.DataFrame, config: Mapping[str, Any], now: pd.Timestamp | None = None
) -> pd.DataFrame:
    """The pandera failures as (row, column, check); empty when every row passes."""
    try:
        build_schema(config, now).validate(typed, lazy=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
        frame_level = cases["index"].isna()
        if frame_level.any():  # a check about the whole frame, e.g. a wrong dtype
            raise contract.DataContractError(
                "the data fails checks that no single row explains: "
                + "; ".join(
                    cases.loc[frame_level, ["column", "check"]].astype(str).agg(":".join, 1)
                )
            ) from err
        return pd.DataFrame(
            {
                "row": cases["index"].astype("int64").to_numpy(),
                "column": cases["column"].astype(str).to_numpy(),
                "check": cases["check"].astype(str).to_numpy(),
            }
        )
    return pd.DataFrame({"row": pd.Series(dtype="int64"), "column": "", "check": ""}).iloc[:0]


def storage_dtypes(df: pd.DataFrame) -> pd.DataFrame:
    """The accepted rows as stored and handed to models: categories become plain text and
    nullable integer columns without nulls become int64."""
    out = df.copy()
    for column in out.columns:
        dtype = out[column].dtype
        if isinstance(dtype, pd.CategoricalDtype):
            out[column] = out[column].astype(object).where(out[column].notna(), None)
        elif isinstance(dtype, pd.Int64Dtype) and not out[column].isna().any():
            out[column] = out[column].astype("int64")
    return out
