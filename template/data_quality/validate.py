"""Split raw rows into accepted and quarantined, naming the failing check(s) of every row.

The steps are the same for every engine: coerce each contract column (a value that cannot be
converted fails its `type(...)` check), run the schema, then quarantine every row with at least
one failure, its reasons (`column:check`, sorted, joined by REASON_SEPARATOR) in FAILED_CHECKS.
The frame operations come from `data_quality.<engine>_checks`, chosen by the frame's type.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandera.errors

from data_ingestion import contract, engine
from data_quality.schema import build_schema, conversions

FAILED_CHECKS = "_failed_checks"
REASON_SEPARATOR = "; "
# Columns of the failures frame: one row per (row position, column, check) that failed.
FAILURE_COLUMNS = ("row", "column", "check")


@dataclass
class Validation:
    accepted: Any  # contract columns, typed, every check passed (a frame of the raw's engine)
    quarantined: Any  # the raw rows as they came, plus FAILED_CHECKS
    failures: Any  # one row per (row, column, check) that failed

    @property
    def rows_in(self) -> int:
        return len(self.accepted) + len(self.quarantined)


def validate(raw: Any, config: Mapping[str, Any], now: datetime | None = None) -> Validation:
    """Every raw row (pandas or polars) ends up in exactly one of `accepted` and `quarantined`."""
    checks = engine.checks(engine.name_of(raw))
    contract.require_columns(raw.columns, config, "the raw data")
    raw = checks.positional(raw)
    typed, type_failures = checks.coerce(raw, conversions(config), config)
    failures = checks.concat_failures([type_failures, schema_failures_of(typed, config, now)])
    accepted, quarantined = checks.quarantine(raw, typed, failures)
    return Validation(accepted, quarantined, failures)


def schema_failures_of(typed: Any, config: Mapping[str, Any], now: datetime | None = None) -> Any:
    """The pandera failures as (row, column, check); empty when every row passes."""
    name = engine.name_of(typed)
    checks = engine.checks(name)
    try:
        build_schema(config, now, name).validate(typed, lazy=True)
    except pandera.errors.SchemaErrors as err:
        frame_level, failures = checks.failure_rows(err.failure_cases, typed, config)
        if frame_level:  # a check about the whole frame, e.g. a wrong dtype
            raise contract.DataContractError(
                "the data fails checks that no single row explains: " + "; ".join(frame_level)
            ) from err
        return failures
    return checks.no_failures()


def storage_dtypes(df: Any) -> Any:
    """The accepted rows as stored and handed to models: text as plain strings, integer columns
    without nulls as int64 (the same columns and types from every engine)."""
    return engine.checks(engine.name_of(df)).storage_dtypes(df)


def failures_by_check(failures: Any) -> dict[str, int]:
    """How many rows failed each `column:check`."""
    return engine.checks(engine.name_of(failures)).failures_by_check(failures)
