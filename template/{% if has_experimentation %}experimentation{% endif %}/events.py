"""Analytics events: versioned schemas, validated when written, landed in a Parquet log.

Taxonomy (docs/experimentation-guide.md has the full table):
- `exposure`   a unit was assigned a variant and saw it (once per unit and experiment);
- `prediction` the API answered a unit: variant, model version, latency, status;
- `outcome`    a metric value of a unit (a conversion, revenue), after ("post") or before
               ("pre", the CUPED covariate) the experiment started.

Every event carries `schema_version`; a breaking change adds a new version beside the old one.
An event that fails validation is never dropped: it goes to the quarantine with the reason, and
`counts()` reconciles received = accepted + quarantined per event type.

The API does not validate on the request path: `submit` only queues the event's fields, and a
background writer (`drain`, then `flush`) validates, quarantines and lands them in batches
(experimentation/serving.py). The queue is bounded (`max_pending`): past it an event is
quarantined at once with the reason "event queue full", so it is still counted and kept.
"""

from __future__ import annotations

import json
import os
import threading
from collections import deque
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

SCHEMA_VERSION = 1
StrictFloat = Annotated[float, Field(strict=True)]
StrictInt = Annotated[int, Field(strict=True)]
StrictStr = Annotated[str, Field(strict=True, min_length=1)]


def _now() -> datetime:
    return datetime.now(UTC)


def _id() -> str:
    return os.urandom(16).hex()  # a random 128-bit id, as uuid4 but without its overhead


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal[1] = SCHEMA_VERSION
    event_id: StrictStr = Field(default_factory=_id)
    timestamp: datetime = Field(default_factory=_now)
    unit_id: StrictStr


class ExposureEvent(_Event):
    event: Literal["exposure"] = "exposure"
    experiment: StrictStr
    variant: StrictStr
    # Segment attributes (country, platform, ...) for the per-segment analysis.
    attributes: dict[str, str] = Field(default_factory=dict)


class PredictionEvent(_Event):
    event: Literal["prediction"] = "prediction"
    experiment: str | None = None
    variant: StrictStr
    model_name: StrictStr
    model_version: StrictStr
    request_id: str = ""
    latency_ms: Annotated[float, Field(strict=True, ge=0)]
    status: StrictInt
    prediction: float | None = None


class OutcomeEvent(_Event):
    event: Literal["outcome"] = "outcome"
    metric: StrictStr
    value: StrictFloat
    period: Literal["pre", "post"] = "post"


Event = Annotated[ExposureEvent | PredictionEvent | OutcomeEvent, Field(discriminator="event")]
EVENT_TYPES = ("exposure", "prediction", "outcome")
_ADAPTER: TypeAdapter[Any] = TypeAdapter(Event)


def json_schemas() -> dict[str, dict[str, Any]]:
    """The JSON Schema of each event type (for a warehouse table or a tracking plan)."""
    return {
        cls.model_fields["event"].default: cls.model_json_schema()
        for cls in (ExposureEvent, PredictionEvent, OutcomeEvent)
    }


def _reason(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'event'}: {e['msg']} (value {e.get('input')!r})"
        for e in exc.errors()
    )


