"""SHAP values for the model stage of a fitted `features -> model` pipeline."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import shap
from scipy import sparse


@dataclass
class Explanation:
    """SHAP values `values[row, feature]` on the model's output scale, and each row's base value.

    For multiclass both are of the class the model predicts for the row; `per_class` keeps the
    values of every class (`[row, feature, class]`) for the global importance.
    """

    features: list[str]
    values: np.ndarray
    base_values: np.ndarray
    per_class: np.ndarray | None = None

    def global_importance(self) -> pd.Series:
        """Mean absolute SHAP value per feature (over rows, and over classes for multiclass)."""
        magnitude = self.per_class if self.per_class is not None else self.values
        axes = (0, 2) if magnitude.ndim == 3 else 0
        mean_abs = np.abs(magnitude).mean(axis=axes)
        return pd.Series(mean_abs, index=self.features).sort_values(ascending=False)


def transformed(pipeline: Any, X: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """The model's input matrix for X and its feature names."""
    features = pipeline.named_steps["features"]
    matrix = features.transform(X)
    matrix = matrix.toarray() if sparse.issparse(matrix) else np.asarray(matrix, dtype=float)
    return matrix, [str(name) for name in features.get_feature_names_out()]


def explain(pipeline: Any, X: pd.DataFrame, background: pd.DataFrame) -> Explanation:
    """SHAP values: TreeExplainer for tree models, LinearExplainer for linear ones."""
    model = pipeline.named_steps["model"]
    matrix, names = transformed(pipeline, X)
    if hasattr(model, "booster_"):
        explainer = shap.TreeExplainer(model)
    else:
        reference, _ = transformed(pipeline, background)
        explainer = shap.LinearExplainer(model, reference)
    raw = explainer.shap_values(matrix)
    values = np.stack(raw, axis=-1) if isinstance(raw, list) else np.asarray(raw)
    expected = np.atleast_1d(np.asarray(explainer.expected_value, dtype=float))
    if values.ndim == 3:
        # Multiclass: explain the predicted class of each row; keep all classes for importance.
        predicted = np.argmax(model.predict_proba(matrix), axis=1)
        rows = np.arange(len(values))
        return Explanation(names, values[rows, :, predicted], expected[predicted], values)
    return Explanation(names, values, np.full(len(values), expected[-1]))


def local_explanations(
    explanation: Explanation,
    X: pd.DataFrame,
    predictions: np.ndarray,
    ids: pd.Series | None,
    rows: int,
    top: int,
) -> list[dict[str, Any]]:
    """For the first `rows` rows: the prediction and the features that pushed it most.

    `ids` (aligned with `X`) names each row: the id is a key, not a model input, so it is not in
    `X`; without it a row is named by its index."""
    out = []
    for i in range(min(rows, len(X))):
        order = np.argsort(-np.abs(explanation.values[i]))[:top]
        entity = ids.iloc[i] if ids is not None else X.index[i]
        out.append(
            {
                "id": entity.item() if hasattr(entity, "item") else entity,
                "prediction": predictions[i].item()
                if hasattr(predictions[i], "item")
                else predictions[i],
                "base_value": float(explanation.base_values[i]),
                "contributions": [
                    {"feature": explanation.features[j], "shap": float(explanation.values[i, j])}
                    for j in order
                ],
            }
        )
    return out
