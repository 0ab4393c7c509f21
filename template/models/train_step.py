"""Step `train`: cross-validate the baseline, tune each candidate family, fit the best, track it."""

from __future__ import annotations

import time
from typing import Any

import mlflow
import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from feature_engineering.pipeline import build_feature_pipeline
from models import data, reports, tracking, tuning
from models.candidates import baseline, estimator
from models.metrics import higher_is_better, is_better


def pick_best(results: list[tuning.SearchResult], metric: str) -> tuning.SearchResult:
    """The family with the best mean cross-validated score (ties go to the earlier family)."""
    best = results[0]
    for result in results[1:]:
        if is_better(result.cv_mean, best.cv_mean, metric):
            best = result
    return best


def search_rows(
    X: pd.DataFrame, y: pd.Series, exp: dict[str, Any]
) -> tuple[pd.DataFrame, pd.Series]:
    """The rows cross-validation and the search use: all, or a seeded sample of `max_rows`."""
    limit = int(exp["search"].get("max_rows") or len(X))
    if len(X) <= limit:
        return X, y
    sample = X.sample(n=limit, random_state=int(exp["seed"])).index
    return X.loc[sample], y.loc[sample]


def fit_rows(X: pd.DataFrame, y: pd.Series, exp: dict[str, Any]) -> tuple[pd.DataFrame, pd.Series]:
    """The rows the final fit uses: all, or a seeded sample of `fit.max_rows`, stratified by
    the target for classification (every class keeps its share)."""
    limit = (exp.get("fit") or {}).get("max_rows")
    if limit is None or len(X) <= int(limit):
        return X, y
    stratify = None if exp["problem_type"] == "regression" else y
    X_fit, _, y_fit, _ = train_test_split(
        X, y, train_size=int(limit), random_state=int(exp["seed"]), stratify=stratify
    )
    return X_fit.sort_index(), y_fit.sort_index()


def search_all(settings: Any, splits: data.Splits) -> list[tuning.SearchResult]:
    """The baseline's fold scores followed by each candidate family's search result."""
    exp = settings.experiment
    problem_type, metric, seed = exp["problem_type"], exp["primary_metric"], int(exp["seed"])
    X, y = search_rows(*splits.xy(splits.development), exp)
    prepared = tuning.prepare_folds(
        settings.data, X, y, problem_type=problem_type, n_splits=int(exp["cv"]["folds"]), seed=seed
    )
    workers = int(exp["cv"].get("workers", 1))
    results = [
        tuning.baseline_result(
            baseline(problem_type),
            prepared,
            problem_type=problem_type,
            metric=metric,
            workers=workers,
        )
    ]
    for family, family_config in exp["candidates"].items():
        results.append(
            tuning.search(
                family,
                prepared,
                family_config=family_config or {},
                problem_type=problem_type,
                metric=metric,
                n_trials=int(exp["search"]["n_trials"]),
                timeout=float(exp["search"]["timeout_seconds"]),
                seed=seed,
                workers=workers,
            )
        )
    return results


def fit_on_shared_features(
    data_config: dict[str, Any], estimators: list[Any], X: pd.DataFrame, y: pd.Series
) -> list[Pipeline]:
    """`features -> estimator` pipelines, each the same as `model_pipeline(...).fit(X, y)`.

    The feature pipeline is fitted and applied once and shared, instead of once per estimator:
    on a million rows that saves a full pass of the per-entity aggregates and encoders.
    """
    features = build_feature_pipeline(data_config)
    matrix = features.fit_transform(X, y)
    return [Pipeline([("features", features), ("model", e.fit(matrix, y))]) for e in estimators]


def stability(result: tuning.SearchResult, base: tuning.SearchResult, metric: str) -> float:
    """The spread of the fold scores that the model_training gate bounds.

    For bounded scores (roc_auc, f1_macro) it is their standard deviation. An error such as rmse
    is in the target's units, and some folds are harder than others for every model: there it is
    the standard deviation of the fold's error as a share of the baseline's error on that fold.
    """
    if higher_is_better(metric):
        return result.cv_std
    return float(np.std(np.asarray(result.cv_scores) / np.asarray(base.cv_scores)))


def _log_family(result: tuning.SearchResult, metric: str) -> None:
    with mlflow.start_run(run_name=result.family, nested=True):
        mlflow.set_tag("family", result.family)
        mlflow.log_params(result.params)
        mlflow.log_metrics({f"cv_{metric}_mean": result.cv_mean, f"cv_{metric}_std": result.cv_std})
        for fold, value in enumerate(result.cv_scores):
            mlflow.log_metric(f"cv_{metric}", value, step=fold)
        mlflow.log_metrics({"n_trials": result.n_trials, "search_seconds": result.seconds})