class EventLog:
    """Validates events and appends them, buffered, to Parquet files under `root`:
    root/<event type>/part-*.parquet and root/quarantine/part-*.parquet (raw JSON + reason)."""

    def __init__(self, root: Path, flush_rows: int = 5000, max_pending: int = 100_000) -> None:
        self.root = Path(root)
        self.flush_rows = flush_rows
        self.max_pending = max_pending
        # Submitted, not yet validated (deque: append and popleft are atomic across threads).
        self._pending: deque[dict[str, Any]] = deque()
        self._buffers: dict[str, list[dict[str, Any]]] = {t: [] for t in EVENT_TYPES}
        self._quarantine: list[dict[str, Any]] = []
        self._received = dict.fromkeys(EVENT_TYPES, 0)
        self._accepted = dict.fromkeys(EVENT_TYPES, 0)
        self._quarantined: dict[str, int] = {}
        self._lock = threading.Lock()
        self._parts = 0

    def write(self, event: dict[str, Any] | BaseModel) -> bool:
        """Validate and buffer one event; False when it was quarantined."""
        try:
            valid = event if isinstance(event, _Event) else _ADAPTER.validate_python(event)
        except ValidationError as exc:
            kind = str(event.get("event", "unknown")) if isinstance(event, dict) else "unknown"
            self._reject(kind, event, _reason(exc))
            return False
        # dict(model): the validated field values, without model_dump's copy of every value.
        row = dict(valid)
        if "attributes" in row:
            row["attributes"] = json.dumps(row["attributes"], sort_keys=True)
        with self._lock:
            self._received[valid.event] += 1
            self._accepted[valid.event] += 1
            buffer = self._buffers[valid.event]
            buffer.append(row)
            full = len(buffer) >= self.flush_rows
        if full:
            self.flush()
        return True

    def submit(self, event: dict[str, Any]) -> None:
        """Queue an event for `drain` to validate (the request path: no validation here).
        A full queue quarantines the event at once, with the reason."""
        waiting = self.pending()
        if waiting >= self.max_pending:
            kind = str(event.get("event", "unknown"))
            reason = (
                f"event queue full: {waiting} events wait to be written "
                f"(max_pending={self.max_pending}); is the event directory {self.root} writable?"
            )
            self._reject(kind, event, reason)
            return
        self._pending.append(event)

    def pending(self) -> int:
        """Events accepted or submitted and not yet on disk (bounded by `max_pending`)."""
        return len(self._pending) + sum(len(b) for b in self._buffers.values())

    def queued(self) -> int:
        """Events submitted and not yet validated (what `drain` would take)."""
        return len(self._pending)

    def drain(self, limit: int | None = None) -> int:
        """Validate up to `limit` (default: all) submitted events into the buffers; returns how
        many were taken. Counts include an event once it is drained."""
        n = len(self._pending) if limit is None else min(limit, len(self._pending))
        for _ in range(n):
            self.write(self._pending.popleft())
        return n

    def _reject(self, kind: str, raw: Any, reason: str) -> None:
        with self._lock:
            self._received[kind] = self._received.get(kind, 0) + 1
            self._quarantined[kind] = self._quarantined.get(kind, 0) + 1
            self._quarantine.append(
                {
                    "event": kind,
                    "raw": json.dumps(raw, default=str, sort_keys=True),
                    "reason": reason,
                    "received_at": _now(),
                }
            )

    def counts(self) -> dict[str, dict[str, int]]:
        """received, accepted and quarantined per event type since this log was opened."""
        with self._lock:
            return {
                kind: {
                    "received": n,
                    "accepted": self._accepted.get(kind, 0),
                    "quarantined": self._quarantined.get(kind, 0),
                }
                for kind, n in self._received.items()
            }

    def flush(self) -> None:
        """Write what is buffered, a Parquet part per event type. A part that fails to write
        goes back to its buffer (written on the next flush) and the error is raised."""
        with self._lock:
            batches = {k: v for k, v in self._buffers.items() if v}
            self._buffers = {t: [] for t in EVENT_TYPES}
            if self._quarantine:
                batches["quarantine"], self._quarantine = self._quarantine, []
            self._parts += 1
            part = f"part-{_now():%Y%m%dT%H%M%S%f}-{os.getpid()}-{self._parts}.parquet"
        failed: dict[str, list[dict[str, Any]]] = {}
        error: OSError | None = None
        for kind, rows in batches.items():
            try:
                _write(self.root / kind / part, rows)
            except OSError as exc:
                failed[kind], error = rows, exc
        if error is not None:
            with self._lock:
                for kind, rows in failed.items():
                    if kind == "quarantine":
                        self._quarantine[:0] = rows
                    else:
                        self._buffers[kind][:0] = rows
            raise OSError(
                f"{self.root}: could not write events {sorted(failed)} ({error}); they stay "
                "buffered and are written on the next flush"
            ) from error

    def close(self) -> None:
        self.drain()
        self.flush()


def _write(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    # Built column by column: half the cost of Table.from_pylist on rows of one event type.
    columns = {name: [row[name] for row in rows] for name in rows[0]}
    # Microsecond timestamps: what Spark and most warehouses accept.
    pq.write_table(pa.Table.from_pydict(columns), tmp, coerce_timestamps="us")
    tmp.replace(path)  # readers never see half a file


def read(root: Path, kind: str) -> pd.DataFrame:
    """Every event of `kind` (an event type or "quarantine") under `root`, or an empty frame."""
    folder = Path(root) / kind
    files = sorted(folder.glob("part-*.parquet")) if folder.is_dir() else []
    if not files:
        return pd.DataFrame()
    return pd.concat([pq.read_table(f).to_pandas() for f in files], ignore_index=True)
