"""`python -m deployment.api.loadtest`: a fixed-rate (open-loop) load test of the prediction API,
one row per request.

Requests are sent on a fixed schedule (rate x duration) whatever the server's speed, and each
latency is measured from the moment its request was *due*, so a slow server cannot hide its
queueing (no coordinated omission). Without --url the API is started here (WORKERS workers,
the champion model) and stopped afterwards. Prints p50/p95/p99 and errors; writes JSON.

    python -m deployment.api.loadtest --rate 1000 --duration 30 --workers 2

With --kserve-v1 the target is the KServe predictor instead: `python -m
deployment.kserve_predictor` is started (one process, KServe scales with replicas) and each row
is sent to its V1 route `/v1/models/<MODEL_NAME>:predict` as {"instances": [row]}.

    python -m deployment.api.loadtest --kserve-v1 --rate 200 --duration 30
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
from urllib.parse import urlsplit

import numpy as np

from deployment.inference.schema import InputSchema
from deployment.project import Settings


def payloads(settings: Settings, n: int = 256, kserve_v1: bool = False) -> list[bytes]:
    """Request bodies of one row each: the row itself, or {"instances": [row]} (KServe V1)."""
    rows = InputSchema(settings.data).examples(n, seed=1, nulls=True)
    if kserve_v1:
        return [json.dumps({"instances": [row]}).encode() for row in rows]
    return [json.dumps(row).encode() for row in rows]


def model_name(settings: Settings) -> str:
    """The KServe predictor's model name (its MODEL_NAME, else the registry model name)."""
    return os.environ.get("MODEL_NAME") or settings.experiment["registry"]["model_name"]


class _Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection that carries one request at a time.

    The load generator shares the machine with the server, so it must cost little per request:
    requests are prebuilt bytes and a response is parsed only as far as its status line and
    Content-Length (an aiohttp client spends several times more CPU per request here)."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future[int] | None = None
        self.reusable = True

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(self.buffer[:end]).lower()
        length = 0
        marker = head.find(b"\r\ncontent-length:")
        if marker >= 0:
            stop = head.find(b"\r\n", marker + 2)
            length = int(head[marker + 17 : stop if stop >= 0 else len(head)])
        if len(self.buffer) < end + 4 + length:
            return
        del self.buffer[: end + 4 + length]
        self.reusable = b"\r\nconnection: close" not in head
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(int(head[9:12]))

    def connection_lost(self, exc: Exception | None) -> None:
        self.reusable = False
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError("connection closed by the server"))


async def run_load(url: str, bodies: list[bytes], rate: float, duration: float) -> dict[str, Any]:
    """POST `rate` requests per second for `duration` s; latency counts from when each was due."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    requests = [
        (
            f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        + body
        for body in bodies
    ]
    total = int(rate * duration)
    latencies = np.full(total, np.nan)
    statuses: dict[str, int] = {}
    idle: list[_Connection] = []
    loop = asyncio.get_running_loop()
    clock = time.perf_counter  # not loop.time(): uvloop's loop clock has 1 ms resolution

    async def fire(i: int, due: float) -> None:
        connection = None
        try:
            async with asyncio.timeout(10):
                while idle and connection is None:
                    candidate = idle.pop()  # the server may have closed an idle one
                    connection = candidate if candidate.reusable else None
                if connection is None:
                    _, connection = await loop.create_connection(_Connection, host, port)
                connection.waiter = loop.create_future()
                connection.transport.write(requests[i % len(requests)])  # type: ignore[union-attr]
                key = str(await connection.waiter)
            if connection.reusable:
                idle.append(connection)
            else:
                connection.transport.close()  # type: ignore[union-attr]
        except (OSError, TimeoutError) as exc:
            key = type(exc).__name__
            if connection is not None and connection.transport is not None:
                connection.transport.close()
        latencies[i] = clock() - due
        statuses[key] = statuses.get(key, 0) + 1

    tasks: set[asyncio.Task[None]] = set()
    start = clock() + 0.05
    for i in range(total):
        due = start + i / rate
        delay = due - clock()
        if delay > 0:
            await asyncio.sleep(delay)
        task = loop.create_task(fire(i, due))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    sent_in = clock() - start
    await asyncio.gather(*tasks)
    took = clock() - start
    for connection in idle:
        connection.transport.close()  # type: ignore[union-attr]
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


def wait_ready(
    base: str, process: subprocess.Popen[bytes], timeout: float = 120.0, path: str = "/ready"
) -> None:
    """Wait until GET `path` answers 200 (the model is loaded)."""
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"{base}{path}", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError as exc:
            last = str(exc)
        time.sleep(0.5)
    raise TimeoutError(f"the server was not ready after {timeout:.0f}s ({last})")


@contextmanager
def serve(
    workers: int | None,
    env: dict[str, str] | None = None,
    ready_timeout: float = 120.0,
    module: str = "deployment.api",
    ready_path: str = "/ready",
) -> Iterator[str]:
    """Start `python -m <module>` (with --workers unless None) on a free port; yields its base
    URL once `ready_path` answers 200; stops it (SIGTERM)."""
    port = free_port()
    command = [sys.executable, "-m", module]
    if workers is not None:
        command += ["--workers", str(workers)]
    child_env = {**os.environ, "PORT": str(port), "ACCESS_LOG": "false", **(env or {})}
    log = Path(os.environ.get("LOADTEST_SERVER_LOG", os.devnull))
    with log.open("ab") as sink:
        process = subprocess.Popen(command, env=child_env, stdout=sink, stderr=sink)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_ready(base, process, ready_timeout, ready_path)
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
    parser.add_argument(
        "--rate", type=float, help="requests per second (default 1000; 200 with --kserve-v1)"
    )
    parser.add_argument("--duration", type=float, default=30.0, help="seconds")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WORKERS", "2")))
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of load not counted")
    parser.add_argument("--out", type=Path, default=Path("reports/loadtest.json"))
    parser.add_argument("--max-p99-ms", type=float, help="exit 1 when p99 is above this")
    parser.add_argument("--max-errors", type=int, help="exit 1 when errors are above this")
    parser.add_argument(
        "--kserve-v1",
        action="store_true",
        help="load KServe's V1 :predict route (and start deployment.kserve_predictor)",
    )
    args = parser.parse_args(argv)
    if args.rate is None:
        args.rate = 200.0 if args.kserve_v1 else 1000.0
    if args.rate <= 0 or args.duration <= 0:
        parser.error("--rate and --duration must be positive")
    settings = Settings()
    bodies = payloads(settings, kserve_v1=args.kserve_v1)
    if args.kserve_v1:
        name = model_name(settings)
        path, ready = f"/v1/models/{name}:predict", f"/v1/models/{name}"
        server: dict[str, Any] = {
            "workers": None, "module": "deployment.kserve_predictor", "ready_path": ready,
            "ready_timeout": 180.0, "env": {"LOG_LEVEL": "WARNING"},
        }  # fmt: skip
    else:
        path, server = "/predict", {"workers": args.workers}
    with contextlib.suppress(ImportError):  # uvloop is not available on Windows
        import uvloop

        uvloop.install()

    def measure(base: str) -> dict[str, Any]:
        url = f"{base}{path}"
        if args.warmup > 0:
            asyncio.run(run_load(url, bodies, args.rate, args.warmup))
        return asyncio.run(run_load(url, bodies, args.rate, args.duration))

    if args.url:
        result = measure(args.url.rstrip("/"))
    else:
        with serve(**server) as base:
            result = measure(base)
        if server["workers"] is not None:
            result["workers"] = server["workers"]
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
