"""DAG `training`: train -> evaluate -> explain -> register -> card.

`register` is the pipeline's own register step: it records the model version and promotes it
only when the model_training gate allows, so the gate is never re-implemented here. The DAG runs
after each `data_pipeline` run (schedule `after_data_pipeline` in configs/orchestration.yaml) or
on its own cron schedule."""

from __future__ import annotations

from typing import Any

from airflow.sdk import dag, task

from airflow_dags.common import (
    dag_options,
    load_config,
    run_pipeline_step,
    schedule,
    step_timeout,
)

CONFIG = load_config()


@dag(schedule=schedule(CONFIG, "training"), doc_md=__doc__, **dag_options(CONFIG, "training"))
def training() -> None:
    @task(execution_timeout=step_timeout(CONFIG, "train"))
    def train() -> dict[str, Any]:
        """Cross-validate the baseline, tune each candidate family, fit and track the best."""
        return run_pipeline_step("train")

    @task(execution_timeout=step_timeout(CONFIG, "evaluate"))
    def evaluate() -> dict[str, Any]:
        """Held-out test metrics against the baseline, overall and per slice."""
        return run_pipeline_step("evaluate")

    @task(execution_timeout=step_timeout(CONFIG, "explain"))
    def explain() -> dict[str, Any]:
        """SHAP global importance and local explanations."""
        return run_pipeline_step("explain")

    @task(execution_timeout=step_timeout(CONFIG, "register"))
    def register() -> dict[str, Any]:
        """Register the model version; promote it only when the model_training gate passes."""
        return run_pipeline_step("register")

    @task(execution_timeout=step_timeout(CONFIG, "card"))
    def card() -> dict[str, Any]:
        """Write the model card of the registered version."""
        return run_pipeline_step("card")

    train() >> evaluate() >> explain() >> register() >> card()


training()
