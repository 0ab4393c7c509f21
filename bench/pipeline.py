"""Time `uv run python -m <slug> pipeline` of a generated project at several row counts.

    uv run python bench/pipeline.py [--rows 10000 100000 1000000] [--set processing_engine=polars]
    uv run python bench/pipeline.py --project PATH [--rows ...]

Without `--project` a project is rendered from this checkout (Copier's Python API, the working
tree at HEAD with uncommitted changes, tasks skipped; answers: defaults plus `--set`) and set up
with `make setup`. For each row count, `source.rows` in configs/data.yaml is set and the
pipeline runs once in a fresh process. Printed per run: each step's wall time (from the
pipeline's own `[i/n] step done in Xs` lines), the whole process's wall time, CPU time (user +
system, all threads) and peak RSS (the largest resident set of the process tree), and the
model_training promotion checks (reports/registration.json). Paste the table into
docs/benchmarks.md with the date and machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STEP_LINE = re.compile(r"^\[\d+/\d+\] (\w+) done in ([\d.]+)s", re.M)
ROWS_LINE = re.compile(r"^(  rows: )\d+", re.M)
# Runs a command and prints, as its last line, the resources of the process tree it waited for.
MEASURE = """
import json, resource, subprocess, sys, time
started = time.perf_counter()
code = subprocess.run(sys.argv[1:]).returncode
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"code": code, "wall": time.perf_counter() - started,
                  "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024}))
"""


def render(dest: Path, answers: dict[str, str]) -> Path:
    import copier

    from ml_scaffold import schema

    data = schema.complete({"project_slug": "bench_pipeline", **answers})
    data["post_generation_gates"] = "none"
    copier.run_copy(
        str(ROOT),
        dest,
        data=schema.Answers(**data).model_dump(),
        defaults=True,
        unsafe=True,
        vcs_ref="HEAD",
        skip_tasks=True,
        quiet=True,
    )
    subprocess.run(["make", "setup"], cwd=dest, check=True, capture_output=True)
    return dest


def slug_of(project: Path) -> str:
    text = (project / ".copier-answers.yml").read_text(encoding="utf-8")
    match = re.search(r"^project_slug: (\S+)", text, re.M)
    if not match:
        raise SystemExit(f"{project}: no project_slug in .copier-answers.yml")
    return match.group(1)


def set_rows(project: Path, rows: int) -> None:
    path = project / "configs" / "data.yaml"
    text, count = ROWS_LINE.subn(rf"\g<1>{rows}", path.read_text(encoding="utf-8"), count=1)
    if count != 1:
        raise SystemExit(f"{path}: no `  rows:` line under source")
    path.write_text(text, encoding="utf-8")


def engine_of(project: Path) -> str:
    match = re.search(r"^engine: (\w+)", (project / "configs/data.yaml").read_text(), re.M)
    return match.group(1) if match else "pandas"


def run_once(project: Path, slug: str, rows: int, log_dir: Path) -> dict[str, object]:
    set_rows(project, rows)
    command = ["uv", "run", "python", "-m", slug, "pipeline"]
    env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true"}
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, *command],
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
    )
    log = log_dir / f"pipeline-{rows}.log"
    log.write_text(done.stdout + done.stderr, encoding="utf-8")
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    registration = project / "reports" / "registration.json"
    checks = json.loads(registration.read_text())["checks"] if registration.is_file() else []
    failed = [c["name"] for c in checks if c["status"] != "pass"]
    return {
        "rows": rows,
        "ok": measured["code"] == 0,
        "steps": {name: float(s) for name, s in STEP_LINE.findall(done.stdout)},
        "wall": measured["wall"],
        "cpu": measured["cpu"],
        "rss_mb": measured["rss_mb"],
        "gate": ("fail: " + ", ".join(failed)) if failed else ("pass" if checks else "n/a"),
        "log": str(log),
    }


def table(results: list[dict[str, object]], engine: str) -> str:
    steps = list(dict.fromkeys(s for r in results for s in r["steps"]))  # type: ignore[attr-defined]
    head = ["rows", "engine", *steps, "wall", "CPU", "peak RSS", "promotion checks"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in results:
        cells = [f"{r['rows']:,}", engine]
        cells += [f"{r['steps'].get(s, float('nan')):.1f} s" for s in steps]  # type: ignore[attr-defined]
        cells += [f"{r['wall']:.1f} s", f"{r['cpu']:.1f} s", f"{r['rss_mb']:.0f} MB"]
        cells.append(str(r["gate"]) if r["ok"] else f"pipeline failed (see {r['log']})")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--project", type=Path, help="an existing, set-up generated project")
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="answer (render only)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the rendered project")
    args = parser.parse_args()
    answers = dict(item.split("=", 1) for item in args.set)

    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as tmp:
        if args.project:
            project = args.project.resolve()
        else:
            where = Path(tempfile.mkdtemp(prefix="bench-pipeline-")) if args.keep else Path(tmp)
            started = time.perf_counter()
            project = render(where / "project", answers)
            print(f"rendered and set up {project} in {time.perf_counter() - started:.0f} s")
        config = project / "configs" / "data.yaml"
        original = config.read_text(encoding="utf-8")
        results = []
        try:
            for rows in args.rows:
                results.append(run_once(project, slug_of(project), rows, Path(tmp)))
                r = results[-1]
                print(
                    f"{rows:>9,} rows: wall {r['wall']:.1f} s, CPU {r['cpu']:.1f} s, "
                    f"peak RSS {r['rss_mb']:.0f} MB, promotion checks {r['gate']}",
                    flush=True,
                )
                if not r["ok"]:
                    print(Path(str(r["log"])).read_text(encoding="utf-8")[-3000:])
        finally:
            config.write_text(original, encoding="utf-8")
        load = os.getloadavg()
        print(
            f"\nmachine: {platform.machine()}, {os.cpu_count()} CPUs, "
            f"{platform.python_implementation()} {platform.python_version()}; "
            f"load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}"
        )
        print(table(results, engine_of(project)))


if __name__ == "__main__":
    main()
