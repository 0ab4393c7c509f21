"""The data contract read from `configs/data.yaml`: which columns exist and what they hold.

Every data step reads the contract through these helpers, so a user's own dataset is described
in that one file and nowhere else.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

import pandas as pd


class SettingsLike(Protocol):
    """What the data steps need from `Settings`: the data config and the project folders."""

    root: Path

    @property
    def data(self) -> dict[str, Any]: ...

    @property
    def data_dir(self) -> Path: ...

    @property
    def reports_dir(self) -> Path: ...


# Text read as a missing value from CSV, by every engine (pandas' defaults: R's NA, Excel's #N/A,
# empty fields, ...), so pandas and polars read a file into the same values.
NULL_MARKERS = (
    "",
    "#N/A",
    "#N/A N/A",
    "#NA",
    "-1.#IND",
    "-1.#QNAN",
    "-NaN",
    "-nan",
    "1.#IND",
    "1.#QNAN",
    "<NA>",
    "N/A",
    "NA",
    "NULL",
    "NaN",
    "None",
    "n/a",
    "nan",
    "null",
)
# The row id ingest derives (a content hash of the row) when `id_column` is not set.
ROW_ID = "row_id"


FEATURE_TYPES = ("numeric", "categorical", "timestamp")


class DataContractError(ValueError):
    """The data does not match `configs/data.yaml` (e.g. a required column is missing)."""


def features(config: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Feature name -> spec ({type: numeric|categorical|timestamp, min/max or allowed, ...}).

    `type: timestamp` turns a date or time column into calendar parts (month, day of week, hour,
    weekend, day of year): the one way the timestamp column's parts reach a model.
    """
    specs = config.get("features") or {}
    if not isinstance(specs, Mapping) or not specs:
        raise DataContractError("configs/data.yaml: `features` must map column names to specs")
    out: dict[str, dict[str, Any]] = {}
    for name, spec in specs.items():
        spec = dict(spec or {})
        if spec.get("type") not in FEATURE_TYPES:
            raise DataContractError(
                f"configs/data.yaml: feature {name!r} has type {spec.get('type')!r}; "
                f"set `type:` to one of {', '.join(FEATURE_TYPES)}"
            )
        if spec["type"] == "categorical" and not spec.get("allowed"):
            raise DataContractError(
                f"configs/data.yaml: categorical feature {name!r} needs an `allowed` list"
            )
        out[str(name)] = spec
    return out


def numeric_features(config: Mapping[str, Any]) -> list[str]:
    return [n for n, s in features(config).items() if s["type"] == "numeric"]


def categorical_features(config: Mapping[str, Any]) -> list[str]:
    return [n for n, s in features(config).items() if s["type"] == "categorical"]


def timestamp_features(config: Mapping[str, Any]) -> list[str]:
    return [n for n, s in features(config).items() if s["type"] == "timestamp"]


def _column(config: Mapping[str, Any], key: str, required: bool = True) -> str | None:
    value = config.get(key)
    if value in (None, ""):
        if required:
            raise DataContractError(f"configs/data.yaml: `{key}` (a column name) is required")
        return None
    return str(value)


def target_column(config: Mapping[str, Any]) -> str:
    return str(_column(config, "target"))


def id_column(config: Mapping[str, Any]) -> str | None:
    """The configured row id (unique per row); optional: without one, ingest derives ROW_ID."""
    return _column(config, "id_column", required=False)


def row_id_column(config: Mapping[str, Any]) -> str:
    """The column naming each row in the data layers: `id_column`, or the derived ROW_ID."""
    return id_column(config) or ROW_ID


def timestamp_column(config: Mapping[str, Any]) -> str | None:
    """When each row happened; optional: without one there is no watermark and no time split."""
    return _column(config, "timestamp_column", required=False)


def entity_column(config: Mapping[str, Any]) -> str | None:
    """The entity whose rows share history (e.g. a customer); optional."""
    return _column(config, "entity_column", required=False)


def target_spec(config: Mapping[str, Any]) -> dict[str, Any]:
    spec = dict(config.get("target_spec") or {"type": "numeric"})
    spec.setdefault("nullable", False)
    return spec


def key_columns(config: Mapping[str, Any]) -> list[str]:
    """The configured keys (id, entity, timestamp) and the derived row id, in that order."""
    keys = [row_id_column(config), entity_column(config), timestamp_column(config)]
    return [c for c in dict.fromkeys(keys) if c]


def aggregated_features(config: Mapping[str, Any]) -> list[str]:
    """Numeric features marked `aggregate: true` (per-entity means; need `entity_column`)."""
    return [n for n, s in features(config).items() if s["type"] == "numeric" and s.get("aggregate")]


def input_columns(config: Mapping[str, Any]) -> list[str]:
    """Columns a model receives: the features, and the entity key when features are aggregated
    per entity (never the target).

    The id and the timestamp are keys, not inputs: a model that saw them would learn the row
    order of the training files (leakage). A key feeds the model only when it is listed under
    `features` itself.
    """
    names = list(features(config))
    entity = entity_column(config)
    if entity and aggregated_features(config) and entity not in names:
        names.insert(0, entity)
    return names


def contract_columns(config: Mapping[str, Any]) -> list[str]:
    """Every column the validated data holds: the keys, the features and the target."""
    names = [*key_columns(config), *features(config), target_column(config)]
    return list(dict.fromkeys(names))


def source_columns(config: Mapping[str, Any]) -> list[str]:
    """The contract columns a source must provide (the derived row id is added at ingest)."""
    derived = None if id_column(config) else ROW_ID
    return [c for c in contract_columns(config) if c != derived]


def require_columns(
    columns: list[str] | Any, config: Mapping[str, Any], where: str, path: str | None = None
) -> None:
    """Raise a clear error naming the columns of the contract that `where` lacks, the file and
    the fix (rename the column in the data, or the name in configs/data.yaml)."""
    present = set(map(str, columns))
    missing = [c for c in source_columns(config) if c not in present]
    if missing:
        keys = {
            "target": target_column(config),
            "id_column": id_column(config),
            "timestamp_column": timestamp_column(config),
            "entity_column": entity_column(config),
        }
        roles = {v: k for k, v in keys.items() if v}
        named = ", ".join(
            f"{c!r} ({'`' + roles[c] + '`' if c in roles else 'under `features`'})" for c in missing
        )
        optional = [k for k in ("id_column", "timestamp_column", "entity_column") if keys[k]]
        fix = "rename the column in the data or in configs/data.yaml" + (
            f"; {', '.join(optional)} may also be removed (they are optional)" if optional else ""
        )
        raise DataContractError(
            f"{where}{f' ({path})' if path else ''} lacks column(s) {named} named in "
            f"configs/data.yaml (found: {', '.join(sorted(present)) or 'no columns'}): {fix}"
        )


def parse_timestamps(values: Any, config: Mapping[str, Any]) -> Any:
    """The timestamp column as naive UTC datetimes; unparseable values become NaT.

    Text is read as ISO 8601 unless `timestamp_format` (a strftime pattern) says otherwise.
    """
    series = pd.Series(values)
    if pd.api.types.is_datetime64_any_dtype(series):
        parsed = pd.to_datetime(series, utc=True)
    else:
        fmt = config.get("timestamp_format") or "ISO8601"
        parsed = pd.to_datetime(series, errors="coerce", utc=True, format=fmt)
    return parsed.dt.tz_convert(None).astype("datetime64[ns]")
