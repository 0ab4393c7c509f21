"""Gate `requirements`: the phase-1 documents exist, name metrics that fit the problem type, and
the architecture diagram shows the stack that was chosen."""

from __future__ import annotations

import re

from models.metrics import REGISTRY, MetricError, metric_for, metrics_for
from quality_gates.core import FAIL, PASS, Check, Context, PhaseGate

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
    for rel in ctx.setting("requirements", "documents"):
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


# A row of the ML metrics table: | `name` | role | why | target |
METRIC_ROW = re.compile(r"^\|\s*`([a-z0-9_]+)`\s*\|[^|]*\|[^|]*\|\s*([^|]*?)\s*\|", re.M)


def _configured_primary(ctx: Context) -> str | None:
    path = ctx.root / "configs/experiment.yaml"
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    found = re.search(r"^primary_metric:\s*([a-z0-9_]+)", text, re.M)
    return found.group(1) if found else None


def check_metrics_fit_problem(ctx: Context) -> Check:
    """The ML metrics of docs/ml-requirements.md are the metric registry's (models/metrics.py):
    each one computed for the problem type, each target the one the model_training gate enforces,
    and the primary metric the one configs/experiment.yaml selects on."""
    name = "metrics fit problem type"
    problem = ctx.answers.get("problem_type", "")
    try:
        registry = metrics_for(problem)
    except MetricError as exc:
        return Check(name, FAIL, str(exc))
    path = ctx.root / "docs/ml-requirements.md"
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    section = _section(text, "## ML metrics")
    rows = dict(METRIC_ROW.findall(section))
    if not rows:
        return Check(name, FAIL, "docs/ml-requirements.md: no ML metric in the metrics table")
    # Metrics named in the prose count too: the registry's metrics of other problem types.
    mentioned = set(re.findall(r"`([a-z0-9_]+)`", section)) & set(REGISTRY)
    problems = []
    for metric in sorted(mentioned - set(rows)):
        try:
            metric_for(problem, metric, "docs/ml-requirements.md")
        except MetricError as exc:
            problems.append(str(exc))
    for metric, target in rows.items():
        try:
            expected = metric_for(problem, metric, "docs/ml-requirements.md").target_text
        except MetricError as exc:
            problems.append(str(exc))
            continue
        if target != expected:
            problems.append(
                f"docs/ml-requirements.md: `{metric}` target {target!r} is not the one the "
                f"model_training gate enforces ({expected!r}); set targets in models/metrics.py"
            )
    unstated = [m for m, spec in registry.items() if spec.target is not None and m not in rows]
    if unstated:
        problems.append(f"targets of {', '.join(unstated)} (models/metrics.py) not stated")
    primary = re.search(r"[Pp]rimary metric[^`]*`([a-z0-9_]+)`", section)
    configured = _configured_primary(ctx)
    if not primary or primary.group(1) not in registry:
        problems.append(f"no primary metric that fits {problem}")
    elif configured != primary.group(1):
        problems.append(
            f"primary metric `{primary.group(1)}` is not configs/experiment.yaml's "
            f"primary_metric ({configured})"
        )
    if problems:
        return Check(name, FAIL, "; ".join(problems))
    return Check(name, PASS, f"primary {primary.group(1)}; {len(rows)} metrics fit {problem}")


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
