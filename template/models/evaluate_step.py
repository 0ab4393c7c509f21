"""Step `evaluate`: held-out test metrics of the best model against the baseline, and per slice."""

from __future__ import annotations

from typing import Any

import mlflow

from models import data, loading, reports
from models.metrics import compute_metrics, relative_improvement
from models.slices import slice_column, slice_metrics


def run(settings: Any, state: dict[str, Any]) -> dict[str, Any]:
    training = loading.training_report(settings, state)
    model, baseline_model = loading.trained_models(settings, state)
    problem_type, metric = training["problem_type"], training["primary_metric"]
    splits = data.load(settings, state)
    X_test, y_test = splits.xy(splits.test)

    best = compute_metrics(problem_type, model, X_test, y_test)
    base = compute_metrics(problem_type, baseline_model, X_test, y_test)
    improvement = relative_improvement(best[metric], base[metric], metric)
    column = slice_column(settings)
    min_rows = int((settings.experiment.get("evaluation") or {}).get("min_slice_rows", 30))
    slices = (
        slice_metrics(problem_type, model, X_test, y_test, column, min_rows)
        if column and column in X_test.columns
        else []
    )
    report = {
        "run_id": training["run_id"],
        "primary_metric": metric,
        "test_rows": len(splits.test),
        "model": best,
        "baseline": base,
        "relative_improvement": improvement,
        "slice_column": column,
        "slices": slices,
    }
    path = reports.write(settings.reports_dir, reports.EVALUATION, report)

    mlflow.set_tracking_uri(settings.tracking_uri)
    with mlflow.start_run(run_id=training["run_id"]):
        mlflow.log_metrics({f"test_{name}": value for name, value in best.items()})
        mlflow.log_metrics({f"baseline_test_{name}": value for name, value in base.items()})
        mlflow.log_metric(f"test_{metric}_relative_improvement", improvement)
        mlflow.log_artifact(str(path), artifact_path="evaluation")

    state["evaluation"] = report
    return {
        f"test_{metric}": round(best[metric], 4),
        f"baseline_{metric}": round(base[metric], 4),
        "improvement": f"{improvement:+.1%}",
        "slices": len(slices),
    }
