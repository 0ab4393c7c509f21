"""DAG `continuous_training`: drift -> online quality -> retrain (when a trigger fires).

`drift` and `quality` refresh what the triggers read (python -m monitoring drift | quality);
`retrain` is continuous_training.step.run: it checks the triggers (schedule, performance drop,
drift, new data, manual requests), and when one fires retrains with the pipeline's own steps,
judges the challenger against the champion on the same holdout, promotes only a better model
that passes the model_training gate, and appends the decision to the audit log. The schedule
is `check_schedule` of configs/continuous_training.yaml."""

from __future__ import annotations

from typing import Any

import yaml
from airflow.sdk import dag, task

from airflow_dags.common import dag_options, load_config, project_root, schedule, step_timeout

CONFIG = load_config()
ROOT = project_root()
CT_CONFIG = yaml.safe_load((ROOT / "configs/continuous_training.yaml").read_text()) or {}
# The orchestration defaults (retries, timeouts) with this DAG's own schedule and limits.
PIPELINE = {"schedule": CT_CONFIG.get("check_schedule"), "catchup": False,
            "max_active_runs": 1, "timeout_minutes": 480}  # fmt: skip
MERGED = {**CONFIG, "pipelines": {**CONFIG["pipelines"], "continuous_training": PIPELINE}}
OPTIONS = dag_options(MERGED, "continuous_training")


def run_job(module: str, function: str = "run") -> dict[str, Any]:
    """Run a monitoring or continuous-training step function on the project, as the CLIs do."""
    import importlib
    import json

    from deployment.project import Settings

    fn = getattr(importlib.import_module(module), function)
    summary = fn(Settings(root=project_root()), {})
    return json.loads(json.dumps(summary, default=str))


@dag(schedule=schedule(MERGED, "continuous_training"), doc_md=__doc__, **OPTIONS)
def continuous_training() -> None:
    @task(execution_timeout=step_timeout(CONFIG, "drift"))
    def drift() -> dict[str, Any]:
        """Compare the prediction log with the training reference; publish drift scores."""
        return run_job("monitoring.drift_detection.step")

    @task(execution_timeout=step_timeout(CONFIG, "quality"))
    def quality() -> dict[str, Any]:
        """Join the prediction log with arrived labels: online metrics per model version."""
        return run_job("monitoring.online_quality")

    @task(execution_timeout=step_timeout(CONFIG, "train"))
    def retrain() -> dict[str, Any]:
        """Retrain when a trigger fires; promote only a better challenger; audit the decision."""
        return run_job("continuous_training.step")

    drift() >> quality() >> retrain()


continuous_training()
