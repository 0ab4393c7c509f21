"""Render projects, install each in a fresh uv environment and run what it promises:
`make pipeline` on small data, `make test`, `make lint` and `make gates`."""

from __future__ import annotations

import itertools
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, render

from ml_scaffold import schema

pytestmark = pytest.mark.slow

if shutil.which("uv") is None or shutil.which("make") is None:
    pytest.skip("uv and make are needed to install generated projects", allow_module_level=True)

SMALL_ROWS = 3000
PHASES = [
    "requirements",
    "data_pipeline",
    "model_training",
    "deployment",
    "monitoring",
    "continuous_training",
]


# The project's own .venv, never this repository's; no Python downloads (registries only).
ENV = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"} | {
    "UV_PYTHON_DOWNLOADS": "never",
    "MLFLOW_DISABLE_TELEMETRY": "true",
}


def make(project: Path, target: str, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        ["make", target], cwd=project, env=ENV, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, (
        f"make {target} failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    )
    return result


def shrink_data(project: Path) -> None:
    """Small data and a small search, the way a user would: by editing the two configs."""
    data_path, experiment_path = project / "configs/data.yaml", project / "configs/experiment.yaml"
    data = yaml.safe_load(data_path.read_text())
    data["source"]["rows"] = SMALL_ROWS
    data_path.write_text(yaml.safe_dump(data, sort_keys=False))
    experiment = yaml.safe_load(experiment_path.read_text())
    experiment["search"]["n_trials"] = min(experiment["search"]["n_trials"], 6)
    experiment["search"]["timeout_seconds"] = min(experiment["search"]["timeout_seconds"], 30)
    experiment_path.write_text(yaml.safe_dump(experiment, sort_keys=False))


# Installing and running a project costs minutes on 2 cores. The stack questions are covered by
# choice, not by product: the README's default project plus STACKS offer every stack choice at
# least once (`test_installed_projects_cover_every_offered_stack_choice`).
STACKS: list[dict[str, str]] = [
    {  # the enterprise stack: polars (its preset), KServe, Kubeflow Pipelines
        "problem_type": "multiclass_classification",
        "data_source": "files",
        "serving": "kserve",
        "orchestrator": "kubeflow",
        "execution_mode": "enterprise",
    },
    {
        "problem_type": "regression",
        "data_source": "files",
        "deployment_mode": "batch",
        "orchestrator": "prefect",
        "execution_mode": "quick",
    },
    {  # a PostgreSQL source: `make pipeline` starts a local server of the machine's binaries
        "problem_type": "binary_classification",
        "data_source": "postgres",
        "processing_engine": "polars",
        "deployment_mode": "batch",
        "orchestrator": "dagster",
        "execution_mode": "quick",
    },
    {
        "problem_type": "regression",
        "processing_engine": "polars",
        "serving": "bentoml",
        "deployment_mode": "realtime",
        "orchestrator": "dagster",
        "execution_mode": "standard",
    },
]
STACK_QUESTIONS = ("deployment_mode", "orchestrator", "serving", "execution_mode")
# The data-to-model questions are covered by their full product: each combination the projects
# above leave out is installed once more on the lightest stack (no service, the fastest
# orchestrator's tests), with the same setup, pipeline, test, lint and gates.
DATA_QUESTIONS = ("problem_type", "data_source", "processing_engine")
LIGHT_STACK = {"execution_mode": "quick", "deployment_mode": "batch", "orchestrator": "dagster"}


def data_combination(answers: dict[str, str]) -> tuple[str, ...]:
    complete = schema.complete(answers)
    return tuple(complete[name] for name in DATA_QUESTIONS)


def every_data_combination() -> list[tuple[str, ...]]:
    offered = [schema.QUESTION_BY_NAME[name].offered for name in DATA_QUESTIONS]
    return list(itertools.product(*offered))


COVERED_BY_STACKS = {data_combination({})} | {data_combination(v) for v in STACKS}
VARIANTS = STACKS + [
    dict(zip(DATA_QUESTIONS, combination, strict=True)) | LIGHT_STACK
    for combination in every_data_combination()
    if combination not in COVERED_BY_STACKS
]


def test_installed_projects_cover_every_offered_stack_choice() -> None:
    default = schema.complete({})
    for name in (*STACK_QUESTIONS, *DATA_QUESTIONS):
        seen = {default[name]} | {schema.complete(v)[name] for v in STACKS}
        assert seen == set(schema.QUESTION_BY_NAME[name].offered), name


def test_installed_projects_cover_the_data_questions_product_once_each() -> None:
    installed = [data_combination({})] + [data_combination(v) for v in VARIANTS]
    assert sorted(installed) == sorted(every_data_combination())
    for answers in VARIANTS:
        schema.Answers(**schema.complete(answers))  # every variant is a valid answer set


@pytest.mark.parametrize("answers", VARIANTS, ids=lambda a: "-".join(a.values()))
def test_generated_project_installs_runs_and_passes_its_gates(
    tmp_path: Path, answers: dict[str, str], request: pytest.FixtureRequest
) -> None:
    # Rendered as a user gets it: the post-generation hook commits it and runs the static gates.
    project = render(tmp_path / "proj", tasks=True, post_generation_gates="static", **answers)
    if answers.get("data_source") == "postgres":  # `make pipeline` starts a local server
        request.addfinalizer(lambda: stop_local_database(project))
    shrink_data(project)
    make(project, "setup")
    make(project, "pipeline")
    make(project, "test")
    make(project, "lint")
    gates = subprocess.run(
        ["make", "gates"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=900,
        env=ENV,
    )
    report = json.loads((project / "reports/quality_gates.json").read_text())
    assert gates.returncode == 0, gates.stdout[-4000:]
    assert list(report) == PHASES
    failed = {phase: r for phase, r in report.items() if r["status"] != "pass"}
    assert not failed, json.dumps(failed, indent=1)[-4000:]
    # The gates took the results `make test` recorded on this tree instead of re-running them.
    checks = {c["name"]: c for c in report["data_pipeline"]["checks"]}
    assert "not re-run" in checks["data tests pass"]["detail"], checks["data tests pass"]


def stop_local_database(project: Path) -> None:
    """Stop and delete the local PostgreSQL a postgres project's `make pipeline` started."""
    subprocess.run(
        ["make", "db-destroy"], cwd=project, env=ENV, capture_output=True, text=True, timeout=120
    )


def readme_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    block = readme.split("## The two commands", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip() and not line.startswith("#")]


def test_readme_has_exactly_two_commands_and_ci_runs_the_second() -> None:
    render_cmd, test_cmd = readme_commands()
    assert "ml-scaffold new" in render_cmd and "--gates full" in render_cmd
    ci = (ROOT / ".ci/run").read_text().splitlines()
    assert test_cmd in [line.strip() for line in ci]


def test_readme_render_command_passes_every_gate(tmp_path: Path) -> None:
    """README command 1, as written, from this checkout: the default project with full gates."""
    render_cmd, _ = readme_commands()
    args = shlex.split(render_cmd)
    assert args[:3] == ["uv", "run", "ml-scaffold"]
    dest = tmp_path / "my-project"
    args = [str(dest) if a == "my-project" else a for a in args]
    result = subprocess.run(
        [sys.executable, "-m", "ml_scaffold.cli", *args[3:]],
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=1500,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    # Full gates ran setup, pipeline and the project's own tests before the gates.
    for target in ("setup", "pipeline", "test"):
        assert f"Running make {target} ..." in result.stdout
    assert re.search(r"^=+ \d+ passed.* in [\d.]+s", result.stdout, re.M), result.stdout[-3000:]
    report = json.loads((dest / "reports/quality_gates.json").read_text())
    assert {phase: r["status"] for phase, r in report.items()} == dict.fromkeys(report, "pass")
    assert list(report) == PHASES
    checks = {c["name"]: c for c in report["data_pipeline"]["checks"]}
    assert "not re-run" in checks["data tests pass"]["detail"], checks["data tests pass"]
    # The rest of what the project's CI runs.
    make(dest, "lint")
