"""Split raw rows into accepted and quarantined, naming the failing check(s) of every row.

The steps are the same for every engine: coerce each contract column (a value that cannot be
converted fails its `type(...)` check), run the schema, then quarantine every row with at least
one failure. A quarantined row carries the rules it failed (`column:check`, sorted, joined by
REASON_SEPARATOR) in FAILED_CHECKS, and in REASONS what was wrong, in words, with the value
(`monthly_charges: 'n/a' is not a number`). The descriptions are written here, once, from
values handed over as numpy arrays, so every engine gives the same text. The frame operations
come from `data_quality.<engine>_checks`, chosen by the frame's type.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
import pandera.errors

from data_ingestion import contract, engine
from data_quality.schema import build_schema, conversions

FAILED_CHECKS = "_failed_checks"
REASONS = "_reasons"
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
    row_id = contract.row_id_column(config)
    if row_id not in map(str, raw.columns):
        raise contract.DataContractError(
            f"the raw data lacks the row id column {row_id!r}: run the `ingest` step again "
            "(`make pipeline`) after changing id_column in configs/data.yaml"
        )
    raw = checks.positional(raw)
    typed, type_failures = checks.coerce(raw, conversions(config), config)
    failures = checks.concat_failures([type_failures, schema_failures_of(typed, config, now)])
    rows, failed_checks, reasons = describe(raw, typed, failures, config)
    accepted, quarantined = checks.quarantine(raw, typed, rows, failed_checks, reasons)
    return Validation(accepted, quarantined, failures)


def describe(
    raw: Any, typed: Any, failures: Any, config: Mapping[str, Any]
) -> tuple[np.ndarray, list[str], list[str]]:
    """The failing rows (positions, ascending) with, per row, its failed rules and its reasons.

    A value that could not be converted is shown as it came (from `raw`); a value that broke a
    rule after conversion is shown converted (from `typed`).
    """
    frames = engine.frames(engine.name_of(failures))
    positions = frames.column(failures, "row").astype("int64")
    columns = frames.column(failures, "column").astype(str)
    rules = frames.column(failures, "check").astype(str)
    checks: dict[int, set[str]] = defaultdict(set)
    reasons: dict[int, dict[str, str]] = defaultdict(dict)
    # A value that could not be converted is also a null after conversion: its one reason is
    # the conversion (`'n/a' is not a number`), not the null it left behind.
    unconverted = {
        (row, column)
        for row, column, rule in zip(
            positions.tolist(), columns.tolist(), rules.tolist(), strict=True
        )
        if rule.startswith("type(")
    }
    for column, rule in sorted(set(zip(columns.tolist(), rules.tolist(), strict=True))):
        picked = (columns == column) & (rules == rule)
        at = positions[picked]
        converting = rule.startswith("type(")
        values = frames.column(raw if converting else typed, column)[at].tolist()
        label = f"{column}:{rule}"
        for row, value in zip(at.tolist(), values, strict=True):
            checks[row].add(label)
            if converting or (row, column) not in unconverted:
                reasons[row][label] = f"{column}: {reason(rule, value, config)}"
    rows = np.asarray(sorted(checks), dtype="int64")
    joined = REASON_SEPARATOR.join
    return (
        rows,
        [joined(sorted(checks[r])) for r in rows.tolist()],
        [joined(text for _, text in sorted(reasons[r].items())) for r in rows.tolist()],
    )


BOUND = re.compile(r"(greater|less)_than(_or_equal_to)?\((.*)\)$")
ALLOWED = re.compile(r"isin\((.*)\)$", re.DOTALL)
SHOWN_ALLOWED = 10


def reason(rule: str, value: Any, config: Mapping[str, Any]) -> str:
    """What was wrong with `value` under `rule`, in words (the rule's name when unknown)."""
    shown = show(value)
    if rule == "type(numeric)":
        return f"{shown} is not a number"
    if rule == "type(integer)":
        return f"{shown} is not a whole number"
    if rule == "type(timestamp)":
        fmt = config.get("timestamp_format")
        return f"{shown} is not a timestamp ({f'format {fmt!r}' if fmt else 'ISO 8601'})"
    if rule == "type(text)":
        return f"{shown} is not text"
    if rule == "not_nullable":
        return "missing value (the column is not nullable)"
    if rule == "field_uniqueness":
        return f"duplicate id {shown} (an earlier row has it)"
    if rule == "not_in_future":
        return f"{shown} is in the future"
    bound = BOUND.match(rule)
    if bound:
        side = "minimum" if bound.group(1) == "greater" else "maximum"
        return f"{shown} is {'below' if side == 'minimum' else 'above'} the {side} {bound.group(3)}"
    allowed = ALLOWED.match(rule)
    if allowed:
        return f"{shown} is not an allowed value ({_allowed(allowed.group(1))})"
    return f"{shown} fails {rule}"


def show(value: Any) -> str:
    """A value as the reasons show it, equal for the numpy scalars of every engine."""
    if value is None or value is pd.NaT or value is pd.NA:
        return "missing"
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        return "missing" if math.isnan(value) else repr(float(value))
    if isinstance(value, np.datetime64 | datetime | date):
        stamp = pd.Timestamp(value)
        return "missing" if pd.isna(stamp) else stamp.isoformat()
    return repr(str(value))


def _allowed(listed: str) -> str:
    """pandera's `isin([...])` argument, shortened to its first SHOWN_ALLOWED values."""
    values = [v.strip().strip("'\"") for v in listed.strip("[]{}() ").split(",")]
    head = ", ".join(values[:SHOWN_ALLOWED])
    return (
        "one of " + head + (f", ... ({len(values)} in all)" if len(values) > SHOWN_ALLOWED else "")
    )


def schema_failures_of(typed: Any, config: Mapping[str, Any], now: datetime | None = None) -> Any:
    """The pandera failures as (row, column, check); empty when every row passes."""
    name = engine.name_of(typed)
    checks = engine.checks(name)
    native = getattr(checks, "schema_failures", None)
    if native is not None:  # an engine pandera cannot name failing rows on (spark)
        return native(typed, build_schema(config, now, name), config)
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
