"""Everything a card shows, gathered from the run in MLflow and the reports of the pipeline."""

from __future__ import annotations

import datetime as dt
from typing import Any

from mlflow import MlflowClient

from models import reports
from models.metrics import higher_is_better, relative_improvement


def weak_slices(evaluation: dict[str, Any], tolerance: float = 0.10) -> list[str]:
    """Slices whose primary metric is worse than the whole test set by more than `tolerance`."""
    metric = evaluation["primary_metric"]
    overall = evaluation["model"][metric]
    weak = []
    for row in evaluation["slices"]:
        value = row["metrics"].get(metric)
        if value is None:
            continue
        if relative_improvement(value, overall, metric) < -tolerance:
            weak.append(
                f"{metric} is {value:.3f} on {row['column']}={row['value']} "
                f"({row['rows']} rows) against {overall:.3f} overall"
            )
    return weak


def card_context(settings: Any, client: MlflowClient) -> dict[str, Any]:
    registration = reports.read(settings.reports_dir, reports.REGISTRATION, "register")
    training = reports.read(settings.reports_dir, reports.TRAINING, "train")
    evaluation = reports.read(settings.reports_dir, reports.EVALUATION, "evaluate")
    explanations = reports.read(settings.reports_dir, reports.INTERPRETABILITY, "explain")
    run = client.get_run(registration["run_id"])
    metric = training["primary_metric"]
    card = settings.experiment.get("card") or {}
    data_config = settings.data
    metrics = [
        {
            "name": name,
            "model": value,
            "baseline": evaluation["baseline"][name],
            "improvement": relative_improvement(value, evaluation["baseline"][name], name),
            "direction": "higher is better" if higher_is_better(name) else "lower is better",
            "primary": name == metric,
        }
        for name, value in evaluation["model"].items()
    ]
    importance = list(explanations["global_importance"].items())[:10]
    return {
        "model_name": registration["model_name"],
        "version": registration["version"],
        "aliases": registration["aliases"],
        "promoted": registration["promoted"],
        "checks": registration["checks"],
        "run_id": run.info.run_id,
        "trained_at": dt.datetime.fromtimestamp(run.info.start_time / 1000, tz=dt.UTC).strftime(
            "%Y-%m-%d %H:%M UTC"
        ),
        "git_commit": run.data.tags.get("git_commit", "unavailable"),
        "problem_type": training["problem_type"],
        "primary_metric": metric,
        "intended_use": card.get("intended_use", ""),
        "owner": card.get("owner", ""),
        "contact": card.get("contact", ""),
        "best_family": training["best_family"],
        "best_params": training["best_params"],
        "best_params_text": ", ".join(
            f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
            for k, v in training["best_params"].items()
        ),
        "seed": training["seed"],
        "data": {
            "source": data_config.get("source", "see configs/data.yaml"),
            "target": data_config.get("target"),
            "id_column": data_config.get("id_column") or "none (a content hash of each row)",
            "timestamp_column": data_config.get("timestamp_column") or "none",
            "features": data_config.get("features") or {},
            "dataset_hash": run.data.tags.get("dataset_hash", training["dataset_hash"]),
            "rows": training["rows"],
        },
        "metrics": metrics,
        "cv": [
            {
                "family": family,
                "mean": cv["mean"],
                "std": cv["std"],
                "stability": cv["stability"],
                "folds": len(cv["scores"]),
                "best": family == training["best_family"],
            }
            for family, cv in training["cv"].items()
        ],
        "slice_column": evaluation["slice_column"],
        "slices": evaluation["slices"],
        "importance": importance,
        "local": explanations["local"],
        "limitations": [*card.get("limitations", []), *weak_slices(evaluation)],
    }
