"""The gate framework and the requirements gate, on this project's own documents."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from models.metrics import metrics_for
from quality_gates import PHASES
from quality_gates.core import Context, read_answers, read_config
from quality_gates.runner import run_phase

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the gate inputs, safe to break."""
    for rel in ("pyproject.toml", ".copier-answers.yml", "configs/experiment.yaml"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
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
    text = answers.read_text()
    serving = read_answers(project)["serving"]
    answers.write_text(text.replace(f"serving: {serving}", "serving: something_else"))
    assert failing(requirements(project)) == ["architecture matches answers"]


def test_missing_section_fails(project: Path) -> None:
    doc = project / "docs/ml-requirements.md"
    doc.write_text(doc.read_text().replace("## Operational metrics", "## Other"))
    assert "requirement sections" in failing(requirements(project))


def test_cli_writes_report_and_exit_code_follows_failures(project: Path) -> None:
    # The gate package runs with only the standard library: copy it, and the metric registry it
    # reads, next to the inputs.
    shutil.copytree(ROOT / "quality_gates", project / "quality_gates")
    (project / "models").mkdir()
    for module in ("__init__.py", "metrics.py"):
        shutil.copy(ROOT / "models" / module, project / "models" / module)
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


def stated(doc: str, pattern: str) -> float:
    found = re.search(pattern, doc)
    assert found, f"docs/ml-requirements.md no longer states {pattern!r}"
    return float(found.group(1))


def test_the_requirements_restate_the_gate_thresholds_unchanged() -> None:
    """The requirements restate a few gate thresholds for their readers; pyproject's
    [tool.quality_gates] sets them, so a number edited in one place only fails here, by name."""
    doc = (ROOT / "docs/ml-requirements.md").read_text(encoding="utf-8")
    config = read_config(ROOT)
    pairs = {
        "deployment.p95_ms": (stated(doc, r"latency \(p95 / p99\) \| < ([0-9.]+) ms"), "p95_ms"),
        "data_pipeline.completeness_min": (
            stated(doc, r"Completeness per column \| >= ([0-9.]+) %") / 100,
            "completeness_min",
        ),
        "data_pipeline.schema_compliance_min": (
            stated(doc, r"Schema compliance of accepted rows \| ([0-9.]+) %") / 100,
            "schema_compliance_min",
        ),
    }
    for name, (in_doc, key) in pairs.items():
        phase = name.split(".")[0]
        assert in_doc == pytest.approx(float(config[phase][key])), (
            f"docs/ml-requirements.md states {in_doc} for {name}, pyproject.toml "
            f"[tool.quality_gates.{phase}] {key} is {config[phase][key]}"
        )
