"""A retraining run: the pipeline's own steps fetch the latest data and train; the challenger is
registered without the champion alias, then judged against the champion on the same holdout
(the new test split, which neither model trained on when the split is by time)."""

from __future__ import annotations

from typing import Any

from continuous_training import registry
from continuous_training.decision import Decision, decide
from models import data, reports, tracking
from models.metrics import compute_metrics
from models.register_step import promotion_checks
from quality_gates.core import PASS

# The pipeline up to (not including) `register`: continuous training registers on its own terms.
TRAIN_STEPS = ("ingest", "validate", "features", "train", "evaluate", "explain")


def run_training_steps(settings: Any, state: dict[str, Any]) -> dict[str, Any]:
    from deployment.project import run_step

    return {step: run_step(step, settings, state) for step in TRAIN_STEPS}


def holdout_metrics(settings: Any, state: dict[str, Any], model: Any) -> dict[str, float]:
    splits = data.load(settings, state)
    X, y = splits.xy(splits.test)
    return compute_metrics(settings.experiment["problem_type"], model, X, y)


def judge(settings: Any, state: dict[str, Any], min_improvement: float) -> dict[str, Any]:
    """Register the trained challenger, score it and the champion on the holdout, decide."""
    metric = str(settings.experiment["primary_metric"])
    training = state["training"]
    champion = registry.champion_version(settings)
    challenger = registry.register_challenger(settings, training)
    challenger_metrics = holdout_metrics(settings, state, state["model"])
    champion_metrics = None
    if champion is not None:
        registry.client(settings)  # points MLflow at the project's store for load_model
        champion_model = tracking.load_model(registry.version_uri(settings, champion))
        champion_metrics = holdout_metrics(settings, state, champion_model)
    checks = promotion_checks(settings.root)
    failed = [c["name"] for c in checks if c["status"] != PASS]
    decision: Decision = decide(
        metric,
        challenger_metrics[metric],
        None if champion_metrics is None else champion_metrics[metric],
        min_improvement,
        gates_passed=not failed,
        failed_gates=failed,
    )
    if decision.promote:
        registry.promote(settings, challenger)
    name = tracking.model_name(settings)
    aliases = sorted(registry.client(settings).get_model_version(name, challenger).aliases)
    registration = {
        "model_name": name,
        "version": int(challenger),
        "run_id": training["run_id"],
        "model_uri": registry.version_uri(settings, challenger),
        "aliases": aliases,
        "promoted": decision.promote,
        "checks": checks,
    }
    reports.write(settings.reports_dir, reports.REGISTRATION, registration)
    state["registration"] = registration
    return {
        "champion_version": champion,
        "challenger_version": challenger,
        "holdout_rows": len(data.load(settings, state).test),
        "challenger_metrics": challenger_metrics,
        "champion_metrics": champion_metrics,
        "decision": decision.to_dict(),
    }
