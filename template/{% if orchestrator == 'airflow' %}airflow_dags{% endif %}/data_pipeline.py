"""DAG `data_pipeline`: ingest -> validate -> features, on the schedule of
configs/orchestration.yaml. A successful run publishes the features asset, which starts the
`training` DAG when its schedule is `after_data_pipeline`."""

from __future__ import annotations

from typing import Any

from airflow.sdk import Asset, dag, task

from airflow_dags.common import (
    FEATURES_ASSET,
    dag_options,
    load_config,
    run_pipeline_step,
    schedule,
    step_timeout,
)

CONFIG = load_config()


@dag(
    schedule=schedule(CONFIG, "data_pipeline"),
    doc_md=__doc__,
    **dag_options(CONFIG, "data_pipeline"),
)
def data_pipeline() -> None:
    @task(execution_timeout=step_timeout(CONFIG, "ingest"))
    def ingest() -> dict[str, Any]:
        """Read the source; append rows newer than the watermark to data/raw/."""
        return run_pipeline_step("ingest")

    @task(execution_timeout=step_timeout(CONFIG, "validate"))
    def validate() -> dict[str, Any]:
        """Check raw rows against the data contract; quarantine the failures."""
        return run_pipeline_step("validate")

    @task(execution_timeout=step_timeout(CONFIG, "features"), outlets=[Asset(FEATURES_ASSET)])
    def features() -> dict[str, Any]:
        """Split the validated data into data/features/ and check the feature pipeline."""
        return run_pipeline_step("features")

    ingest() >> validate() >> features()


data_pipeline()
