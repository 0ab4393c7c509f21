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


class DataContractError(ValueError):
    """The data does not match `configs/data.yaml` (e.g. a required column is missing)."""


def features(config: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Feature name -> spec ({type: numeric|categorical, min/max or allowed, nullable, ...})."""
    specs = config.get("features") or {}
    if not isinstance(specs, Mapping) or not specs:
        raise DataContractError("configs/data.yaml: `features` must map column names to specs")
    out: dict[str, dict[str, Any]] = {}
    for name, spec in specs.items():
        spec = dict(spec or {})
        if spec.get("type") not in ("numeric", "categorical"):
            raise DataContractError(
                f"configs/data.yaml: feature {name!r} needs type numeric or categorical"
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


def _column(config: Mapping[str, Any], key: str, required: bool = True) -> str | None:
    value = config.get(key)
    if value in (None, ""):
        if required:
            raise DataContractError(f"configs/data.yaml: `{key}` (a column name) is required")
        return None
    return str(value)


def target_column(config: Mapping[str, Any]) -> str:
    return str(_column(config, "target"))


def id_column(config: Mapping[str, Any]) -> str:
    return str(_column(config, "id_column"))


def timestamp_column(config: Mapping[str, Any]) -> str:
    return str(_column(config, "timestamp_column"))


def entity_column(config: Mapping[str, Any]) -> str | None:
    """The entity whose rows share history (e.g. a customer); optional."""
    return _column(config, "entity_column", required=False)


def target_spec(config: Mapping[str, Any]) -> dict[str, Any]:
    spec = dict(config.get("target_spec") or {"type": "numeric"})
    spec.setdefault("nullable", False)
    return spec


def input_columns(config: Mapping[str, Any]) -> list[str]:
    """Columns a model receives: id, entity, timestamp and features (never the target)."""
    cols = [id_column(config), entity_column(config), timestamp_column(config)]
    return [c for c in cols if c] + list(features(config))


def contract_columns(config: Mapping[str, Any]) -> list[str]:
    """Every column the data must have: the model inputs and the target."""
    return [*input_columns(config), target_column(config)]


def require_columns(columns: list[str] | Any, config: Mapping[str, Any], where: str) -> None:
    """Raise a clear error naming the columns of the contract that `where` lacks."""
    present = set(map(str, columns))
    missing = [c for c in contract_columns(config) if c not in present]
    if missing:
        raise DataContractError(
            f"{where} lacks column(s) {', '.join(missing)} required by configs/data.yaml "
            f"(found: {', '.join(sorted(present)) or 'no columns'})"
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
