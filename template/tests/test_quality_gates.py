"""The gate framework (one status rule, counts, exit status) and the requirements gate, on inputs
built here: the project's own documents are judged by `make gates`, never by the tests."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from models.metrics import metrics_for
from quality_gates import PHASES
from quality_gates.__main__ import EXIT_FAILED, EXIT_INCOMPLETE, exit_status
from quality_gates.core import (
    FAIL,
    INCOMPLETE,
    NOT_RUN,
    PASS,
    Check,
    Context,
    phase_status,
    read_answers,
    read_config,
)
from quality_gates.runner import run_phase, summary_line

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = ("ml-requirements.md", "ml-architecture.md", "tech-stack.md", "project-plan.md")
ANSWERS = {
    "problem_type": "binary_classification",
    "data_source": "csv",
    "processing_engine": "pandas",
    "feature_store": "none",
    "experiment_tracking": "mlflow",
    "serving": "fastapi",
    "deployment_mode": "realtime",
    "orchestrator": "airflow",
    "cloud": "none",
}
PRIMARY = "roc_auc"
FILLER = "This paragraph stands for what the team writes about the project here.\n" * 4


def requirements_doc() -> str:
    """An ML metrics table written from the metric registry, as the rendered document is."""
    rows = "".join(
        f"| `{name}` | tracked | {m.why} | {m.target_text} |\n"
        for name, m in metrics_for(ANSWERS["problem_type"]).items()
    )
    return (
        f"# ML requirements\n\n## ML metrics\n\nPrimary metric: `{PRIMARY}`.\n\n"
        f"| metric | role | why | target |\n|---|---|---|---|\n{rows}\n"
        "## Business metrics\n\nChurn caught per month.\n\n"
        "## Operational metrics\n\np95 latency under 100 ms.\n\n"
        "## Data-quality metrics\n\nCompleteness above 95 %.\n\n" + FILLER
    )


def architecture_doc(answers: dict[str, str]) -> str:
    nodes = [f"  {q}__{a}[{a}]" for q, a in answers.items() if q != "problem_type" and a != "none"]
    return "# Architecture\n\n```mermaid\nflowchart LR\n" + "\n".join(nodes) + "\n```\n" + FILLER


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The requirements gate's inputs, written from scratch: safe to break, and independent of
    whatever the project's own docs/ say today."""
    documents = ", ".join(f'"docs/{d}"' for d in DOCUMENTS)
    (tmp_path / "pyproject.toml").write_text(
        f"[tool.quality_gates.requirements]\ndocuments = [{documents}]\n"
    )
    (tmp_path / ".copier-answers.yml").write_text(
        "".join(f"{k}: {v}\n" for k, v in ANSWERS.items())
    )
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs/experiment.yaml").write_text(f"primary_metric: {PRIMARY}\n")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "ml-requirements.md").write_text(requirements_doc())
    (docs / "ml-architecture.md").write_text(architecture_doc(ANSWERS))
    (docs / "tech-stack.md").write_text("# Tech stack\n\n" + FILLER)
    (docs / "project-plan.md").write_text("# Project plan\n\n" + FILLER)
    return tmp_path


