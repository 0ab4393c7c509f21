"""Gate `requirements`: the phase-1 documents exist, name metrics that fit the problem type, and
the architecture diagram shows the stack that was chosen."""

from __future__ import annotations

import re

from quality_gates.core import FAIL, PASS, Check, Context, PhaseGate

# ML metrics that fit each problem type; the requirements name them in backticks.
METRICS = {
    "binary_classification": {
        "roc_auc",
        "pr_auc",
        "f1",
        "precision",
        "recall",
        "accuracy",
        "log_loss",
        "brier",
    },
    "multiclass_classification": {
        "f1_macro",
        "f1_weighted",
        "accuracy",
        "balanced_accuracy",
        "log_loss",
        "roc_auc_ovr",
    },
    "regression": {"rmse", "mae", "r2", "mape", "median_ae"},
}
ALL_METRICS = set().union(*METRICS.values())
REQUIRED_SECTIONS = (
    "## ML metrics",
    "## Business metrics",
    "## Operational metrics",
    "## Data-quality metrics",
)
STACK_QUESTIONS = (
    "data_source",
    "processing_engine",
    "feature_store",
    "experiment_tracking",
    "serving",
    "deployment_mode",
    "orchestrator",
    "cloud",
)


def _section(text: str, heading: str) -> str:
    start = text.find(heading)
    if start < 0:
        return ""
    rest = text[start + len(heading) :]
    end = rest.find("\n## ")
    return rest if end < 0 else rest[:end]


def check_documents(ctx: Context) -> list[Check]:
    checks = []
    for rel in ctx.phase_config("requirements").get("documents", []):
        path = ctx.root / rel
        size = path.stat().st_size if path.is_file() else 0
        ok = size > 200
        checks.append(
            Check(
                f"document {rel}",
                PASS if ok else FAIL,
                f"{size} bytes" if path.is_file() else "missing",
            )
        )
    return checks


def check_requirement_sections(ctx: Context) -> Check:
    path = ctx.root / "docs/ml-requirements.md"
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    missing = [s for s in REQUIRED_SECTIONS if s not in text]
    if missing:
        return Check("requirement sections", FAIL, "missing: " + ", ".join(missing))
    return Check("requirement sections", PASS, "ML, business, operational, data-quality")


def check_metrics_fit_problem(ctx: Context) -> Check:
    problem = ctx.answers.get("problem_type", "")
    allowed = METRICS.get(problem)
    if allowed is None:
        return Check("metrics fit problem type", FAIL, f"unknown problem_type {problem!r}")
    path = ctx.root / "docs/ml-requirements.md"
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    section = _section(text, "## ML metrics")
    named = set(re.findall(r"`([a-z0-9_]+)`", section)) & ALL_METRICS
    primary = re.search(r"[Pp]rimary metric[^`]*`([a-z0-9_]+)`", section)
    wrong = sorted(named - allowed)
    if not named:
        return Check("metrics fit problem type", FAIL, "no ML metric named")
    if wrong:
        return Check("metrics fit problem type", FAIL, f"{', '.join(wrong)} do not fit {problem}")
    if not primary or primary.group(1) not in allowed:
        return Check("metrics fit problem type", FAIL, "no primary metric that fits " + problem)
    return Check(
        "metrics fit problem type",
        PASS,
        f"primary {primary.group(1)}; {len(named)} metrics fit {problem}",
    )


def _kserve(ctx: Context) -> bool:
    return ctx.answers.get("serving") == "kserve"


def check_architecture_matches_answers(ctx: Context) -> Check:
    path = ctx.root / "docs/ml-architecture.md"
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    block = re.search(r"```mermaid\n(.*?)```", text, re.S)
    if not block:
        return Check("architecture matches answers", FAIL, "no Mermaid diagram")
    diagram = block.group(1)
    problems = []
    for question in STACK_QUESTIONS:
        answer = ctx.answers.get(question)
        if answer is None and question == "deployment_mode" and _kserve(ctx):
            # Not asked for KServe (real-time serving only), so Copier did not record it.
            answer = "realtime"
        if answer is None:
            problems.append(f"{question} not in .copier-answers.yml")
            continue
        shown = set(re.findall(rf"\b{question}__([a-z0-9_]+)", diagram))
        if answer == "none":
            if shown:
                problems.append(f"{question}: diagram shows {sorted(shown)}, answer is none")
        elif shown != {answer}:
            problems.append(
                f"{question}: diagram shows {sorted(shown) or 'nothing'}, answer is {answer}"
            )
    if problems:
        return Check("architecture matches answers", FAIL, "; ".join(problems))
    return Check(
        "architecture matches answers",
        PASS,
        f"{len(STACK_QUESTIONS)} stack answers shown in the diagram",
    )


GATE = PhaseGate(
    static_checks=[
        check_documents,
        check_requirement_sections,
        check_metrics_fit_problem,
        check_architecture_matches_answers,
    ]
)
