"""Single-row throughput of this project's API against `mlflow models serve`, same model.

    uv run python bench/serve_vs_mlflow.py [--workers 1] [--duration 15] [--concurrency 32]

Both servers load the champion from the registry and run with the same number of workers on
this machine. Each gets a warm-up, then a closed loop of `concurrency` clients sending one row
per request for `duration` seconds; requests per second, latency percentiles and errors are
printed as a Markdown table and written to reports/bench_serving.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np

from deployment.api.loadtest import free_port, serve, wait_ready
from deployment.inference.model import model_uri
from deployment.inference.schema import InputSchema
from deployment.project import Settings

ROOT = Path(__file__).resolve().parents[1]


async def closed_loop(
    url: str, bodies: list[bytes], concurrency: int, duration: float
) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    headers = {"content-type": "application/json"}
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        end = time.perf_counter() + duration

        async def client(k: int) -> None:
            nonlocal errors
            i = k
            while time.perf_counter() < end:
                started = time.perf_counter()
                try:
                    async with session.post(
                        url, data=bodies[i % len(bodies)], headers=headers
                    ) as r:
                        await r.read()
                        ok = r.status == 200
                except aiohttp.ClientError:
                    ok = False
                latencies.append(time.perf_counter() - started)
                errors += not ok
                i += concurrency

        began = time.perf_counter()
        await asyncio.gather(*(client(k) for k in range(concurrency)))
        took = time.perf_counter() - began
    ms = np.asarray(latencies) * 1000
    return {
        "requests": len(latencies),
        "rps": round((len(latencies) - errors) / took, 1),
        "errors": errors,
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p99_ms": round(float(np.percentile(ms, 99)), 2),
    }


def measure(url: str, bodies: list[bytes], args: argparse.Namespace) -> dict[str, Any]:
    asyncio.run(closed_loop(url, bodies, args.concurrency, 2.0))
    return asyncio.run(closed_loop(url, bodies, args.concurrency, args.duration))


def mlflow_serve(uri: str, workers: int, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    mlflow = shutil.which("mlflow")
    if mlflow is None:
        raise FileNotFoundError("the mlflow command is not installed")
    port = free_port()
    command = [mlflow, "models", "serve", "-m", uri, "--env-manager", "local"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    with log.open("wb") as sink:  # a file, not a pipe: a full pipe would stall the server
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
    return process, f"http://127.0.0.1:{port}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "bench_serving.json")
    args = parser.parse_args(argv)
    settings = Settings()
    schema = InputSchema(settings.data)
    rows = schema.examples(128, seed=4)
    ours = [json.dumps(row).encode() for row in rows]
    theirs = [
        json.dumps(
            {"dataframe_split": {"columns": list(row), "data": [list(row.values())]}}
        ).encode()
        for row in rows
    ]
    uri = model_uri(settings)
    results: dict[str, Any] = {
        "model_uri": uri,
        "workers": args.workers,
        "concurrency": args.concurrency,
        "duration_s": args.duration,
        "machine": (
            f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
        ),
    }
    env = {"ACCESS_LOG": "false", "PREDICTION_LOG_DIR": ""}
    with serve(args.workers, env) as base:
        results["this_api"] = measure(f"{base}/predict", ours, args)
    log = args.out.with_name("bench_mlflow_serve.log")
    log.parent.mkdir(parents=True, exist_ok=True)
    try:
        process, base = mlflow_serve(uri, args.workers, log)
    except FileNotFoundError as exc:
        results["mlflow_models_serve"] = {"error": str(exc)}
    else:
        try:
            wait_ready(base, process, path="/ping")
            results["mlflow_models_serve"] = measure(f"{base}/invocations", theirs, args)
        except (RuntimeError, TimeoutError) as exc:
            tail = log.read_text(errors="replace")[-500:]
            results["mlflow_models_serve"] = {"error": f"{exc}: {tail}"}
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
    mine, other = results["this_api"], results["mlflow_models_serve"]
    if "rps" in other and other["rps"] > 0:
        results["speedup"] = round(mine["rps"] / other["rps"], 2)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(
        f"| server | req/s | p50 ms | p99 ms | errors |  ({results['machine']}, "
        f"{args.workers} worker(s), {args.concurrency} clients, {args.duration:g} s)"
    )
    print("|---|---|---|---|---|")
    for name in ("this_api", "mlflow_models_serve"):
        r = results[name]
        if "rps" in r:
            print(f"| {name} | {r['rps']} | {r['p50_ms']} | {r['p99_ms']} | {r['errors']} |")
        else:
            print(f"| {name} | not measured: {r['error']} | | | |")
    if "speedup" in results:
        print(f"\nspeed-up: {results['speedup']}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
