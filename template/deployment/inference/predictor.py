"""Predictions from column arrays: the compiled numpy path when it agrees with scikit-learn on
sample rows, otherwise the fitted pipeline itself. The API and the batch job both use this."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from deployment.inference.compiled import (
    CompiledModel,
    NotCompilableError,
    compile_model,
    known_entities,
)
from deployment.inference.model import ModelInfo
from deployment.inference.schema import InputSchema

log = logging.getLogger(__name__)
VERIFY_ROWS = 64


@dataclass(frozen=True)
class Predictions:
    """One entry per row. `probability`: of the positive class (binary) or of the predicted
    class (multiclass); `probabilities`: every class (multiclass); both None for regression."""

    labels: list[Any]
    probability: list[float] | None = None
    probabilities: list[dict[str, float]] | None = None

    def row(self, i: int) -> dict[str, Any]:
        out: dict[str, Any] = {"prediction": self.labels[i]}
        if self.probability is not None:
            out["probability"] = self.probability[i]
        if self.probabilities is not None:
            out["probabilities"] = self.probabilities[i]
        return out


class Predictor:
    def __init__(self, model: Any, info: ModelInfo, schema: InputSchema) -> None:
        self.model, self.info, self.schema = model, info, schema
        last = model.steps[-1][1] if hasattr(model, "steps") else model
        classes = getattr(last, "classes_", None)
        self.classes = None if classes is None else np.asarray(classes)
        self._order = [str(c) for c in getattr(model, "feature_names_in_", schema.names)]
        self.fast: CompiledModel | None = None
        self.fast_reason = ""
        try:
            compiled = compile_model(model)
            self.fast_reason = self._verify(compiled)
            self.fast = compiled if not self.fast_reason else None
        except NotCompilableError as exc:
            self.fast_reason = str(exc)
        if self.fast is None:
            log.warning("serving through scikit-learn (slower): %s", self.fast_reason)

    @property
    def kind(self) -> str:
        if self.classes is None:
            return "regression"
        return "binary" if len(self.classes) == 2 else "multiclass"

    def predict_columns(self, columns: dict[str, np.ndarray]) -> Predictions:
        return self._format(self.scores(columns))

    def predict_frame(self, frame: pd.DataFrame) -> Predictions:
        """Rows accepted by `InputSchema.validate_frame`."""
        return self.predict_columns(self.schema.columns_from_frame(frame))

    def scores(self, columns: dict[str, np.ndarray], fast: bool | None = None) -> np.ndarray:
        """Class probabilities (n, k) or predictions (n,)."""
        compiled = self.fast if fast is None else (self.fast if fast else None)
        if compiled is not None:
            return compiled.scores(compiled.features(columns))
        frame = pd.DataFrame(columns)[self._order]
        if self.classes is not None:
            return np.asarray(self.model.predict_proba(frame))
        return np.asarray(self.model.predict(frame))

    def _format(self, scores: np.ndarray) -> Predictions:
        if self.classes is None:
            return Predictions([float(v) for v in scores.tolist()])
        best = scores.argmax(axis=1)
        labels = self.classes[best].tolist()
        if len(self.classes) == 2:
            return Predictions(labels, scores[:, 1].tolist())
        names = [str(c) for c in self.classes.tolist()]
        probabilities = [dict(zip(names, row, strict=True)) for row in scores.tolist()]
        return Predictions(labels, scores[np.arange(len(best)), best].tolist(), probabilities)

    def _verify(self, compiled: CompiledModel) -> str:
        """'' when the compiled path matches scikit-learn on sample rows, else the reason."""
        rows = self.schema.examples(VERIFY_ROWS, seed=7, nulls=True)
        entities = known_entities(self.model)
        if self.schema.entity_column and entities:
            for i, row in enumerate(rows[: VERIFY_ROWS // 2]):
                row[self.schema.entity_column] = entities[i % len(entities)]
        model = self.schema.row_model
        values = [self.schema.row_values(model.model_validate(row)) for row in rows]
        columns = self.schema.columns_from_rows(values)
        try:
            fast = compiled.scores(compiled.features(columns))
        except Exception as exc:  # a translation that cannot run is a translation not to use
            return f"compiled path failed on sample rows: {type(exc).__name__}: {exc}"
        slow = self.scores(columns, fast=False)
        if fast.shape != slow.shape or not np.allclose(fast, slow, rtol=1e-6, atol=1e-9):
            return "compiled path disagrees with scikit-learn on sample rows"
        return ""
