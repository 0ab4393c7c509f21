"""The data steps (ingest, validate, features) on spark vs polars vs pandas at several row counts.

    uv run python bench/engines.py [--rows 1000000 10000000]
        [--spark-project P] [--polars-project Q] [--engines pandas polars spark]

Without a project a new one is rendered from this checkout (HEAD) and set up: one with
processing_engine=spark (it runs pandas too: pandas ships with every project) and one with
polars. For each row count and engine, `engine` and `source.rows` are set in configs/data.yaml
(the generated sample with its default faults) and each step runs in its own process, as the
orchestrators run them (`python -m <slug> <step>`; on spark each step starts its own JVM, as a
`spark-submit` per step does). Printed per engine: each step's wall time, and for the three
together the wall time, CPU time (user + system of the process tree) and the peak RSS of the
largest process. Ingest includes generating the sample in pandas, the same work on every engine.
Paste the table into docs/benchmarks.md with the date, the machine and its load.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pipeline import MEASURE, ROWS_LINE, render, slug_of  # noqa: E402

STEPS = ("ingest", "validate", "features")
ENGINE_LINE = re.compile(r"^engine: \w+", re.M)


def configure(project: Path, engine: str, rows: int) -> None:
    path = project / "configs" / "data.yaml"
    text = ENGINE_LINE.sub(f"engine: {engine}", path.read_text(encoding="utf-8"), count=1)
    text, count = ROWS_LINE.subn(rf"\g<1>{rows}", text, count=1)
    if count != 1:
        raise SystemExit(f"{path}: no `  rows:` line under source")
    path.write_text(text, encoding="utf-8")


def run_steps(project: Path, engine: str, rows: int, log_dir: Path) -> dict[str, object]:
    configure(project, engine, rows)
    # Every engine starts from no data: a raw layer left by another run would make ingest
    # incremental (nothing new after the watermark) and measure nothing.
    shutil.rmtree(project / "data", ignore_errors=True)
    env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true", "SPARK_LOCAL_IP": "127.0.0.1"}
    python = str(project / ".venv" / "bin" / "python")
    steps, wall, cpu, rss, ok = {}, 0.0, 0.0, 0.0, True
    for step in STEPS:
        done = subprocess.run(
            [sys.executable, "-c", MEASURE, python, "-m", slug_of(project), step],
            cwd=project,
            capture_output=True,
            text=True,
            env=env,
        )
        (log_dir / f"{engine}-{rows}-{step}.log").write_text(done.stdout + done.stderr)
        measured = json.loads(done.stdout.strip().splitlines()[-1])
        steps[step] = measured["wall"]
        wall, cpu = wall + measured["wall"], cpu + measured["cpu"]
        rss = max(rss, measured["rss_mb"])
        if measured["code"] != 0:
            ok = False
            print(done.stdout[-2000:] + done.stderr[-2000:])
            break
    return {"engine": engine, "rows": rows, "steps": steps, "wall": wall, "cpu": cpu,
            "rss_mb": rss, "ok": ok}  # fmt: skip


def table(results: list[dict[str, object]]) -> str:
    head = ["rows", "engine", *STEPS, "wall (3 steps)", "CPU", "peak RSS"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in results:
        cells = [f"{r['rows']:,}", str(r["engine"])]
        cells += [f"{r['steps'].get(s, float('nan')):.1f} s" for s in STEPS]  # type: ignore[attr-defined]
        cells += [f"**{r['wall']:.1f} s**", f"{r['cpu']:.1f} s", f"{r['rss_mb']:.0f} MB"]
        if not r["ok"]:
            cells[-1] += " (failed)"
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--engines", nargs="+", default=["pandas", "polars", "spark"])
    parser.add_argument("--spark-project", type=Path, help="a set-up project rendered with spark")
    parser.add_argument("--polars-project", type=Path, help="a set-up project rendered with polars")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-engines-"))
    projects = {}
    # pandas runs in either project; a project is rendered only for an engine asked for.
    wanted = set(args.engines)
    if "pandas" in wanted and not (args.spark_project or args.polars_project):
        wanted.add("spark")
    for engine, given in (("spark", args.spark_project), ("polars", args.polars_project)):
        if given is None and engine in wanted:
            started = time.perf_counter()
            given = render(tmp / engine, {"processing_engine": engine})
            print(f"rendered and set up {given} in {time.perf_counter() - started:.0f} s")
        projects[engine] = given.resolve() if given else None
    projects["pandas"] = projects["spark"] or projects["polars"]
    results = []
    for rows in args.rows:
        for engine in args.engines:
            project = projects[engine]
            config = project / "configs" / "data.yaml"
            original = config.read_text(encoding="utf-8")
            try:
                results.append(run_steps(project, engine, rows, tmp))
            finally:
                config.write_text(original, encoding="utf-8")
            r = results[-1]
            print(
                f"{rows:>11,} rows {engine:>6}: wall {r['wall']:.1f} s, CPU {r['cpu']:.1f} s, "
                f"peak RSS {r['rss_mb']:.0f} MB{'' if r['ok'] else ' (FAILED)'}",
                flush=True,
            )
    load = os.getloadavg()
    print(
        f"\nmachine: {platform.machine()}, {os.cpu_count()} CPUs, "
        f"{platform.python_implementation()} {platform.python_version()}; "
        f"load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}; logs in {tmp}"
    )
    print(table(results))


if __name__ == "__main__":
    main()
