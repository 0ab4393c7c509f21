"""The deployment gate: passes on this project's image and manifests, fails when they weaken,
and bandit's high-severity count is a real measurement."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from quality_gates import deployment as gate
from quality_gates.core import Context, read_answers, read_config

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The gate's inputs, copied so a test can break them."""
    for rel in ("pyproject.toml", ".copier-answers.yml", ".dockerignore"):
        shutil.copy(ROOT / rel, tmp_path / rel)
    for rel in ("deployment", "docs"):
        shutil.copytree(ROOT / rel, tmp_path / rel, ignore=shutil.ignore_patterns("__pycache__"))
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
