"""Step `explain`: SHAP global importance (PNG) and local explanations, saved and logged."""

from __future__ import annotations

from typing import Any

import mlflow

from data_ingestion import contract
from interpretability.explain import explain, local_explanations
from interpretability.plots import importance_plot
from models import data, loading, reports

SUMMARY_PLOT = "interpretability/shap_summary.png"


def run(settings: Any, state: dict[str, Any]) -> dict[str, Any]:
    config = settings.experiment.get("interpretability") or {}
    seed = int(settings.experiment["seed"])
    training = loading.training_report(settings, state)
    model, _ = loading.trained_models(settings, state)
    splits = data.load(settings, state)
    X_test, _ = splits.xy(splits.test)
    X_dev, _ = splits.xy(splits.development)
    sample = X_test.sample(
        n=min(int(config.get("sample_rows", 500)), len(X_test)), random_state=seed
    )
    background = X_dev.sample(n=min(200, len(X_dev)), random_state=seed)

    explanation = explain(model, sample, background)
    importance = explanation.global_importance()
    top = int(config.get("top_features", 15))
    plot = importance_plot(
        importance,
        settings.reports_dir / SUMMARY_PLOT,
        f"SHAP global importance ({training['best_family']}, {len(sample)} test rows)",
        top,
    )
    local = local_explanations(
        explanation,
        sample,
        model.predict(sample),
        splits.test.loc[sample.index, contract.row_id_column(settings.data)],
        int(config.get("local_rows", 5)),
        top=5,
    )
    report = {
        "run_id": training["run_id"],
        "rows_explained": len(sample),
        "summary_plot": SUMMARY_PLOT,
        "global_importance": {name: float(value) for name, value in importance.items()},
        "local": local,
    }
    path = reports.write(settings.reports_dir, reports.INTERPRETABILITY, report)

    mlflow.set_tracking_uri(settings.tracking_uri)
    with mlflow.start_run(run_id=training["run_id"]):
        mlflow.log_artifact(str(plot), artifact_path="interpretability")
        mlflow.log_artifact(str(path), artifact_path="interpretability")

    state["interpretability"] = report
    return {
        "rows_explained": len(sample),
        "top_feature": importance.index[0],
        "plot": SUMMARY_PLOT,
    }
