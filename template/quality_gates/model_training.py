"""Gate `model_training`: the tuned model beats its baseline on the primary metric, its
cross-validation is stable, it is explained, tracked in MLflow, and documented by a model card.

The static check needs only the standard library. The full checks read what `make pipeline`
leaves under reports/ and query the tracking store; `models.register_step` runs the
PROMOTION_CHECKS in-process before it gives a version the `champion` alias.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from models.metrics import MetricError, higher_is_better, metric_for, relative_improvement
from models.metrics import metrics_for as registry_metrics
from quality_gates.core import FAIL, NOT_RUN, PASS, Check, Context, PhaseGate

PHASE = "model_training"
RUN_PIPELINE = "run `make pipeline`"


def _threshold(ctx: Context, key: str) -> float:
    return float(ctx.setting(PHASE, key))


def _report(ctx: Context, name: str) -> dict[str, Any] | None:
    path = ctx.root / "reports" / name
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def _missing(name: str, what: str) -> Check:
    """The check could not run: no model has been trained yet (a phase with it is incomplete)."""
    return Check(name, NOT_RUN, f"no model yet: {what} not found: {RUN_PIPELINE}")


def check_experiment_config(ctx: Context) -> Check:
    """configs/experiment.yaml exists and selects on a primary metric that fits the problem."""
    name = "experiment config"
    path = ctx.root / "configs/experiment.yaml"
    if not path.is_file():
        return Check(name, FAIL, "configs/experiment.yaml missing")
    text = path.read_text(encoding="utf-8")
    missing = [
        k
        for k in ("primary_metric", "seed", "cv", "search", "candidates", "registry")
        if not re.search(rf"^{k}:", text, re.M)
    ]
    if missing:
        return Check(name, FAIL, "missing top-level keys: " + ", ".join(missing))
    metric = re.search(r"^primary_metric:\s*(\S+)", text, re.M)
    problem = ctx.answers.get("problem_type", "")
    try:
        found = metric.group(1) if metric else "none"
        metric_for(problem, found, "configs/experiment.yaml: primary_metric")
    except MetricError as exc:
        return Check(name, FAIL, str(exc))
    section = re.split(r"\n(?=[a-z])", text.split("\ncandidates:", 1)[1])[0]
    families = re.findall(r"^  ([a-z_]+):\s*$", section, re.M)
    return Check(name, PASS, f"primary {metric.group(1)}; candidates {', '.join(families)}")


def check_beats_baseline(ctx: Context) -> Check:
    """The best model's test primary metric beats the baseline's by more than the threshold."""
    name = "beats baseline"
    evaluation = _report(ctx, "evaluation.json")
    training = _report(ctx, "training.json")
    if evaluation is None or training is None:
        return _missing(name, "reports/evaluation.json")
    if evaluation["run_id"] != training["run_id"]:
        return Check(name, FAIL, f"the evaluation is of another run than training: {RUN_PIPELINE}")
    metric = evaluation["primary_metric"]
    model, base = evaluation["model"][metric], evaluation["baseline"][metric]
    improvement = relative_improvement(model, base, metric)
    threshold = _threshold(ctx, "min_relative_improvement")
    return Check(
        name,
        PASS if improvement > threshold else FAIL,
        f"test {metric} {model:.4f} vs baseline {base:.4f}: {improvement:+.1%} (needs > "
        f"{threshold:.0%}, min_relative_improvement)",
        round(improvement, 4),
        threshold,
    )


def check_cv_stability(ctx: Context) -> Check:
    """The best family's cross-validation scores vary little from fold to fold.

    Bounded scores (roc_auc, f1_macro): their standard deviation. Errors (rmse): the standard
    deviation of each fold's error as a share of the baseline's error on the same fold, so the
    threshold does not depend on the target's units.
    """
    name = "cv stability"
    training = _report(ctx, "training.json")
    if training is None:
        return _missing(name, "reports/training.json")
    best = training["best_family"]
    cv = training["cv"][best]
    metric = training["primary_metric"]
    spread = float(cv["stability"])
    threshold = _threshold(ctx, "max_cv_std")
    what = f"std of {metric}" if higher_is_better(metric) else f"std of {metric} / baseline"
    return Check(
        name,
        PASS if spread < threshold else FAIL,
        f"{best}: {what} over {len(cv['scores'])} folds (needs < {threshold}, max_cv_std)",
        round(spread, 4),
        threshold,
    )


def check_metric_targets(ctx: Context) -> Check:
    """Each test metric with a target in the metric registry (the targets docs/ml-requirements.md
    states) reaches it."""
    name = "metric targets"
    evaluation = _report(ctx, "evaluation.json")
    if evaluation is None:
        return _missing(name, "reports/evaluation.json")
    problem = ctx.answers.get("problem_type", "")
    targeted = {n: m for n, m in registry_metrics(problem).items() if m.target is not None}
    if not targeted:
        return Check(name, PASS, f"no targets stated for {problem} (models/metrics.py)")
    measured = evaluation["model"]
    missed = [
        f"{n} {measured.get(n, float('nan')):.4f} (needs {m.target_text})"
        for n, m in targeted.items()
        if n not in measured or not m.meets_target(float(measured[n]))
    ]
    stated = ", ".join(f"{n} {m.target_text}" for n, m in targeted.items())
    if missed:
        return Check(name, FAIL, "test metrics below target: " + "; ".join(missed))
    return Check(name, PASS, f"test metrics reach {stated}")


def check_explainability(ctx: Context) -> Check:
    """The SHAP summary plot and local explanations exist for the trained run."""
    name = "explainability artifacts"
    explanations = _report(ctx, "interpretability/explanations.json")
    training = _report(ctx, "training.json")
    if explanations is None or training is None:
        return _missing(name, "reports/interpretability/explanations.json")
    plot = ctx.root / "reports" / explanations["summary_plot"]
    if not plot.is_file() or plot.stat().st_size == 0:
        return Check(name, FAIL, f"reports/{explanations['summary_plot']} missing or empty")
    if explanations["run_id"] != training["run_id"]:
        return Check(name, FAIL, f"explanations are of another run than training: {RUN_PIPELINE}")
    if not explanations["local"] or not explanations["global_importance"]:
        return Check(name, FAIL, "no local explanations or no global importance")
    return Check(
        name,
        PASS,
        f"SHAP plot ({plot.stat().st_size} bytes), {len(explanations['global_importance'])} "
        f"features ranked, {len(explanations['local'])} rows explained",
    )


def _tracking_uri(ctx: Context, training: dict[str, Any]) -> str:
    default = training.get("tracking_uri") or f"sqlite:///{ctx.root / 'mlflow.db'}"
    return os.environ.get("MLFLOW_TRACKING_URI", default)


def check_tracked_in_mlflow(ctx: Context) -> Check:
    """The training run is in the tracking store, finished, with provenance, metrics and model."""
    name = "run tracked in MLflow"
    training = _report(ctx, "training.json")
    if training is None:
        return _missing(name, "reports/training.json")
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException
    from mlflow.models import get_model_info

    uri = _tracking_uri(ctx, training)
    try:
        run = MlflowClient(tracking_uri=uri).get_run(training["run_id"])
    except MlflowException as exc:
        return Check(name, FAIL, f"run {training['run_id']} not in {uri}: {exc.message}")
    metric = training["primary_metric"]
    problems = []
    if run.info.status != "FINISHED":
        problems.append(f"status {run.info.status}")
    for tag in ("dataset_hash", "git_commit"):
        if tag not in run.data.tags:
            problems.append(f"tag {tag} missing")
    for key in (f"cv_{metric}_mean", f"cv_{metric}_std", f"test_{metric}"):
        if key not in run.data.metrics:
            problems.append(f"metric {key} missing")
    if not run.data.params:
        problems.append("no parameters logged")
    import mlflow

    mlflow.set_tracking_uri(uri)
    try:
        get_model_info(training["model_uri"])
    except (MlflowException, OSError) as exc:
        problems.append(f"model {training['model_uri']} not found: {exc}")
    if problems:
        return Check(name, FAIL, "; ".join(problems))
    return Check(
        name,
        PASS,
        f"run {training['run_id'][:8]}: {len(run.data.params)} params, "
        f"{len(run.data.metrics)} metrics, dataset {run.data.tags['dataset_hash'][:12]}, "
        f"commit {run.data.tags['git_commit'][:10]}",
    )


def check_model_card(ctx: Context) -> Check:
    """A Markdown and an HTML card exist for the registered version."""
    name = "model card"
    registration = _report(ctx, "registration.json")
    if registration is None:
        return _missing(name, "reports/registration.json")
    training = _report(ctx, "training.json")
    if training is not None and registration["run_id"] != training["run_id"]:
        return Check(name, FAIL, f"the registered version is of another run: {RUN_PIPELINE}")
    stem = f"{registration['model_name']}-v{registration['version']}"
    paths = [Path("model_cards/cards") / f"{stem}.{ext}" for ext in ("md", "html")]
    missing = [str(p) for p in paths if not (ctx.root / p).is_file()]
    if missing:
        return Check(name, FAIL, f"no card for the registered version: {', '.join(missing)}")
    return Check(name, PASS, f"{paths[0]} and .html for version {registration['version']}")


# What `register` needs before it sets `champion` (the card is written after registration).
PROMOTION_CHECKS = [
    check_beats_baseline,
    check_cv_stability,
    check_explainability,
    check_tracked_in_mlflow,
]

GATE = PhaseGate(
    static_checks=[check_experiment_config],
    full_checks=[*PROMOTION_CHECKS, check_metric_targets, check_model_card],
)
