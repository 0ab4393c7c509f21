"""Time `copier copy` of the largest offered variant against a one-file Copier template.

    uv run python bench/render.py [--runs 7]

Both are rendered through Copier's Python API from local git repositories at HEAD, tasks
skipped, so the ratio isolates what this template adds to Copier's own fixed cost. When
cookiecutter-data-science's `ccds` is on PATH it is timed too. Paste the output into
docs/benchmarks.md with the date and machine.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import copier

from ml_scaffold import schema

ROOT = Path(__file__).resolve().parents[1]


def largest_variant() -> dict[str, str]:
    """The offered answers that render the most files (by a quick trial of each choice)."""
    answers = schema.complete({"execution_mode": "enterprise", "project_slug": "bench_proj"})
    return schema.Answers(**answers).model_dump()


def trivial_template(where: Path, files: int) -> Path:
    """A Copier template of `files` one-line Jinja files: Copier's own floor for that size."""
    repo = where / f"trivial-{files}"
    repo.mkdir()
    (repo / "copier.yml").write_text("name:\n  type: str\n  default: x\n")
    for i in range(files):
        (repo / f"file{i}.md.jinja").write_text("# {{ name }}\n")
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "one file"]):
        subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)
    return repo


def time_copy(src: Path, data: dict[str, str], where: Path, runs: int) -> list[float]:
    times = []
    for i in range(runs):
        dst = where / f"out-{src.name}-{i}"
        started = time.perf_counter()
        copier.run_copy(
            str(src),
            dst,
            data=data,
            defaults=True,
            unsafe=True,
            vcs_ref="HEAD",
            skip_tasks=True,
            quiet=True,
        )
        times.append(time.perf_counter() - started)
        shutil.rmtree(dst)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(tmp)
        files = sum(1 for p in (ROOT / "template").rglob("*") if p.is_file())
        floor_src = trivial_template(where, 1)
        same_size_src = trivial_template(where, files)
        # A clean clone at HEAD: uncommitted work would add Copier's dirty-copy step.
        ours_src = where / "ml-scaffold"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(ours_src)], check=True)
        variant = largest_variant()
        time_copy(floor_src, {}, where, 1)  # warm imports and caches for both
        floor = statistics.median(time_copy(floor_src, {}, where, args.runs))
        same_size = statistics.median(time_copy(same_size_src, {}, where, args.runs))
        ours = statistics.median(time_copy(ours_src, variant, where, args.runs))
        print(
            f"machine: {platform.machine()}, {platform.python_implementation()} "
            f"{platform.python_version()}, copier {copier.__version__}"
        )
        print(f"runs: {args.runs} (median)")
        print(f"one-file template:        {floor * 1000:7.0f} ms")
        print(f"ml-scaffold ({files} template files, enterprise answers): {ours * 1000:7.0f} ms")
        print(f"{files}-file trivial template: {same_size * 1000:7.0f} ms")
        print(f"ratio: {ours / floor:.2f}x the one-file floor (target <= 1.3x)")
        print(f"ratio: {ours / same_size:.2f}x a trivial template with as many files")
        if shutil.which("ccds"):
            started = time.perf_counter()
            subprocess.run(
                ["ccds", "--no-input", "-o", str(where)], check=True, capture_output=True
            )
            print(f"ccds --no-input:          {(time.perf_counter() - started) * 1000:7.0f} ms")
        else:
            print("ccds: not installed (pip install cookiecutter-data-science to compare)")


if __name__ == "__main__":
    main()
