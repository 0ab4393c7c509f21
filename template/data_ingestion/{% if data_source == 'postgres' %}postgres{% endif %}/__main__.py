"""`python -m data_ingestion.postgres start|stop|status|load-sample|up|destroy` (make db-*).

- start: create (first time) and start the local server in `.local/pg`;
- load-sample: write the generated sample (`source.rows`, `seed`, `faults`) into `source.table`
  on the configured server (DATABASE_URL, PG* or the local one), replacing that table;
- up: start, and load the sample when `source.table` does not exist yet (`make pipeline`);
- stop / destroy: stop the server / also delete its data and password.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import psycopg
import yaml

from data_ingestion.postgres import connection, local_server, tables


def _config(root: Path) -> dict[str, Any]:
    with (root / "configs/data.yaml").open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _table(config: dict[str, Any]) -> str:
    table = (config.get("source") or {}).get("table")
    if not table:
        raise SystemExit(
            "configs/data.yaml: source.table is not set, so there is no table to load the sample "
            "into (with source.query, load your data yourself)"
        )
    return str(table)


def table_exists(dsn: str, table: str) -> bool:
    with connection.connect(dsn) as conn:
        row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (table,)).fetchone()
        return bool(row and row[0])


def load_sample(root: Path) -> dict[str, Any]:
    from data_ingestion.sources import generate_sample

    config = _config(root)
    table = _table(config)
    dsn = connection.conninfo(config["source"], root)
    frame = generate_sample(config)
    with connection.connect(dsn) as conn:
        rows = tables.write_table(conn, table, frame)
        conn.commit()
    return {"table": table, "rows": rows, "server": connection.describe(dsn)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m data_ingestion.postgres")
    parser.add_argument(
        "command", choices=("start", "stop", "status", "load-sample", "up", "destroy")
    )
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the project folder")
    parser.add_argument("--port", type=int, default=None, help="port of a new local server")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    try:
        if args.command in ("start", "up"):
            local_server.start(root, args.port)
        if args.command == "up":
            config = _config(root)
            dsn = connection.conninfo(config["source"], root)
            if not table_exists(dsn, _table(config)):
                print(json.dumps(load_sample(root)))
        elif args.command == "load-sample":
            print(json.dumps(load_sample(root)))
        elif args.command == "stop":
            print("stopped" if local_server.stop(root) else "no local server was running")
            return 0
        elif args.command == "destroy":
            local_server.destroy(root)
            return 0
        print(json.dumps(local_server.info(root)))
    except (local_server.LocalServerError, connection.SourceConnectionError, psycopg.Error) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
