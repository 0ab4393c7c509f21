"""The deployment gate: passes on this project's image and manifests, fails when they weaken,
when a container command names a module that does not start, or when a tool it needs is
missing; bandit's high-severity count is a real measurement."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from quality_gates import deployment as gate
from quality_gates.core import Context, read_answers, read_config
from quality_gates.runner import run_check

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The gate's inputs, copied so a test can break them (the guide is written here: the
    project's own docs/ are judged by `make gates`)."""
    for rel in ("pyproject.toml", ".copier-answers.yml", ".dockerignore"):
        shutil.copy(ROOT / rel, tmp_path / rel)
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(ROOT / "deployment", tmp_path / "deployment", ignore=ignore)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs/deployment-guide.md").write_text("# Deployment guide\n\nHow we ship.\n")
    return tmp_path


def context(root: Path) -> Context:
    return Context(root=root, config=read_config(root), answers=read_answers(root), static=True)


def test_static_checks_pass_on_the_project(project: Path) -> None:
    ctx = context(project)
    for check in (gate.check_artifacts, gate.check_dockerfile, gate.check_manifest_fields):
        result = check(ctx)
        assert result.status == "pass", (result.name, result.detail)


def test_a_root_image_fails_the_gate(project: Path) -> None:
    dockerfile = project / gate.DOCKERFILE
    dockerfile.write_text(dockerfile.read_text().replace("USER 10001:10001", "USER root"))
    result = gate.check_dockerfile(context(project))
    assert result.status == "fail" and "root" in result.detail


def test_a_workload_without_hardening_fails_the_gate(project: Path) -> None:
    manifest = next(
        p
        for p in (project / gate.BASE).rglob("*.yaml")
        if "readOnlyRootFilesystem" in p.read_text()
    )
    manifest.write_text(manifest.read_text().replace("readOnlyRootFilesystem: true", ""))
    result = gate.check_manifest_fields(context(project))
    assert result.status == "fail" and "readOnlyRootFilesystem" in result.detail


def test_missing_docs_fail_the_artifact_check(project: Path) -> None:
    (project / "docs/deployment-guide.md").unlink()
    result = gate.check_artifacts(context(project))
    assert result.status == "fail" and "deployment-guide.md" in result.detail


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("bandit") is None, reason="bandit is not installed")
def test_bandit_counts_high_severity_findings(project: Path) -> None:
    ctx = context(project)
    clean = gate.check_bandit(ctx)
    assert clean.status == "pass" and clean.value == 0, clean.detail
    (project / "deployment" / "unsafe.py").write_text(
        "import subprocess\n\n\ndef run(cmd: str) -> None:\n    subprocess.call(cmd, shell=True)\n"
    )
    found = gate.check_bandit(ctx)
    assert found.status == "fail" and found.value >= 1
    assert "unsafe.py" in found.detail


def test_every_container_command_starts(project: Path) -> None:
    result = gate.check_container_commands(context(project))
    assert result.status == "pass", result.detail
    assert "deployment." in result.detail


@pytest.mark.slow  # starts every container command in a fresh interpreter
def test_a_dockerfile_naming_a_missing_module_fails(project: Path) -> None:
    dockerfile = project / gate.DOCKERFILE
    text = dockerfile.read_text()
    cmd = next(line for line in text.splitlines() if line.startswith("CMD "))
    dockerfile.write_text(text.replace(cmd, 'CMD ["python", "-m", "deployment.no_such_server"]'))
    result = gate.check_container_commands(context(project))
    assert result.status == "fail"
    assert "deployment.no_such_server" in result.detail
    assert "deployment/docker/Dockerfile CMD" in result.detail


@pytest.mark.slow  # starts every container command in a fresh interpreter
def test_a_manifest_naming_a_missing_module_fails(project: Path) -> None:
    manifest = next(
        p for p in (project / gate.BASE).rglob("*.yaml") if '"python", "-m"' in p.read_text()
    )
    text = manifest.read_text()
    # Whichever module the manifest starts (the API, the batch job, the ingest job...).
    manifest.write_text(re.sub(r'"python", "-m", "', '"python", "-m", "gone.', text, count=1))
    result = gate.check_container_commands(context(project))
    assert result.status == "fail"
    assert "gone." in result.detail and str(manifest.relative_to(project)) in result.detail


@pytest.mark.parametrize(
    ("check", "tool"),
    [
        (gate.check_manifests_validate, "kubectl"),
        (gate.check_hadolint, "hadolint"),
        (gate.check_bandit, "bandit"),
    ],
)
def test_a_missing_tool_fails_with_its_install_command(
    project: Path, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory,
    check: object, tool: str,
) -> None:  # fmt: skip
    monkeypatch.setenv("PATH", str(tmp_path_factory.mktemp("empty-path")))
    [result] = run_check(check, context(project))
    assert result.status == "fail", result.detail
    assert result.detail.startswith(f"{tool} not found on PATH: ")
    assert "install" in result.detail or "make setup" in result.detail
