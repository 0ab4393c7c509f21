"""The analysis's numbers and report in MLflow, beside the model runs they judge."""

from __future__ import annotations

from pathlib import Path

import mlflow

from experimentation.analysis import Analysis


def log_analysis(analysis: Analysis, html_path: Path, json_path: Path) -> str:
    """One run named `experiment-<name>` with the decision, metrics and both reports."""
    from deployment.project import Settings
    from models import tracking

    tracking.configure(Settings())
    with mlflow.start_run(run_name=f"experiment-{analysis.experiment}") as run:
        mlflow.set_tags(
            {"kind": "ab_test", "experiment": analysis.experiment, "decision": analysis.decision}
        )
        metrics = {
            "units": analysis.units,
            "days_observed": analysis.days_observed,
            "srm_p_value": analysis.srm["p_value"],
        }
        for row in [*analysis.primary, *analysis.guardrails]:
            key = f"{row['metric']}.{row['treatment']}"
            metrics[f"{key}.relative_lift"] = row["relative_lift"]
            metrics[f"{key}.p_value"] = row["p_value"]
        for post in analysis.posteriors:
            metrics[f"{post['metric']}.{post['treatment']}.prob_better"] = post[
                "prob_treatment_better"
            ]
        mlflow.log_metrics({k: float(v) for k, v in metrics.items() if v == v})  # drop NaN
        mlflow.log_artifact(str(html_path), "experiment")
        mlflow.log_artifact(str(json_path), "experiment")
        return run.info.run_id