def with_gates(project: Path) -> Path:
    """The gate package runs with only the standard library: copy it next to the inputs."""
    shutil.copytree(ROOT / "quality_gates", project / "quality_gates",
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    return project


def requirements(root: Path) -> dict:
    ctx = Context(root=root, config=read_config(root), answers=read_answers(root))
    return run_phase("requirements", ctx)


def failing(result: dict) -> list[str]:
    return [c["name"] for c in result["checks"] if c["status"] == "fail"]


def test_requirements_gate_passes_on_complete_documents(project: Path) -> None:
    result = requirements(project)
    assert result["status"] == "pass", result
    assert result["counts"] == {"checks": 7, "ran": 7, "passed": 7, "failed": 0, "not_run": 0}


def test_missing_document_fails(project: Path) -> None:
    (project / "docs/tech-stack.md").unlink()
    assert "document docs/tech-stack.md" in failing(requirements(project))


def test_metric_of_another_problem_type_fails(project: Path) -> None:
    doc = project / "docs/ml-requirements.md"
    doc.write_text(doc.read_text().replace("## ML metrics", "## ML metrics\n\nAlso `r2`."))
    assert failing(requirements(project)) == ["metrics fit problem type"]


def test_a_metric_the_trainer_cannot_compute_fails_naming_it(project: Path) -> None:
    """`brier` was once accepted here and never computed: the metric registry decides."""
    doc = project / "docs/ml-requirements.md"
    row = "| `brier` | diagnostic | calibration | tracked |\n"
    doc.write_text(doc.read_text().replace("| metric | role | why | target |\n|---|---|---|---|\n",
                                           "| metric | role | why | target |\n|---|---|---|---|\n"
                                           + row))  # fmt: skip
    result = requirements(project)
    [check] = [c for c in result["checks"] if c["status"] == "fail"]
    assert "'brier'" in check["detail"] and "choose one of" in check["detail"]


def test_a_target_the_gate_does_not_enforce_fails(project: Path) -> None:
    """The targets stated are the registry's, which the model_training gate enforces."""
    doc = project / "docs/ml-requirements.md"
    text = doc.read_text()
    first = re.search(r"^\| `([a-z0-9_]+)` \|(.*)\| ([^|]+) \|$", text, re.M)
    assert first, text
    metric, target = first.group(1), first.group(3)
    edited = first.group(0).replace(f"| {target} |", "| >= 0.99 |")
    doc.write_text(text.replace(first.group(0), edited))
    result = requirements(project)
    [check] = [c for c in result["checks"] if c["status"] == "fail"]
    assert f"`{metric}` target '>= 0.99'" in check["detail"]


def test_a_primary_metric_other_than_the_configs_fails(project: Path) -> None:
    config = project / "configs/experiment.yaml"
    text = config.read_text()
    primary = text.split("primary_metric: ", 1)[1].split()[0]
    other = next(m for m in metrics_for(read_answers(project)["problem_type"]) if m != primary)
    config.write_text(text.replace(f"primary_metric: {primary}", f"primary_metric: {other}"))
    result = requirements(project)
    [check] = [c for c in result["checks"] if c["status"] == "fail"]
    assert f"primary metric `{primary}`" in check["detail"] and other in check["detail"]


def test_a_gate_setting_deleted_from_pyproject_fails_naming_it(project: Path) -> None:
    """Gate thresholds and settings live only in [tool.quality_gates]: no default in the gates."""
    ctx = Context(root=project, config=read_config(project), answers=read_answers(project))
    del ctx.config["requirements"]["documents"]
    result = run_phase("requirements", ctx)
    [check] = [c for c in result["checks"] if c["status"] == "fail"]
    assert "[tool.quality_gates.requirements] has no `documents`" in check["detail"]


def test_architecture_that_disagrees_with_the_answers_fails(project: Path) -> None:
    answers = project / ".copier-answers.yml"
    answers.write_text(answers.read_text().replace("serving: fastapi", "serving: something_else"))
    assert failing(requirements(project)) == ["architecture matches answers"]


def test_missing_section_fails(project: Path) -> None:
    doc = project / "docs/ml-requirements.md"
    doc.write_text(doc.read_text().replace("## Operational metrics", "## Other"))
    assert "requirement sections" in failing(requirements(project))


def test_a_phase_passes_only_when_every_check_ran_and_passed() -> None:
    ok, bad, unrun = Check("a", PASS), Check("b", FAIL), Check("c", NOT_RUN, "no model yet")
    assert phase_status([ok, ok]) == PASS
    assert phase_status([ok, unrun]) == INCOMPLETE
    assert phase_status([unrun, unrun]) == INCOMPLETE
    assert phase_status([]) == INCOMPLETE
    assert phase_status([ok, unrun, bad]) == FAIL


def test_incomplete_is_never_success() -> None:
    def report(*statuses: str) -> dict:
        return {p: {"status": s} for p, s in zip(PHASES, statuses, strict=False)}

    assert exit_status(report(PASS, PASS), allow_incomplete=False) == 0
    assert exit_status(report(PASS, INCOMPLETE), allow_incomplete=False) == EXIT_INCOMPLETE
    assert exit_status(report(PASS, INCOMPLETE), allow_incomplete=True) == 0
    assert exit_status(report(FAIL, INCOMPLETE), allow_incomplete=True) == EXIT_FAILED


def test_summary_line_counts_what_ran() -> None:
    def phase(status: str, **c: int) -> dict:
        return {"status": status, "counts": c}

    report = {
        "requirements": phase(PASS, checks=4, ran=4, passed=4, failed=0, not_run=0),
        "data_pipeline": phase(INCOMPLETE, checks=7, ran=2, passed=2, failed=0, not_run=5),
    }
    line = summary_line(report)
    assert line.startswith("INCOMPLETE (not passed): data_pipeline")
    assert "6 of 11 checks ran: 6 passed, 0 failed; 5 not run" in line
    report["requirements"] = phase(FAIL, checks=4, ran=4, passed=3, failed=1, not_run=0)
    assert summary_line(report).startswith("FAILED: requirements; INCOMPLETE: data_pipeline")


def test_cli_writes_report_and_exit_code_follows_failures(project: Path) -> None:
    with_gates(project)
    cmd = [sys.executable, "-m", "quality_gates", "--static", "--phase", "requirements"]
    ok = subprocess.run(cmd, cwd=project, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "every check ran and passed. 7 of 7 checks ran" in ok.stdout
    report = json.loads((project / "reports/quality_gates.json").read_text())
    assert list(report) == ["requirements"]
    assert report["requirements"]["status"] == "pass"
    assert report["requirements"]["counts"]["ran"] == 7
    check = report["requirements"]["checks"][0]
    assert set(check) == {"name", "status", "detail", "value", "threshold"}

    (project / "docs/ml-architecture.md").write_text("no diagram here\n" * 30)
    bad = subprocess.run(cmd, cwd=project, capture_output=True, text=True)
    assert bad.returncode == EXIT_FAILED
    assert "FAILED: requirements" in bad.stdout


def test_static_mode_reports_the_rest_as_not_run(project: Path) -> None:
    with_gates(project)
    out = subprocess.run(
        [sys.executable, "-m", "quality_gates", "--static", "--json"],
        cwd=project,
        capture_output=True,
        text=True,
    )
    report = json.loads(out.stdout)
    assert list(report) == list(PHASES)
    for phase, result in report.items():
        assert result["status"] in {"pass", "fail", "incomplete"}, phase
        not_run = [c for c in result["checks"] if c["status"] == "not_run"]
        assert result["counts"]["not_run"] == len(not_run)
        assert all("static mode" in c["detail"] for c in not_run)
        if not_run:
            assert result["status"] != "pass", phase
    # Everything but requirements has checks that need the installed project.
    assert all(report[p]["counts"]["not_run"] for p in PHASES[1:])


def gate_and_doc_tests() -> list[str]:
    """The project's tests of its gates, and any test file that mentions docs/."""
    found = []
    for path in sorted((ROOT / "tests").glob("test_*.py")):
        text = path.read_text(encoding="utf-8")
        if "gate" in path.name or "docs/" in text or '"docs"' in text:
            found.append(f"tests/{path.name}")
    return found


@pytest.mark.slow
def test_a_rewritten_project_breaks_the_gates_not_the_tests(tmp_path: Path) -> None:
    """Deleting or rewriting a generated document is the gate's business: the tests stay green
    and `python -m quality_gates` names what is missing."""
    copy = tmp_path / "project"
    ignore = shutil.ignore_patterns(
        ".venv", ".git", "data", "reports", "mlruns", "mlflow.db", "__pycache__", ".*cache"
    )
    shutil.copytree(ROOT, copy, ignore=ignore)
    # The copy's data steps run on pandas: this test is about documents, and the engines have
    # their own tests (on spark each data step starts jobs that would cost minutes here).
    data_config = copy / "configs/data.yaml"
    data = yaml.safe_load(data_config.read_text(encoding="utf-8"))
    data_config.write_text(yaml.safe_dump({**data, "engine": "pandas"}, sort_keys=False))
    (copy / "docs/project-plan.md").unlink()
    (copy / "docs/ml-requirements.md").write_text("# Our requirements\n\nTo be agreed.\n")
    this = f"tests/{Path(__file__).name}::test_a_rewritten_project_breaks_the_gates_not_the_tests"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--deselect", this,
         *gate_and_doc_tests()],
        cwd=copy, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    gates = subprocess.run(
        [sys.executable, "-m", "quality_gates", "--static", "--phase", "requirements"],
        cwd=copy, capture_output=True, text=True,
    )  # fmt: skip
    assert gates.returncode == EXIT_FAILED
    assert "docs/project-plan.md" in gates.stdout and "missing" in gates.stdout
    assert "## ML metrics" in gates.stdout
