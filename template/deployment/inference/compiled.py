"""A fitted scikit-learn pipeline compiled into plain numpy operations: the API's hot path.

A fitted `Pipeline([features, model])` spends most of a one-row prediction in scikit-learn's
per-call checks (input validation, column selection, config copies), not in arithmetic. Here each
fitted step is read once and turned into a numpy function over column arrays. Steps of unknown
types are not guessed at: `compile_model` raises `NotCompilable` and the predictor keeps the
scikit-learn path. The predictor also checks, at load, that both paths agree on sample rows.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import is_classifier
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, OrdinalEncoder, StandardScaler

from feature_engineering.transformers import DateParts, EntityAggregates

Columns = Mapping[str, np.ndarray]
Step = Callable[[np.ndarray], np.ndarray]
_NONE, _NAN = object(), object()


class NotCompilableError(Exception):
    """The pipeline holds a step this module does not translate; use scikit-learn instead."""


@dataclass(frozen=True)
class CompiledModel:
    features: Callable[[Columns], np.ndarray]
    scores: Step  # class probabilities (n, k) for classifiers, predictions (n,) for regressors
    classes: np.ndarray | None


def compile_model(model: Any) -> CompiledModel:
    """Translate a fitted Pipeline whose first transform is a ColumnTransformer."""
    steps = _flatten(model)
    if len(steps) < 2 or not isinstance(steps[0], ColumnTransformer):
        raise NotCompilableError("expected Pipeline([ColumnTransformer, ..., estimator])")
    columns = _column_transformer(steps[0])
    rest = [_array_step(step) for step in steps[1:-1]]
    estimator = steps[-1]

    def features(cols: Columns) -> np.ndarray:
        X = columns(cols)
        for step in rest:
            X = step(X)
        return X

    classes = np.asarray(estimator.classes_) if is_classifier(estimator) else None
    return CompiledModel(features, _estimator(estimator), classes)


def known_entities(model: Any, limit: int = 16) -> list[str]:
    """A few entity keys the model has aggregates for (to check the compiled path on them)."""
    for step in _flatten(model):
        if isinstance(step, ColumnTransformer):
            for _, transformer, _ in step.transformers_:
                for inner in _flatten(transformer) if not isinstance(transformer, str) else []:
                    if isinstance(inner, EntityAggregates):
                        return [str(k) for k in inner.entities_[:limit].tolist()]
    return []


def _flatten(step: Any) -> list[Any]:
    if isinstance(step, Pipeline):
        out: list[Any] = []
        for _, inner in step.steps:
            if inner is not None and inner != "passthrough":
                out.extend(_flatten(inner))
        return out
    return [step]


def _array_step(step: Any) -> Step:
    steps = _flatten(step)
    if len(steps) != 1:
        funcs = [_array_step(s) for s in steps]

        def chained(X: np.ndarray) -> np.ndarray:
            for func in funcs:
                X = func(X)
            return X

        return chained
    compiler = _COMPILERS.get(type(steps[0]))
    if compiler is None:
        raise NotCompilableError(f"no numpy translation for {type(steps[0]).__name__}")
    return compiler(steps[0])


def _column_transformer(ct: ColumnTransformer) -> Callable[[Columns], np.ndarray]:
    if getattr(ct, "sparse_output_", False):
        raise NotCompilableError("sparse ColumnTransformer output")
    names_in = [str(c) for c in getattr(ct, "feature_names_in_", [])]
    parts: list[tuple[list[str], Step | None]] = []
    for _, transformer, cols in ct.transformers_:
        selected = [names_in[c] if isinstance(c, int | np.integer) else str(c) for c in cols]
        if isinstance(transformer, str) and transformer == "drop" or not selected:
            continue
        if isinstance(transformer, str) and transformer == "passthrough":
            parts.append((selected, None))
        else:
            parts.append((selected, _array_step(transformer)))

    def run(columns: Columns) -> np.ndarray:
        outs = []
        for names, step in parts:
            X = _gather(columns, names)
            outs.append(X.astype("float64") if step is None else step(X))
        return outs[0] if len(outs) == 1 else np.concatenate(outs, axis=1)

    return run


def _gather(columns: Columns, names: list[str]) -> np.ndarray:
    arrays = [columns[name] for name in names]
    if len(arrays) == 1:
        return arrays[0].reshape(-1, 1)
    numeric = all(a.dtype.kind == "f" for a in arrays)
    out = np.empty((len(arrays[0]), len(arrays)), dtype="float64" if numeric else object)
    for j, array in enumerate(arrays):
        out[:, j] = array
    return out


def _key(value: Any) -> Any:
    if value is None:
        return _NONE
    if isinstance(value, float) and math.isnan(value):
        return _NAN
    return value


def _simple_imputer(t: SimpleImputer) -> Step:
    if not (isinstance(t.missing_values, float) and math.isnan(t.missing_values)):
        raise NotCompilableError("SimpleImputer with a missing_values other than NaN")
    try:
        stats = np.asarray(t.statistics_, dtype="float64")
    except (TypeError, ValueError) as exc:
        raise NotCompilableError("SimpleImputer with non-numeric statistics") from exc
    keep = np.ones(len(stats), bool) if t.keep_empty_features else ~np.isnan(stats)
    indicator = t.indicator_.features_ if t.add_indicator else None

    def run(X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype="float64")
        missing = np.isnan(X)
        out = np.where(missing, stats, X)[:, keep]
        if indicator is not None:
            out = np.concatenate([out, missing[:, indicator].astype("float64")], axis=1)
        return out

    return run


def _standard_scaler(t: StandardScaler) -> Step:
    mean = t.mean_ if t.with_mean else None
    scale = t.scale_ if t.with_std else None

    def run(X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype="float64")
        if mean is not None:
            X = X - mean
        if scale is not None:
            X = X / scale
        return X

    return run


def _function_transformer(t: FunctionTransformer) -> Step:
    if t.validate:
        raise NotCompilableError("FunctionTransformer(validate=True)")
    func, kwargs = t.func, dict(t.kw_args or {})
    if func is None:
        return lambda X: X
    return lambda X: np.asarray(func(X, **kwargs))


def _category_maps(categories: list[np.ndarray]) -> list[dict[Any, int]]:
    return [{_key(c): i for i, c in enumerate(cats.tolist())} for cats in categories]


def _ordinal_encoder(t: OrdinalEncoder) -> Step:
    if getattr(t, "_infrequent_enabled", False) or t.handle_unknown != "use_encoded_value":
        raise NotCompilableError("OrdinalEncoder without use_encoded_value, or infrequent")
    maps = _category_maps(t.categories_)
    unknown, encoded_missing = float(t.unknown_value), float(t.encoded_missing_value)
    missing_codes = [encoded_missing if (_NONE in m or _NAN in m) else unknown for m in maps]

    def run(X: np.ndarray) -> np.ndarray:
        out = np.empty(X.shape, dtype="float64")
        for j, mapping in enumerate(maps):
            for i, value in enumerate(X[:, j].tolist()):
                key = _key(value)
                if key is _NONE or key is _NAN:
                    out[i, j] = missing_codes[j]
                else:
                    out[i, j] = mapping.get(key, unknown)
        return out

    return run


def _one_hot_encoder(t: OneHotEncoder) -> Step:
    if t.sparse_output or t.drop_idx_ is not None or getattr(t, "_infrequent_enabled", False):
        raise NotCompilableError("OneHotEncoder with sparse output, drop or infrequent")
    if t.handle_unknown not in ("ignore", "infrequent_if_exist"):
        raise NotCompilableError("OneHotEncoder(handle_unknown='error')")
    maps = _category_maps(t.categories_)
    offsets = np.cumsum([0] + [len(m) for m in maps])

    def run(X: np.ndarray) -> np.ndarray:
        n = X.shape[0]
        out = np.zeros((n, int(offsets[-1])), dtype="float64")
        for j, mapping in enumerate(maps):
            for i, value in enumerate(X[:, j].tolist()):
                position = mapping.get(_key(value))
                if position is not None:
                    out[i, offsets[j] + position] = 1.0
        return out

    return run


def _date_parts(t: DateParts) -> Step:
    fill = np.datetime64(pd.Timestamp(t.fill_).tz_localize(None), "ns")

    def run(X: np.ndarray) -> np.ndarray:
        values = X[:, 0]
        if values.dtype.kind != "M":
            parsed = pd.to_datetime(values, errors="coerce", utc=True, format="ISO8601")
            values = parsed.tz_convert(None).to_numpy(dtype="datetime64[ns]")
        ts = np.where(np.isnat(values), fill, values).astype("datetime64[ns]")
        days = ts.astype("datetime64[D]")
        month = ts.astype("datetime64[M]").astype("int64") % 12 + 1
        weekday = (days.astype("int64") + 3) % 7  # 1970-01-01 was a Thursday; Monday is 0
        hour = ts.astype("datetime64[h]").astype("int64") % 24
        year_start = ts.astype("datetime64[Y]").astype("datetime64[D]")
        day_of_year = (days - year_start).astype("int64") + 1
        parts = [month, weekday, hour, (weekday >= 5).astype("int64"), day_of_year]
        return np.stack(parts, axis=1).astype("float64")

    return run


def _entity_aggregates(t: EntityAggregates) -> Step:
    index = {key: i for i, key in enumerate(t.entities_.tolist())}
    counts, means, global_means = t.counts_, t.means_, t.global_means_

    def run(X: np.ndarray) -> np.ndarray:
        keys = X[:, 0].tolist()
        position = np.fromiter((index.get(str(k), -1) for k in keys), "int64", len(keys))
        known = position >= 0
        out_counts = np.where(known, counts[position], 0.0)
        out_means = np.tile(global_means, (len(keys), 1))
        out_means[known] = means[position[known]]
        out_means = np.where(np.isnan(out_means), global_means, out_means)
        return np.concatenate([out_counts[:, None], out_means], axis=1)

    return run


_COMPILERS: dict[type, Callable[[Any], Step]] = {
    SimpleImputer: _simple_imputer,
    StandardScaler: _standard_scaler,
    FunctionTransformer: _function_transformer,
    OrdinalEncoder: _ordinal_encoder,
    OneHotEncoder: _one_hot_encoder,
    DateParts: _date_parts,
    EntityAggregates: _entity_aggregates,
}


def _estimator(est: Any) -> Step:
    """Probabilities or predictions without scikit-learn's per-call checks where possible."""
    classifier = is_classifier(est)
    booster = getattr(est, "booster_", None)
    if booster is not None and type(est).__module__.startswith("lightgbm"):
        return _lightgbm(booster, classifier)
    if type(est) is LogisticRegression:
        return _logistic(est)
    if type(est) in (Ridge, LinearRegression):
        coef, intercept = np.asarray(est.coef_), est.intercept_
        return lambda X: (X @ coef.T + intercept).reshape(len(X), -1)[:, 0]
    if classifier:
        return est.predict_proba
    return est.predict


def _lightgbm(booster: Any, classifier: bool) -> Step:
    # One thread per prediction: the server runs one process per core already.
    def run(X: np.ndarray) -> np.ndarray:
        out = np.asarray(booster.predict(X, num_threads=1))
        if classifier and out.ndim == 1:
            return np.stack([1.0 - out, out], axis=1)
        return out

    return run


def _logistic(est: LogisticRegression) -> Step:
    coef, intercept = np.asarray(est.coef_), np.asarray(est.intercept_)

    def run(X: np.ndarray) -> np.ndarray:
        decision = X @ coef.T + intercept
        if decision.shape[1] == 1:
            p = 1.0 / (1.0 + np.exp(-decision[:, 0]))
            return np.stack([1.0 - p, p], axis=1)
        decision = decision - decision.max(axis=1, keepdims=True)
        exp = np.exp(decision)
        return exp / exp.sum(axis=1, keepdims=True)

    return run
