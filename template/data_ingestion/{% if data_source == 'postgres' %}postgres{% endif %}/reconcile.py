"""The data_pipeline gate's check of a PostgreSQL source: a query against the server.

The raw layer must hold exactly the source's rows up to the watermark: `count(*)` of the rows
with a timestamp at or before the watermark (or none, which only the first load takes) must
equal the rows of the raw loads. A deleted source row, a row inserted late with an old
timestamp, or a lost raw load makes them differ.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from psycopg import sql

from data_ingestion.layers import Layers
from data_ingestion.postgres import connection, reader
from data_ingestion.raw_layer import load_manifest


def counts(config: dict[str, Any], root: Path, data_dir: Path) -> dict[str, Any]:
    """Rows in the source up to the watermark vs rows in the raw layer, and the server's name."""
    source = dict(config["source"])
    dsn = connection.conninfo(source, root)
    manifest = load_manifest(Layers(data_dir)) or {"loads": [], "watermark": None}
    raw_rows = sum(load["rows"] for load in manifest["loads"])
    rel, label = reader.relation(source)
    ts = config.get("timestamp_column") or None
    query: sql.Composable = sql.SQL("SELECT count(*) FROM {}").format(rel)
    params: tuple[Any, ...] = ()
    if ts and manifest["watermark"]:
        query = sql.SQL("SELECT count(*) FROM {} WHERE {} <= %s OR {} IS NULL").format(
            rel, sql.Identifier(ts), sql.Identifier(ts)
        )
        params = (datetime.fromisoformat(manifest["watermark"]),)
    with connection.connect(dsn, connect_timeout=5) as conn:
        row = conn.execute(query, params).fetchone()
    return {
        "server": connection.describe(dsn),
        "relation": label,
        "source_rows": int(row[0]) if row else 0,
        "raw_rows": raw_rows,
        "watermark": manifest["watermark"],
    }
