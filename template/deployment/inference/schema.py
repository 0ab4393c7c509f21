"""The model's input schema, generated once from `configs/data.yaml`.

One `InputSchema` gives the API its request model (types, ranges, allowed values, unknown fields
rejected) and the batch job its frame validation, so both accept exactly the same rows. Rows are
turned into column arrays in the model's input order; nothing here is rebuilt per request.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, create_model

from data_ingestion import contract

# Timestamps outside these years are rejected: they cannot describe a real event and some
# would overflow when converted to UTC.
YEAR_RANGE = (1900, 2200)
MAX_TEXT = 256
# Column roles of the contract's features (the others are keys).
FEATURE_ROLES = ("numeric", "categorical", "timestamp")


@dataclass(frozen=True)
class Column:
    """One input column: its role in the contract and the values it may take."""

    name: str
    role: str  # id | entity | timestamp | numeric | categorical
    nullable: bool
    minimum: float | None = None
    maximum: float | None = None
    allowed: tuple[Any, ...] = ()


def _naive_utc(value: datetime) -> datetime:
    if not YEAR_RANGE[0] <= value.year <= YEAR_RANGE[1]:
        raise ValueError(f"year must be between {YEAR_RANGE[0]} and {YEAR_RANGE[1]}")
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


Timestamp = Annotated[datetime, AfterValidator(_naive_utc)]
Key = Annotated[int, Field(strict=True)] | Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]


class InputSchema:
    """Columns, request models and validation derived from the data contract."""

    def __init__(self, data_config: Mapping[str, Any], store_fills: bool = False) -> None:
        self.problem_type = str(data_config.get("problem_type", ""))
        self.id_column = contract.id_column(data_config)
        self.entity_column = contract.entity_column(data_config)
        self.timestamp_column = contract.timestamp_column(data_config)
        self.target = contract.target_column(data_config)
        self.timestamp_format = data_config.get("timestamp_format")
        # The FastAPI service of a feature-store project fills the features a request leaves out
        # from the entity's online features (deployment/api/store_features.py): it passes
        # store_fills=True, and every feature may be omitted. Other readers take complete rows.
        self.store_fills = store_fills
        columns = [
            Column(
                name,
                spec["type"],
                nullable=bool(spec.get("nullable", False)),
                minimum=_number(spec.get("min")),
                maximum=_number(spec.get("max")),
                allowed=tuple(spec.get("allowed") or ()),
            )
            for name, spec in contract.features(data_config).items()
        ]
        # The configured keys come first; a key also listed as a feature is taken as the feature.
        # A key the model does not take (the id, the timestamp; the entity without aggregates)
        # is accepted and logged, but may be left out.
        inputs = set(contract.input_columns(data_config))
        keys = []
        if self.id_column:
            keys.append(Column(self.id_column, "id", nullable=True))
        if self.entity_column:
            # The feature store's lookup key: required when the API reads online features.
            optional = self.entity_column not in inputs and not self.store_fills
            keys.append(Column(self.entity_column, "entity", optional))
        if self.timestamp_column:
            keys.append(Column(self.timestamp_column, "timestamp", nullable=True))
        listed = {c.name for c in columns}
        keys = [k for k in keys if k.name not in listed]
        self.optional_keys = frozenset(k.name for k in keys if k.name not in inputs)
        columns = keys + columns
        self.columns: tuple[Column, ...] = tuple(columns)
        self.names: tuple[str, ...] = tuple(c.name for c in columns)
        self._fields = tuple(f"f{i}" for i in range(len(columns)))

    # -- the API's request models ------------------------------------------------------------

    @cached_property
    def row_model(self) -> type[BaseModel]:
        """One row: every feature by its contract name; nullable features may be omitted."""
        fields: dict[str, Any] = {}
        for field_name, column in zip(self._fields, self.columns, strict=True):
            fields[field_name] = _field(column)
            if self.store_fills and column.role in FEATURE_ROLES and not column.nullable:
                kind, info = fields[field_name]
                fields[field_name] = (kind | None, Field(default=None, alias=column.name))
        return create_model(
            "PredictionInput",
            __config__=ConfigDict(extra="forbid"),
            **fields,
        )

    def batch_model(self, max_rows: int) -> type[BaseModel]:
        rows = Annotated[list[self.row_model], Field(min_length=1, max_length=max_rows)]  # type: ignore[name-defined]
        return create_model(
            "BatchPredictionInput", __config__=ConfigDict(extra="forbid"), rows=(rows, ...)
        )

    def row_values(self, row: BaseModel) -> dict[str, Any]:
        """A validated row as {column: value}, the timestamp filled in when it was omitted."""
        values = {name: getattr(row, f) for f, name in zip(self._fields, self.names, strict=True)}
        if self.timestamp_column and values.get(self.timestamp_column) is None:
            values[self.timestamp_column] = datetime.now(UTC).replace(tzinfo=None)
        return values

    def provided(self, row: BaseModel) -> set[str]:
        """The columns a request row set itself (explicit nulls included)."""
        sent = row.model_fields_set
        return {name for f, name in zip(self._fields, self.names, strict=True) if f in sent}

    def missing_required(self, values: Mapping[str, Any]) -> list[str]:
        """Non-nullable features without a value."""
        return [
            c.name
            for c in self.columns
            if c.role in FEATURE_ROLES and not c.nullable and values.get(c.name) is None
        ]

    def columns_from_rows(self, rows: Sequence[Mapping[str, Any]]) -> dict[str, np.ndarray]:
        """Validated row values -> one numpy array per input column, in input order."""
        out: dict[str, np.ndarray] = {}
        for column in self.columns:
            values = [row[column.name] for row in rows]
            out[column.name] = _array(column, values)
        return out

    # -- the batch job's frame validation ----------------------------------------------------

    def validate_frame(self, df: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(accepted rows, rejected rows with a `reason`) under the same rules as the API."""
        absent = [c.name for c in self.columns if c.name not in df.columns]
        missing = [name for name in absent if name not in self.optional_keys]
        if missing:
            raise contract.DataContractError(
                f"input lacks column(s) {', '.join(missing)} required by configs/data.yaml"
            )
        df = df.reset_index(drop=True).assign(**dict.fromkeys(absent))
        reasons = pd.Series("", index=df.index, dtype=object)
        clean: dict[str, Any] = {}
        for column in self.columns:
            values, problem = self._check(column, df[column.name])
            clean[column.name] = values
            reasons = reasons.where(~(problem & (reasons == "")), f"{column.name}: invalid")
        frame = pd.DataFrame(clean, index=df.index)
        bad = reasons != ""
        rejected = df.loc[bad].assign(reason=reasons[bad])
        return frame.loc[~bad].reset_index(drop=True), rejected.reset_index(drop=True)

    def columns_from_frame(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        """An accepted frame (see `validate_frame`) as column arrays in input order."""
        out: dict[str, np.ndarray] = {}
        for column in self.columns:
            series = frame[column.name]
            if column.role == "numeric":
                out[column.name] = series.to_numpy(dtype="float64", na_value=np.nan)
            elif column.role == "timestamp":
                out[column.name] = series.to_numpy(dtype="datetime64[ns]")
            elif column.role == "entity":
                out[column.name] = series.astype(str).to_numpy(dtype=object)
            else:
                out[column.name] = series.astype(object).where(series.notna(), None).to_numpy()
        return out

    def _check(self, column: Column, series: pd.Series) -> tuple[pd.Series, pd.Series]:
        missing = series.isna()
        if column.role == "timestamp":
            parsed = pd.Series(
                contract.parse_timestamps(series, {"timestamp_format": self.timestamp_format}),
                index=series.index,
            )
            years = parsed.dt.year
            bad = (parsed.isna() & ~missing) | ~(years.between(*YEAR_RANGE) | parsed.isna())
            return parsed, bad
        if column.role in ("id", "entity"):
            bad = missing if not column.nullable else pd.Series(False, index=series.index)
            text = series.astype(str).str.len() > MAX_TEXT
            return series, bad | (text & ~missing)
        if column.role == "numeric":
            numbers = pd.to_numeric(series, errors="coerce").astype("float64")
            bad = (numbers.isna() & ~missing) | ~np.isfinite(numbers.fillna(0.0))
            if column.minimum is not None:
                bad |= numbers < column.minimum
            if column.maximum is not None:
                bad |= numbers > column.maximum
            if not column.nullable:
                bad |= numbers.isna()
            return numbers, bad
        allowed = series.isin(list(column.allowed))
        bad = ~allowed & ~missing
        if not column.nullable:
            bad |= missing
        return series.astype(object).where(~missing, None), bad

    # -- examples ----------------------------------------------------------------------------

    def examples(self, n: int, seed: int = 0, nulls: bool = False) -> list[dict[str, Any]]:
        """`n` valid request rows (JSON-ready) drawn within the contract's ranges."""
        rng = np.random.default_rng(seed)
        rows = []
        for i in range(n):
            row: dict[str, Any] = {}
            for column in self.columns:
                if column.role == "id":
                    row[column.name] = i + 1
                elif column.role == "entity":
                    row[column.name] = f"E{int(rng.integers(0, 50)):06d}"
                elif column.role == "timestamp":
                    seconds = int(rng.integers(0, 730 * 24 * 3600))
                    stamp = datetime(2024, 1, 1) + pd.Timedelta(seconds=seconds).to_pytimedelta()
                    row[column.name] = stamp.isoformat()
                elif nulls and column.nullable and rng.random() < 0.2:
                    row[column.name] = None
                elif column.role == "numeric":
                    low = column.minimum if column.minimum is not None else 0.0
                    high = column.maximum if column.maximum is not None else low + 100.0
                    row[column.name] = round(float(rng.uniform(low, high)), 3)
                else:
                    row[column.name] = column.allowed[int(rng.integers(0, len(column.allowed)))]
            rows.append(row)
        return rows


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _field(column: Column) -> tuple[Any, Any]:
    """(type, FieldInfo) for `create_model`: the column's name is the JSON key (alias)."""
    if column.role == "id":
        return (Key | None, Field(default=None, alias=column.name))
    if column.role == "entity":
        if column.nullable:  # not a model input: it may be left out
            return (Key | None, Field(default=None, alias=column.name))
        return (Key, Field(alias=column.name))
    if column.role == "timestamp":
        return (Timestamp | None, Field(default=None, alias=column.name))
    if column.role == "numeric":
        number = Annotated[
            float, Field(strict=True, ge=column.minimum, le=column.maximum, allow_inf_nan=False)
        ]
        kind: Any = number | None if column.nullable else number
    else:
        kind = Literal[column.allowed] if column.allowed else str  # type: ignore[valid-type]
        kind = kind | None if column.nullable else kind
    if column.nullable:
        return (kind, Field(default=None, alias=column.name))
    return (kind, Field(alias=column.name))


def _array(column: Column, values: list[Any]) -> np.ndarray:
    if column.role == "numeric":
        return np.array([math.nan if v is None else v for v in values], dtype="float64")
    if column.role == "timestamp":
        return np.array(values, dtype="datetime64[ns]")
    if column.role == "entity":
        return np.array([str(v) for v in values], dtype=object)
    return np.array(values, dtype=object)
