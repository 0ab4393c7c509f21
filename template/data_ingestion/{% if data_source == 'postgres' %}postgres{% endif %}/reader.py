"""Ingest from PostgreSQL: the rows newer than the watermark, streamed to one raw Parquet load.

The watermark is pushed into the query as a bound parameter (`WHERE ts > %s`) and names are
quoted with `psycopg.sql`, so no value or name is ever formatted into SQL text. Rows come from
a server-side cursor `chunk_rows` at a time and each chunk is appended to a Parquet file, so a
table larger than memory streams through with memory bounded by one chunk.

The load is written to a temporary file and moved into `data/raw/` only once every row is in;
a connection dropped midway is retried from the start with backoff, and a load that fails for
good leaves the raw layer (files and manifest) as it was.

Driver: psycopg 3, chosen by measurement (ml-scaffold's `bench/postgres_read.py` and
`docs/benchmarks.md`): of psycopg, ADBC and ConnectorX it is the only one that binds the
watermark as a parameter *and* streams. ADBC streams only through `COPY`, which takes no
parameters (with a bound parameter it returns the whole result at once: 706 MB for 3M rows
against psycopg's 155 MB); ConnectorX takes no parameters at all. psycopg is slower on a full
read (3-4x), a cost paid on the first load only.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
from psycopg import sql
from psycopg.types.numeric import FloatLoader

from data_ingestion import contract, engine, raw_layer
from data_ingestion.layers import Layers
from data_ingestion.postgres import connection
from data_ingestion.retry import with_retries

DEFAULT_CHUNK_ROWS = 50_000
# PostgreSQL type -> Arrow type of the raw layer; any other type is kept as its text.
ARROW_TYPES: dict[str, pa.DataType] = {
    "int2": pa.int64(),
    "int4": pa.int64(),
    "int8": pa.int64(),
    "float4": pa.float64(),
    "float8": pa.float64(),
    "numeric": pa.float64(),
    "bool": pa.bool_(),
    "text": pa.string(),
    "varchar": pa.string(),
    "bpchar": pa.string(),
    "name": pa.string(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us"),
    "timestamptz": pa.timestamp("us", tz="UTC"),
}


class SourceQueryError(ValueError):
    """The configured table, query or column is not what the server has."""


@dataclass
class Load:
    """One streamed read: the temporary Parquet file and what the manifest records of it."""

    path: Path | None = None
    rows: int = 0
    chunks: int = 0
    content_hash: str = ""
    oldest: datetime | None = None
    newest: datetime | None = None
    columns: list[str] = field(default_factory=list)


def relation(source: Mapping[str, Any]) -> tuple[sql.Composable, str]:
    """The table (`schema.table` allowed) or the query to read, and how errors name it."""
    table, query = source.get("table"), source.get("query")
    if bool(table) == bool(query):
        raise ValueError(
            "configs/data.yaml: a postgres source needs exactly one of source.table "
            f"(e.g. public.events) or source.query (a SELECT); got table={table!r}, "
            f"query={'set' if query else None}"
        )
    if table:
        parts = str(table).split(".")
        return sql.Identifier(*parts), f"table {table}"
    text = str(query).strip().rstrip(";")
    # The query is configuration written by the project's owner, never a value from data.
    return sql.SQL("({}) AS source").format(sql.SQL(text)), "source.query"  # type: ignore[arg-type]


def select(
    source: Mapping[str, Any], timestamp_column: str | None, watermark: str | None
) -> tuple[sql.Composed, tuple[Any, ...]]:
    """`SELECT * FROM <relation> [WHERE ts > %s]` and its parameters."""
    rel, _ = relation(source)
    if timestamp_column and watermark:
        query = sql.SQL("SELECT * FROM {} WHERE {} > %s").format(
            rel, sql.Identifier(timestamp_column)
        )
        return query, (datetime.fromisoformat(watermark),)
    return sql.SQL("SELECT * FROM {}").format(rel), ()


def ingest(
    settings: contract.SettingsLike,
    state: dict[str, Any],
    layers: Layers,
    manifest: dict[str, Any],
    start_over: bool,
    notes: list[str],
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """The `ingest` step for `source.type: postgres` (see data_ingestion.step)."""
    config = settings.data
    source = dict(config["source"])
    dsn = connection.conninfo(source, settings.root)
    server = connection.describe(dsn)
    ts_column = config.get("timestamp_column") or None
    watermark = None if start_over else manifest["watermark"]
    tmp_dir = layers.data_dir / ".ingest-tmp"
    shutil.rmtree(tmp_dir, ignore_errors=True)  # what an interrupted run left behind
    retry = source.get("retries", {}) if isinstance(source.get("retries"), dict) else {}

    def attempt() -> Load:
        return read_to_parquet(
            dsn, config, source, watermark, tmp_dir / f"{uuid.uuid4().hex}.parquet"
        )

    try:
        load = with_retries(
            attempt,
            sleep=sleep,
            what=f"reading {server}",
            transient=connection.is_transient,
            **retry,
        )
    except Exception as exc:
        if connection.is_transient(exc):
            raise connection.unreachable(dsn, exc) from None
        raise
    finally:
        _remove_if_empty(tmp_dir)

    if start_over:
        manifest = raw_layer.reset(layers, manifest["source_fingerprint"])
    entry = None
    if load.rows and load.path is not None:
        entry = raw_layer.record_load(
            layers, manifest, load.path, load.rows, load.content_hash, load.oldest, load.newest
        )
    _remove_if_empty(tmp_dir)

    state["raw_manifest"] = str(layers.raw_manifest)
    state["dataset_version"] = manifest["dataset_version"]
    if not ts_column:
        notes.append("no timestamp_column: every run reloads the whole source")
    return {
        "source": "postgres",
        "server": server,
        "relation": relation(source)[1],
        "rows_read": load.rows,
        "rows_new": load.rows,
        # The watermark filter ran in the query: older rows never left the server.
        "rows_at_or_before_watermark": None,
        "chunks": load.chunks,
        "load_id": entry["load_id"] if entry else None,
        "loads": len(manifest["loads"]),
        "watermark": manifest["watermark"],
        "dataset_version": (manifest["dataset_version"] or "")[:12] or None,
        "notes": notes,
    }


def read_to_parquet(
    dsn: str,
    config: Mapping[str, Any],
    source: Mapping[str, Any],
    watermark: str | None,
    target: Path,
) -> Load:
    """Stream the new rows into `target` (a temporary path); nothing else is touched."""
    engine_name = engine.name(config)
    frames = engine.frames(engine_name)
    chunk_rows = int(source.get("chunk_rows") or DEFAULT_CHUNK_ROWS)
    _, label = relation(source)
    ts_column = config.get("timestamp_column") or None
    server = connection.describe(dsn)
    load = Load()
    digest = hashlib.sha256()
    writer: pq.ParquetWriter | None = None
    try:
        with connection.connect(dsn) as conn:
            conn.adapters.register_loader("numeric", FloatLoader)
            load.columns = _columns(conn, source, label, server)
            contract.require_columns(load.columns, config, f"PostgreSQL {label} on {server}")
            query, params = select(source, ts_column, watermark)
            # A named cursor is a server-side cursor: rows stay on the server until fetched.
            with conn.cursor(name=f"ingest_{uuid.uuid4().hex[:8]}") as cur:
                cur.itersize = chunk_rows
                _execute(cur, query, params, label, server, ts_column)
                schema = arrow_schema(conn, cur.description or [])
                for table in _chunks(cur, schema, chunk_rows):
                    if writer is None:
                        target.parent.mkdir(parents=True, exist_ok=True)
                        writer = pq.ParquetWriter(target, schema)
                        load.path = target
                    writer.write_table(table)
                    frame = frames.from_arrow(table)
                    if load.chunks == 0:
                        digest.update(json.dumps(frames.dtypes(frame)).encode())
                    digest.update(frames.row_hashes(frame))
                    if ts_column:
                        oldest, newest = frames.timestamp_bounds(frames.timestamps(frame, config))
                        load.oldest = _min(load.oldest, oldest)
                        load.newest = _max(load.newest, newest)
                    load.rows += table.num_rows
                    load.chunks += 1
            conn.rollback()  # read only: end the transaction that held the cursor
    except BaseException:
        if writer is not None:
            writer.close()
        target.unlink(missing_ok=True)
        raise
    if writer is not None:
        writer.close()
    load.content_hash = digest.hexdigest()
    return load


def _columns(
    conn: psycopg.Connection[Any], source: Mapping[str, Any], label: str, server: str
) -> list[str]:
    rel, _ = relation(source)
    try:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("SELECT * FROM {} LIMIT 0").format(rel))
            return [column.name for column in cur.description or []]
    except psycopg.errors.UndefinedTable as exc:
        conn.rollback()
        where = "configs/data.yaml source.table" if source.get("table") else "source.query"
        raise SourceQueryError(
            f"{label} does not exist on {server}: {_first_line(exc)} (set {where} to an "
            "existing table, or load the sample with `make db-load-sample`)"
        ) from None
    except (psycopg.errors.UndefinedColumn, psycopg.errors.SyntaxError) as exc:
        conn.rollback()
        raise SourceQueryError(f"{label} on {server} fails: {_first_line(exc)}") from None


def _execute(
    cur: psycopg.Cursor[Any],
    query: sql.Composed,
    params: tuple[Any, ...],
    label: str,
    server: str,
    ts_column: str | None,
) -> None:
    try:
        cur.execute(query, params)
    except psycopg.errors.UndefinedColumn as exc:
        raise SourceQueryError(
            f"{label} on {server}: {_first_line(exc)} (timestamp_column in configs/data.yaml "
            f"is {ts_column!r})"
        ) from None
    except psycopg.errors.UndefinedFunction as exc:
        raise SourceQueryError(
            f"{label} on {server}: the watermark cannot be compared with column {ts_column!r} "
            f"({_first_line(exc)}); timestamp_column must be a timestamp, timestamptz or date "
            "column"
        ) from None
    except psycopg.errors.UndefinedTable as exc:
        raise SourceQueryError(f"{label} on {server}: {_first_line(exc)}") from None


def arrow_schema(conn: psycopg.Connection[Any], description: Any) -> pa.Schema:
    fields = []
    for column in description:
        info = conn.adapters.types.get(column.type_code)
        fields.append(
            pa.field(column.name, ARROW_TYPES.get(info.name if info else "", pa.string()))
        )
    return pa.schema(fields)


def _chunks(cur: psycopg.Cursor[Any], schema: pa.Schema, chunk_rows: int) -> Iterator[pa.Table]:
    text = [i for i, f in enumerate(schema) if f.type == pa.string()]
    while rows := cur.fetchmany(chunk_rows):
        columns = [list(values) for values in zip(*rows, strict=True)]
        for i in text:  # types without an Arrow mapping (json, uuid, ...) arrive as objects
            columns[i] = [v if v is None or isinstance(v, str) else str(v) for v in columns[i]]
        yield pa.table(
            [pa.array(values, type=f.type) for values, f in zip(columns, schema, strict=True)],
            schema=schema,
        )


def _min(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else min(a, b)


def _max(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else max(a, b)


def _remove_if_empty(tmp_dir: Path) -> None:
    if tmp_dir.is_dir() and not any(tmp_dir.iterdir()):
        shutil.rmtree(tmp_dir, ignore_errors=True)


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
