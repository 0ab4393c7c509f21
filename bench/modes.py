"""Compare what each execution mode renders and costs: files, dependencies, `make test` time.

    uv run python bench/modes.py [--modes quick standard] [--out /tmp/modes]

For each mode a project is rendered from this checkout at HEAD (Copier's Python API, default
answers plus the mode, tasks skipped), set up with `make setup`, and its `make test` run once.
Printed per mode: rendered files (the answers file aside), the packages installed in the
project's .venv (`uv pip list`), the wall time of `make setup` and of `make test`, and the load
average while it ran. Paste the table into docs/benchmarks.md with the date and machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import tempfile
import time
from pathlib import Path

import copier

ROOT = Path(__file__).resolve().parents[1]
ENV = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"} | {
    "UV_PYTHON_DOWNLOADS": "never",
    "MLFLOW_DISABLE_TELEMETRY": "true",
}


def timed(cmd: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=ENV, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed in {cwd}:\n{done.stdout[-3000:]}{done.stderr}")
    return time.perf_counter() - started


def measure(mode: str, out: Path) -> dict[str, object]:
    project = out / mode
    copier.run_copy(
        str(ROOT),
        project,
        data={"execution_mode": mode, "project_name": f"Bench {mode}"},
        defaults=True,
        unsafe=True,
        vcs_ref="HEAD",
        skip_tasks=True,
        quiet=True,
    )
    files = sum(1 for p in project.rglob("*") if p.is_file() and p.name != ".copier-answers.yml")
    setup = timed(["make", "setup"], project)
    listed = subprocess.run(
        ["uv", "pip", "list", "--python", str(project / ".venv/bin/python")],
        capture_output=True,
        text=True,
        env=ENV,
        check=True,
    ).stdout.splitlines()
    packages = len(listed) - 2  # header and rule
    load_before = os.getloadavg()[0]
    test = timed(["make", "test"], project)
    return {
        "mode": mode,
        "files": files,
        "packages": packages,
        "setup_s": round(setup, 1),
        "test_s": round(test, 1),
        "load": f"{load_before:.1f}-{os.getloadavg()[0]:.1f}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--modes", nargs="+", default=["quick", "standard"])
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="ml-scaffold-modes-"))
    print(f"# {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print("| mode | files | installed packages | make setup | make test | load average |")
    print("|---|---|---|---|---|---|")
    for mode in args.modes:
        r = measure(mode, out)
        print(
            f"| {r['mode']} | {r['files']} | {r['packages']} | {r['setup_s']} s "
            f"| {r['test_s']} s | {r['load']} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
