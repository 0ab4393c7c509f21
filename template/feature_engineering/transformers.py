"""Transformers of the feature pipeline that scikit-learn does not ship.

Both are plain module-level classes holding only numpy arrays and scalars once fitted, so the
fitted pipeline pickles (cloudpickle, joblib) and is saved with the model.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted


def _frame(X: Any, columns: list[str]) -> pd.DataFrame:
    if isinstance(X, pd.DataFrame):
        return X
    return pd.DataFrame(np.asarray(X, dtype=object).reshape(len(X), -1), columns=columns)


class DateParts(TransformerMixin, BaseEstimator):
    """Calendar parts of one timestamp column: month, day of week, hour, weekend, day of year.

    Timestamps that cannot be read get the parts of the median training timestamp.
    """

    PARTS = ("month", "day_of_week", "hour", "is_weekend", "day_of_year")

    def fit(self, X: Any, y: Any = None) -> DateParts:
        ts = self._timestamps(X)
        self.feature_names_in_ = np.asarray([str(c) for c in _frame(X, ["timestamp"]).columns])
        self.n_features_in_ = 1
        valid = ts.dropna().sort_values()
        median = valid.iloc[len(valid) // 2] if len(valid) else pd.Timestamp(0)
        # Kept as an int (nanoseconds since 1970), so skops can store the fitted transformer.
        self.fill_ = int(median.value)
        return self

    def transform(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "fill_")
        ts = self._timestamps(X).fillna(pd.Timestamp(self.fill_))
        dt = ts.dt
        return np.column_stack(
            [
                dt.month,
                dt.dayofweek,
                dt.hour,
                (dt.dayofweek >= 5).astype(int),
                dt.dayofyear,
            ]
        ).astype("float64")

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self, "fill_")
        name = self.feature_names_in_[0] if input_features is None else str(input_features[0])
        return np.asarray([f"{name}_{part}" for part in self.PARTS], dtype=object)

    @staticmethod
    def _timestamps(X: Any) -> pd.Series:
        frame = _frame(X, ["timestamp"])
        if frame.shape[1] != 1:
            raise ValueError(f"DateParts takes one timestamp column, got {frame.shape[1]}")
        values = frame.iloc[:, 0]
        ts = pd.to_datetime(values, errors="coerce", utc=True, format="ISO8601")
        return ts.dt.tz_convert(None).reset_index(drop=True)


class EntityAggregates(TransformerMixin, BaseEstimator):
    """Per-entity statistics learnt at fit: the entity's row count and the mean of each value
    column. The first input column is the entity key, the rest are numeric value columns.

    Entities unseen at fit (and entities without a value) get the overall mean and count 0.
    """

    def fit(self, X: Any, y: Any = None) -> EntityAggregates:
        frame = _frame(X, self._default_names(X))
        self.feature_names_in_ = np.asarray([str(c) for c in frame.columns], dtype=object)
        self.n_features_in_ = frame.shape[1]
        if frame.shape[1] < 1:
            raise ValueError("EntityAggregates needs the entity column first")
        keys = frame.iloc[:, 0].astype(str)
        values = frame.iloc[:, 1:].apply(pd.to_numeric, errors="coerce").astype("float64")
        grouped = values.groupby(keys.to_numpy(), sort=True)
        self.entities_ = np.asarray(grouped.size().index, dtype=str)
        self.counts_ = grouped.size().to_numpy(dtype="float64")
        self.means_ = grouped.mean().to_numpy(dtype="float64").reshape(len(self.entities_), -1)
        self.global_means_ = values.mean().to_numpy(dtype="float64")
        self.global_means_ = np.where(np.isnan(self.global_means_), 0.0, self.global_means_)
        return self

    def transform(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "entities_")
        frame = _frame(X, list(self.feature_names_in_))
        keys = frame.iloc[:, 0].astype(str).to_numpy()
        position = pd.Index(self.entities_).get_indexer(keys)
        known = position >= 0
        counts = np.where(known, self.counts_[position], 0.0)
        means = np.tile(self.global_means_, (len(keys), 1))
        means[known] = self.means_[position[known]]
        means = np.where(np.isnan(means), self.global_means_, means)
        return np.column_stack([counts, means])

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self, "entities_")
        names = list(self.feature_names_in_ if input_features is None else input_features)
        entity = names[0]
        return np.asarray(
            [f"{entity}_rows"] + [f"{entity}_mean_{n}" for n in names[1:]], dtype=object
        )

    @staticmethod
    def _default_names(X: Any) -> list[str]:
        width = np.shape(X)[1] if np.ndim(X) == 2 else 1
        return ["entity"] + [f"value_{i}" for i in range(width - 1)]
