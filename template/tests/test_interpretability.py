"""SHAP explanations: they add up to the model's output, and the step leaves its artifacts."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import Trained
from mlflow import MlflowClient

from interpretability.explain import explain, local_explanations, transformed
from models import data
from models.candidates import estimator, model_pipeline


@pytest.mark.parametrize("family", ["linear", "lightgbm"])
def test_shap_values_add_up_to_the_model_output(trained: Trained, family: str) -> None:
    settings = trained.settings
    problem = settings.experiment["problem_type"]
    splits = data.load(settings, trained.state)
    X, y = splits.xy(splits.development)
    params = {"n_estimators": 30, "n_jobs": 1} if family == "lightgbm" else {}
    model = model_pipeline(settings.data, estimator(family, problem, params, seed=0)).fit(X, y)
    rows = splits.xy(splits.test)[0].head(40)

    explanation = explain(model, rows, X.head(100))
    matrix, names = transformed(model, rows)
    final = model.named_steps["model"]
    if family == "lightgbm":
        raw = final.predict(matrix, raw_score=True)
    else:
        raw = final.predict(matrix) if problem == "regression" else final.decision_function(matrix)
    assert explanation.values.shape == (40, len(names))
    if explanation.per_class is not None:
        predicted = np.argmax(raw, axis=1)
        raw = raw[np.arange(len(raw)), predicted]
    np.testing.assert_allclose(
        explanation.values.sum(axis=1) + explanation.base_values, raw, atol=1e-4
    )

    importance = explanation.global_importance()
    assert list(importance.index) != [] and set(importance.index) == set(names)
    assert importance.is_monotonic_decreasing


def test_local_explanations_rank_features_by_impact(trained: Trained) -> None:
    splits = data.load(trained.settings, trained.state)
    X, _ = splits.xy(splits.development)
    rows = splits.xy(splits.test)[0].head(10)
    model = trained.state["model"]
    explanation = explain(model, rows, X.head(100))
    ids = splits.test[trained.settings.data["id_column"]].head(10)
    local = local_explanations(explanation, rows, model.predict(rows), ids, rows=4, top=3)
    assert [entry["id"] for entry in local] == ids.head(4).tolist()
    for entry in local:
        impacts = [abs(c["shap"]) for c in entry["contributions"]]
        assert len(impacts) == 3 and impacts == sorted(impacts, reverse=True)


def test_explain_step_saves_and_logs_its_artifacts(trained: Trained) -> None:
    reports = trained.settings.reports_dir / "interpretability"
    plot = reports / "shap_summary.png"
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    explanations = json.loads((reports / "explanations.json").read_text())
    assert explanations["rows_explained"] == 150
    assert len(explanations["local"]) == 3
    values = list(explanations["global_importance"].values())
    assert values == sorted(values, reverse=True) and values[0] > 0

    run_id = trained.state["training"]["run_id"]
    logged = {a.path for a in MlflowClient().list_artifacts(run_id, "interpretability")}
    assert logged == {"interpretability/shap_summary.png", "interpretability/explanations.json"}
