"""k-fold cross-validation and the Optuna search of one candidate family."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import optuna
import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import KFold, StratifiedKFold

from feature_engineering.pipeline import build_feature_pipeline
from models.candidates import estimator, suggest
from models.metrics import higher_is_better, score


@dataclass
class SearchResult:
    """The outcome of one family's search: its best parameters and their fold scores."""

    family: str
    params: dict[str, Any]
    cv_scores: list[float]
    n_trials: int = 0
    seconds: float = 0.0
    trials: list[dict[str, Any]] = field(default_factory=list)

    @property
    def cv_mean(self) -> float:
        return float(np.mean(self.cv_scores))

    @property
    def cv_std(self) -> float:
        return float(np.std(self.cv_scores))

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "cv_mean": self.cv_mean, "cv_std": self.cv_std}


@dataclass
class Fold:
    """One cross-validation fold with its features already built (fit on the fold's fit rows)."""

    X_fit: Any
    y_fit: pd.Series
    X_score: Any
    y_score: pd.Series


def splitter(problem_type: str, n_splits: int, seed: int) -> KFold | StratifiedKFold:
    if problem_type == "regression":
        return KFold(n_splits=n_splits, shuffle=True, random_state=seed)
    return StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)


def prepare_folds(
    data_config: dict[str, Any],
    X: pd.DataFrame,
    y: pd.Series,
    *,
    problem_type: str,
    n_splits: int,
    seed: int,
) -> list[Fold]:
    """Build each fold's features once; every trial of every family reuses them.

    The feature pipeline is fit on the fold's fit rows only, exactly as inside one pipeline, so
    no statistic of a held-out fold leaks into its features.
    """
    prepared = []
    for fit_idx, score_idx in splitter(problem_type, n_splits, seed).split(X, y):
        features = build_feature_pipeline(data_config)
        X_fit = features.fit_transform(X.iloc[fit_idx], y.iloc[fit_idx])
        prepared.append(
            Fold(X_fit, y.iloc[fit_idx], features.transform(X.iloc[score_idx]), y.iloc[score_idx])
        )
    return prepared


def cross_val_scores(
    model: Any, prepared: list[Fold], problem_type: str, metric: str, workers: int = 1
) -> list[float]:
    """The metric of `model` (refit per fold) on each held-out fold.

    With `workers` > 1 that many folds are fitted at once, in threads: LightGBM and numpy
    release the GIL while they compute, each fit stays single-threaded (no OpenMP
    oversubscription), and every fold's score is the same as when fitted alone.
    """

    def fold_score(fold: Fold) -> float:
        fitted = clone(model).fit(fold.X_fit, fold.y_fit)
        return score(problem_type, metric, fitted, fold.X_score, fold.y_score)

    if workers <= 1 or len(prepared) < 2:
        return [fold_score(fold) for fold in prepared]
    with ThreadPoolExecutor(max_workers=min(workers, len(prepared))) as pool:
        return list(pool.map(fold_score, prepared))


def search(
    family: str,
    prepared: list[Fold],
    *,
    family_config: dict[str, Any],
    problem_type: str,
    metric: str,
    n_trials: int,
    timeout: float,
    seed: int,
    workers: int = 1,
) -> SearchResult:
    """Tune `family` with Optuna (TPE, seeded) on the mean cross-validated `metric`."""
    fixed = dict(family_config.get("params") or {})
    space = family_config.get("search_space") or {}
    fold_scores: dict[int, list[float]] = {}

    def objective(trial: optuna.Trial) -> float:
        params = {**fixed, **suggest(trial, space)}
        model = estimator(family, problem_type, params, seed)
        fold_scores[trial.number] = cross_val_scores(model, prepared, problem_type, metric, workers)
        return float(np.mean(fold_scores[trial.number]))

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    direction = "maximize" if higher_is_better(metric) else "minimize"
    study = optuna.create_study(direction=direction, sampler=optuna.samplers.TPESampler(seed=seed))
    started = time.perf_counter()
    study.optimize(objective, n_trials=n_trials, timeout=timeout)
    best = study.best_trial
    return SearchResult(
        family=family,
        params={**fixed, **best.params},
        cv_scores=fold_scores[best.number],
        n_trials=len(study.trials),
        seconds=round(time.perf_counter() - started, 2),
        trials=[
            {"number": t.number, "value": t.value, "params": t.params}
            for t in study.trials
            if t.state == optuna.trial.TrialState.COMPLETE
        ],
    )


def baseline_result(
    model: Any, prepared: list[Fold], *, problem_type: str, metric: str, workers: int = 1
) -> SearchResult:
    """The baseline's fold scores, on the same folds as the candidates."""
    started = time.perf_counter()
    scores = cross_val_scores(model, prepared, problem_type, metric, workers)
    return SearchResult("baseline", {}, scores, seconds=round(time.perf_counter() - started, 2))