def _log_run(
    settings: Any,
    base: tuning.SearchResult,
    candidates: list[tuning.SearchResult],
    best: tuning.SearchResult,
) -> None:
    """Tags, parameters and cross-validation metrics of the active run (one child per family)."""
    exp = settings.experiment
    metric = exp["primary_metric"]
    mlflow.log_params(
        {
            "seed": exp["seed"],
            "primary_metric": metric,
            "cv_folds": exp["cv"]["folds"],
            "rows_searched_max": exp["search"].get("max_rows"),
            "n_trials": exp["search"]["n_trials"],
            "timeout_seconds": exp["search"]["timeout_seconds"],
            "best_family": best.family,
            **{f"best_{name}": value for name, value in best.params.items()},
        }
    )
    for result in (base, *candidates):
        mlflow.log_metrics(
            {
                f"cv_{metric}_mean_{result.family}": result.cv_mean,
                f"cv_{metric}_std_{result.family}": result.cv_std,
            }
        )
        _log_family(result, metric)
    mlflow.log_metrics(
        {
            f"cv_{metric}_mean": best.cv_mean,
            f"cv_{metric}_std": best.cv_std,
            "cv_stability": stability(best, base, metric),
        }
    )


def run(settings: Any, state: dict[str, Any]) -> dict[str, Any]:
    started = time.perf_counter()
    exp = settings.experiment
    problem_type, metric, seed = exp["problem_type"], exp["primary_metric"], int(exp["seed"])
    splits = data.load(settings, state)
    dataset_hash = data.dataset_hash(settings, state)
    X, y = fit_rows(*splits.xy(splits.development), exp)
    with threadpool_limits(limits=int(exp.get("threads", 1))):
        base, *candidates = search_all(settings, splits)
        best = pick_best(candidates, metric)
        final = estimator(best.family, problem_type, best.params, seed)
        model, baseline_model = fit_on_shared_features(
            settings.data, [final, baseline(problem_type)], X, y
        )

    experiment_id = tracking.configure(settings)
    commit = tracking.git_commit(settings.root)
    with mlflow.start_run(run_name=f"train-{best.family}") as active:
        run_id = active.info.run_id
        mlflow.set_tags(
            {
                "step": "train",
                "problem_type": problem_type,
                "dataset_hash": dataset_hash,
                "git_commit": commit or "unavailable",
                "best_family": best.family,
            }
        )
        mlflow.log_params(
            {
                "dataset_hash": dataset_hash,
                **{f"rows_{name}": count for name, count in splits.rows().items()},
                "fit_max_rows": (exp.get("fit") or {}).get("max_rows"),
            }
        )
        mlflow.log_metrics(
            {"rows_fit": len(X), "fit_sampled": int(len(X) < len(splits.development))}
        )
        _log_run(settings, base, candidates, best)
        model_uri, serialization = tracking.log_model(model, "model", X.head(5))
        baseline_uri, _ = tracking.log_model(baseline_model, "baseline", X.head(5))
        mlflow.set_tag("serialization_format", serialization)
        report = {
            "run_id": run_id,
            "experiment_id": experiment_id,
            "tracking_uri": settings.tracking_uri,
            "model_uri": model_uri,
            "baseline_uri": baseline_uri,
            "serialization_format": serialization,
            "problem_type": problem_type,
            "primary_metric": metric,
            "seed": seed,
            "dataset_hash": dataset_hash,
            "git_commit": commit,
            "rows": splits.rows(),
            "rows_searched": len(search_rows(X, y, exp)[0]),
            "rows_fit": len(X),
            "best_family": best.family,
            "best_params": best.params,
            "cv": {
                r.family: {
                    "mean": r.cv_mean,
                    "std": r.cv_std,
                    "stability": stability(r, base, metric),
                    "scores": r.cv_scores,
                }
                for r in (base, *candidates)
            },
        }
        results = reports.write(
            settings.root / "experiments" / "results",
            f"{run_id}.json",
            {**report, "searches": [r.to_dict() for r in (base, *candidates)]},
        )
        mlflow.log_artifact(str(results), artifact_path="experiments")
    reports.write(settings.reports_dir, reports.TRAINING, report)

    state.update(model=model, baseline_model=baseline_model, training=report)
    return {
        "run_id": run_id,
        "best": best.family,
        f"cv_{metric}": round(best.cv_mean, 4),
        "cv_std": round(best.cv_std, 4),
        "cv_stability": round(stability(best, base, metric), 4),
        f"baseline_cv_{metric}": round(base.cv_mean, 4),
        "trials": sum(r.n_trials for r in candidates),
        "seconds": round(time.perf_counter() - started, 1),
    }
