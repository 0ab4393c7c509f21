"""The checks derived from `configs/data.yaml`, written once for every engine.

Raw data may hold text where numbers belong (CSV, a broken upstream). `conversions` says how
each contract column is turned into its declared type, and which `type(...)` check a value
that cannot be converted fails; the pandera schema then checks ranges, allowed categories,
nullability, unique ids and timestamps that are not in the future. The same `pandera.Check`
objects run on pandas (`pandera.pandas`) and on polars (`pandera.polars`): only the column
types and the schema classes come from the engine (`data_quality.<engine>_checks`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from data_ingestion import contract, engine

FUTURE_TOLERANCE = timedelta(days=1)
# How a contract column is converted, and the check its unconvertible values fail.
KINDS = {
    "timestamp": "type(timestamp)",  # the timestamp column, or a feature of type timestamp
    "numeric": "type(numeric)",
    "integer": "type(integer)",  # categories that are all integers, e.g. a 0/1 target
    "text": "type(text)",
    "entity": None,  # the entity key: kept as it is (text stored compactly)
    "key": None,  # the row id: kept as it is, checked for nulls and duplicates
}


@dataclass(frozen=True)
class Conversion:
    column: str
    kind: str

    @property
    def check(self) -> str | None:
        return KINDS[self.kind]


def conversions(config: Mapping[str, Any]) -> list[Conversion]:
    """One conversion per contract column, in contract order."""
    specs = value_specs(config)
    timestamp = contract.timestamp_column(config)
    out = []
    for column in contract.contract_columns(config):
        if column == timestamp:
            kind = "timestamp"
        elif column in specs:
            kind = _value_kind(specs[column])
        elif column == contract.entity_column(config):
            kind = "entity"
        else:
            kind = "key"
        out.append(Conversion(column, kind))
    return out


def value_specs(config: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Features and the target: the columns whose values the contract describes."""
    return {
        **contract.features(config),
        contract.target_column(config): contract.target_spec(config),
    }


def _value_kind(spec: Mapping[str, Any]) -> str:
    if spec.get("type") in ("numeric", "timestamp"):
        return str(spec["type"])
    allowed = list(spec.get("allowed") or [])
    if allowed and all(isinstance(a, int) and not isinstance(a, bool) for a in allowed):
        return "integer"
    return "text"


def build_schema(
    config: Mapping[str, Any], now: datetime | None = None, engine_name: str = "pandas"
) -> Any:
    """Checks for the coerced frame: one pandera Column per contract column."""
    checks = engine.checks(engine_name)
    pa, dtypes = checks.PANDERA, checks.DTYPES
    latest = _naive(now or datetime.now(UTC)) + FUTURE_TOLERANCE
    not_in_future = pa.Check.less_than_or_equal_to(
        latest, name="not_in_future", error="not_in_future"
    )
    columns = {name: _column(pa, dtypes, spec) for name, spec in value_specs(config).items()}
    # The keys' own rules win over a feature spec of the same column (a key listed as a feature).
    columns[contract.row_id_column(config)] = pa.Column(
        nullable=False, unique=True, report_duplicates="exclude_first", coerce=False
    )
    timestamp = contract.timestamp_column(config)
    if timestamp:
        columns[timestamp] = pa.Column(dtypes["timestamp"], not_in_future, nullable=False)
    entity = contract.entity_column(config)
    if entity and entity not in contract.features(config):
        columns[entity] = pa.Column(nullable=False)
    return pa.DataFrameSchema(columns, strict=False, name="data_contract")


def _column(pa: Any, dtypes: Mapping[str, Any], spec: Mapping[str, Any]) -> Any:
    nullable = bool(spec.get("nullable", False))
    checks = []
    if spec.get("type") == "numeric":
        if spec.get("min") is not None:
            checks.append(pa.Check.greater_than_or_equal_to(spec["min"]))
        if spec.get("max") is not None:
            checks.append(pa.Check.less_than_or_equal_to(spec["max"]))
        return pa.Column(dtypes["numeric"], checks, nullable=nullable)
    if spec.get("type") == "timestamp":
        return pa.Column(dtypes["timestamp"], nullable=nullable)
    allowed = list(spec.get("allowed") or [])
    if allowed:
        checks.append(pa.Check.isin(allowed))
    return pa.Column(checks=checks, nullable=nullable)


def _naive(moment: datetime) -> datetime:
    """A naive UTC datetime (the timestamps are compared as naive UTC)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.to_pydatetime() if hasattr(moment, "to_pydatetime") else moment
