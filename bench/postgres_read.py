"""Read N rows newer than a watermark from PostgreSQL into Arrow: psycopg 3 vs ADBC vs ConnectorX.

    uv run --with 'psycopg[binary]' --with adbc-driver-postgresql --with connectorx \
        --with numpy --with pyarrow python bench/postgres_read.py [--rows N] [--chunk-rows N]

Starts a throw-away server from the machine's binaries (initdb, pg_ctl; as the `postgres` user
when run as root), loads a 5-column table of N rows, and reads `SELECT * FROM events WHERE
event_time > <watermark>` with each reader in a fresh process. Printed per reader: rows, Arrow
batches, wall time and the process's peak RSS. The readers:

- psycopg-cursor: server-side cursor, watermark a bound parameter, `chunk_rows` per fetch
  (what data_source=postgres projects use);
- adbc-bound: ADBC, watermark a bound parameter;
- adbc-literal / connectorx-literal: the watermark written into the SQL text (the only way these
  stream or run at all), shown for speed only: projects never format values into SQL.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WATERMARK = dt.datetime(2024, 1, 1)
READERS = ("psycopg-cursor", "adbc-bound", "adbc-literal", "connectorx-literal")


def _pg(args: list[str]) -> None:
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    subprocess.run(args, check=True, capture_output=True)


def start_server(folder: Path) -> tuple[str, Path]:
    data = folder / "data"
    data.mkdir(parents=True)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        shutil.chown(data, "postgres")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    _pg(["initdb", "-D", str(data), "-U", "bench", "-A", "trust", "--no-sync"])
    options = f"-p {port} -k {data} -c listen_addresses=127.0.0.1"
    _pg(["pg_ctl", "-D", str(data), "-o", options, "-l", str(data / "log"), "-w", "start"])
    return f"postgresql://bench@127.0.0.1:{port}/postgres", data


def load(dsn: str, rows: int) -> float:
    import adbc_driver_postgresql.dbapi as adbc
    import numpy as np
    import pyarrow as pa

    rng = np.random.default_rng(0)
    start = np.datetime64("2024-01-01T00:00:00")
    table = pa.table(
        {
            "event_id": np.arange(rows),
            "customer_id": rng.integers(0, 50_000, rows),
            "event_time": start + np.arange(rows).astype("timedelta64[s]"),
            "amount": rng.random(rows),
            "plan": rng.choice(["basic", "standard", "premium"], rows),
        }
    )
    t = time.perf_counter()
    with adbc.connect(dsn) as conn, conn.cursor() as cur:
        cur.adbc_ingest("events", table, mode="replace")
        conn.commit()
    return time.perf_counter() - t


def read(reader: str, dsn: str, chunk_rows: int) -> tuple[int, int]:
    """Rows and batches read; runs in its own process (see main)."""
    import pyarrow as pa

    query = "SELECT * FROM events WHERE event_time > {}"
    literal = query.format(f"'{WATERMARK.isoformat(sep=' ')}'")
    rows = batches = 0
    if reader == "psycopg-cursor":
        import psycopg

        with psycopg.connect(dsn) as conn, conn.cursor(name="bench") as cur:
            cur.execute(query.format("%s"), (WATERMARK,))
            while chunk := cur.fetchmany(chunk_rows):
                names = [d.name for d in cur.description or []]
                columns = [list(c) for c in zip(*chunk, strict=True)]
                table = pa.table(dict(zip(names, map(pa.array, columns), strict=True)))
                rows, batches = rows + table.num_rows, batches + 1
    elif reader.startswith("adbc"):
        import adbc_driver_postgresql.dbapi as adbc

        with adbc.connect(dsn) as conn, conn.cursor() as cur:
            if reader == "adbc-bound":
                cur.execute(query.format("$1"), (WATERMARK,))
            else:
                cur.execute(literal)
            for batch in cur.fetch_record_batch():
                rows, batches = rows + batch.num_rows, batches + 1
    else:
        import connectorx as cx

        table = cx.read_sql(dsn, literal, return_type="arrow")
        rows, batches = table.num_rows, len(table.to_batches())
    return rows, batches


def peak_rss_mb() -> int:
    """This process's peak resident set. Not ru_maxrss: Linux carries it over an exec from the
    forked parent, which holds the loaded table; VmHWM starts afresh with the new program."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--chunk-rows", type=int, default=50_000)
    parser.add_argument("--reader", choices=READERS, help=argparse.SUPPRESS)
    parser.add_argument("--dsn", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.reader:  # a child: read, then report rows, batches and peak RSS (MB)
        t = time.perf_counter()
        rows, batches = read(args.reader, args.dsn, args.chunk_rows)
        wall = time.perf_counter() - t
        peak = peak_rss_mb()
        print(f"{rows} {batches} {wall:.2f} {peak}")
        return
    with tempfile.TemporaryDirectory(prefix="pg-bench-") as tmp:
        dsn, data = start_server(Path(tmp))
        try:
            print(f"load {args.rows} rows (adbc_ingest): {load(dsn, args.rows):.2f} s")
            print("| reader | rows | batches | wall s | peak RSS MB |\n|---|---|---|---|---|")
            for reader in READERS:
                done = subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--reader",
                        reader,
                        "--dsn",
                        dsn,
                        "--chunk-rows",
                        str(args.chunk_rows),
                    ],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                rows, batches, wall, peak = done.stdout.split()
                print(f"| {reader} | {rows} | {batches} | {wall} | {peak} |")
        finally:
            _pg(["pg_ctl", "-D", str(data), "-m", "fast", "-w", "stop"])


if __name__ == "__main__":
    main()
