"""`python -m deployment.api.loadtest`: a fixed-rate (open-loop) load test of the prediction API.

Requests are sent on a fixed schedule (rate x duration) whatever the server's speed, and each
latency is measured from the moment its request was *due*, so a slow server cannot hide its
queueing (no coordinated omission). Without --url the API is started here (WORKERS workers,
the champion model) and stopped afterwards. Prints p50/p95/p99 and errors; writes JSON.

    python -m deployment.api.loadtest --rate 1000 --duration 30 --workers 2
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np

from deployment.inference.schema import InputSchema
from deployment.project import Settings


def payloads(settings: Settings, n: int = 256) -> list[bytes]:
    rows = InputSchema(settings.data).examples(n, seed=1, nulls=True)
    return [json.dumps(row).encode() for row in rows]


async def run_load(url: str, bodies: list[bytes], rate: float, duration: float) -> dict[str, Any]:
    total = int(rate * duration)
    latencies = np.full(total, np.nan)
    statuses: dict[str, int] = {}
    connector = aiohttp.TCPConnector(limit=512, force_close=False)
    timeout = aiohttp.ClientTimeout(total=10)
    headers = {"content-type": "application/json"}
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def fire(i: int, due: float) -> None:
            try:
                async with session.post(url, data=bodies[i % len(bodies)], headers=headers) as r:
                    await r.read()
                    key = str(r.status)
            except (aiohttp.ClientError, TimeoutError) as exc:
                key = type(exc).__name__
            latencies[i] = loop.time() - due
            statuses[key] = statuses.get(key, 0) + 1

        loop = asyncio.get_running_loop()
        tasks = set()
        start = loop.time() + 0.05
        for i in range(total):
            due = start + i / rate
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            task = loop.create_task(fire(i, due))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        sent_in = loop.time() - start
        await asyncio.gather(*tasks)
        took = loop.time() - start
    ok = statuses.get("200", 0)
    ms = latencies * 1000
    return {
        "url": url,
        "target_rate": rate,
        "duration_s": duration,
        "requests": total,
        "achieved_send_rate": round(total / sent_in, 1) if sent_in > 0 else None,
        "throughput": round(ok / took, 1),
        "ok": ok,
        "errors": total - ok,
        "statuses": statuses,
        "latency_ms": {
            "p50": round(float(np.nanpercentile(ms, 50)), 2),
            "p95": round(float(np.nanpercentile(ms, 95)), 2),
            "p99": round(float(np.nanpercentile(ms, 99)), 2),
            "max": round(float(np.nanmax(ms)), 2),
        },
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(base: str, process: subprocess.Popen[bytes], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the API exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/ready", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError as exc:
            last = str(exc)
        time.sleep(0.5)
    raise TimeoutError(f"the API was not ready after {timeout:.0f}s ({last})")


@contextmanager
def serve(
    workers: int, env: dict[str, str] | None = None, ready_timeout: float = 120.0
) -> Iterator[str]:
    """Start `python -m deployment.api` on a free port; yields its base URL; stops it (SIGTERM)."""
    port = free_port()
    command = [sys.executable, "-m", "deployment.api", "--workers", str(workers)]
    child_env = {**os.environ, "PORT": str(port), "ACCESS_LOG": "false", **(env or {})}
    log = Path(os.environ.get("LOADTEST_SERVER_LOG", os.devnull))
    with log.open("ab") as sink:
        process = subprocess.Popen(command, env=child_env, stdout=sink, stderr=sink)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_ready(base, process, ready_timeout)
            yield base
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deployment.api.loadtest", description=__doc__)
    parser.add_argument("--url", help="base URL of a running API (default: start one here)")
    parser.add_argument("--rate", type=float, default=1000.0, help="requests per second")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WORKERS", "2")))
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of load not counted")
    parser.add_argument("--out", type=Path, default=Path("reports/loadtest.json"))
    parser.add_argument("--max-p99-ms", type=float, help="exit 1 when p99 is above this")
    parser.add_argument("--max-errors", type=int, help="exit 1 when errors are above this")
    args = parser.parse_args(argv)
    if args.rate <= 0 or args.duration <= 0:
        parser.error("--rate and --duration must be positive")
    bodies = payloads(Settings())
    with contextlib.suppress(ImportError):  # uvloop is not available on Windows
        import uvloop

        uvloop.install()

    def measure(base: str) -> dict[str, Any]:
        url = f"{base}/predict"
        if args.warmup > 0:
            asyncio.run(run_load(url, bodies, args.rate, args.warmup))
        return asyncio.run(run_load(url, bodies, args.rate, args.duration))

    if args.url:
        result = measure(args.url.rstrip("/"))
    else:
        with serve(args.workers) as base:
            result = measure(base)
        result["workers"] = args.workers
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    lat = result["latency_ms"]
    print(
        f"{result['requests']} requests at {args.rate:g}/s for {args.duration:g}s: "
        f"p50 {lat['p50']} ms, p95 {lat['p95']} ms, p99 {lat['p99']} ms, max {lat['max']} ms, "
        f"errors {result['errors']} ({result['statuses']}); written to {args.out}"
    )
    failed = (args.max_p99_ms is not None and lat["p99"] > args.max_p99_ms) or (
        args.max_errors is not None and result["errors"] > args.max_errors
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
