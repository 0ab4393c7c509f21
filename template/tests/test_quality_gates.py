"""The gate framework and the requirements gate, on this project's own documents."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from quality_gates import PHASES
from quality_gates.core import Context, read_answers, read_config
from quality_gates.runner import run_phase

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the gate inputs, safe to break."""
    for rel in ("pyproject.toml", ".copier-answers.yml"):
        shutil.copy(ROOT / rel, tmp_path / rel)
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    return tmp_path


def requirements(root: Path) -> dict:
    ctx = Context(root=root, config=read_config(root), answers=read_answers(root))
    return run_phase("requirements", ctx)


def failing(result: dict) -> list[str]:
    return [c["name"] for c in result["checks"] if c["status"] == "fail"]


def test_requirements_gate_passes_on_the_rendered_documents(project: Path) -> None:
    result = requirements(project)
    assert result["status"] == "pass", result


def test_missing_document_fails(project: Path) -> None:
    (project / "docs/tech-stack.md").unlink()
    assert "document docs/tech-stack.md" in failing(requirements(project))


def test_metric_of_another_problem_type_fails(project: Path) -> None:
    doc = project / "docs/ml-requirements.md"
    wrong = "`r2`" if read_answers(project)["problem_type"] != "regression" else "`roc_auc`"
    doc.write_text(doc.read_text().replace("## ML metrics", f"## ML metrics\n\nAlso {wrong}."))
    assert failing(requirements(project)) == ["metrics fit problem type"]


def test_architecture_that_disagrees_with_the_answers_fails(project: Path) -> None:
    answers = project / ".copier-answers.yml"
    text = answers.read_text()
    serving = read_answers(project)["serving"]
    answers.write_text(text.replace(f"serving: {serving}", "serving: something_else"))
    assert failing(requirements(project)) == ["architecture matches answers"]


def test_missing_section_fails(project: Path) -> None:
    doc = project / "docs/ml-requirements.md"
    doc.write_text(doc.read_text().replace("## Operational metrics", "## Other"))
    assert "requirement sections" in failing(requirements(project))


def test_cli_writes_report_and_exit_code_follows_failures(project: Path) -> None:
    # The gate package runs with only the standard library: copy it next to the inputs.
    shutil.copytree(ROOT / "quality_gates", project / "quality_gates")
    cmd = [sys.executable, "-m", "quality_gates", "--static", "--phase", "requirements"]
    ok = subprocess.run(cmd, cwd=project, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    report = json.loads((project / "reports/quality_gates.json").read_text())
    assert list(report) == ["requirements"]
    assert report["requirements"]["status"] == "pass"
    check = report["requirements"]["checks"][0]
    assert set(check) == {"name", "status", "detail", "value", "threshold"}

    (project / "docs/ml-architecture.md").write_text("no diagram here\n" * 30)
    bad = subprocess.run(cmd, cwd=project, capture_output=True, text=True)
    assert bad.returncode == 1
    assert "FAILED: requirements" in bad.stdout


def test_every_phase_reports_in_order(project: Path) -> None:
    shutil.copytree(ROOT / "quality_gates", project / "quality_gates")
    out = subprocess.run(
        [sys.executable, "-m", "quality_gates", "--static", "--json"],
        cwd=project,
        capture_output=True,
        text=True,
    )
    report = json.loads(out.stdout)
    assert list(report) == list(PHASES)
    assert all(r["status"] in {"pass", "fail", "skip"} for r in report.values())
