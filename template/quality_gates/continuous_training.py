"""Gate `continuous_training`: the triggers and promotion are configured, the retraining code
and its orchestrator definition load, the trigger / retraining / rollback tests pass, and the
audit log's chain is intact.

Static checks use only the standard library; the full checks import the project and run tests.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from quality_gates.core import FAIL, PASS, Check, Context, PhaseGate, matching_files, run_tests
from quality_gates.data_pipeline import load_orchestration

PHASE = "continuous_training"
CONFIG = Path("configs/continuous_training.yaml")
TRIGGERS = ("schedule", "performance_drop", "drift", "new_data", "manual")
# The modules whose `run` the continuous-training pipeline calls, in order: monitoring refreshes
# what the triggers read, then the retraining step checks them.
JOB_MODULES = (
    "monitoring.drift_detection.step",
    "monitoring.online_quality",
    "continuous_training.step",
)
# Per orchestrator: the file defining the `continuous_training` pipeline, and where the modules
# it runs are named (Airflow's DAG names them itself; the others run the jobs listed in
# CONTINUOUS_TRAINING_JOBS of <package>/orchestration.py, through `run_continuous_training_job`
# in-process or `python -m <package>.orchestration job` in a Kubeflow container).
SHARED_JOBS = "{package}/orchestration.py"
FLOWS: dict[str, tuple[str, str]] = {
    "airflow": ("airflow_dags/continuous_training.py", "airflow_dags/continuous_training.py"),
    "prefect": ("prefect_flows/flows.py", SHARED_JOBS),
    "dagster": ("dagster_defs/definitions.py", SHARED_JOBS),
    "kubeflow": ("kfp_pipelines/pipelines.py", SHARED_JOBS),
}
CT_PIPELINE = "continuous_training"


def check_config(ctx: Context) -> Check:
    """configs/continuous_training.yaml enables known triggers and sets a promotion margin."""
    name = "continuous training config"
    path = ctx.root / CONFIG
    if not path.is_file():
        return Check(name, FAIL, f"{CONFIG} missing")
    text = path.read_text(encoding="utf-8")
    missing = [t for t in TRIGGERS if not re.search(rf"^  {t}:", text, re.M)]
    margin = re.search(r"^  min_improvement:\s*([0-9.eE+-]+)", text, re.M)
    drop = re.search(r"performance_drop:.*max_drop:\s*([0-9.]+)", text)
    problems = [f"trigger {t} not configured" for t in missing]
    if not margin or float(margin.group(1)) < 0:
        problems.append("promotion.min_improvement missing or negative")
    if not drop or not 0 < float(drop.group(1)) < 1:
        problems.append("triggers.performance_drop.max_drop must be a share between 0 and 1")
    if not re.search(r"^audit_log:\s*\S+", text, re.M):
        problems.append("audit_log missing")
    if problems:
        return Check(name, FAIL, "; ".join(problems))
    return Check(
        name,
        PASS,
        f"{len(TRIGGERS)} triggers, margin {margin.group(1)}, drop {drop.group(1)}",
    )


def check_flow_defined(ctx: Context) -> Check:
    """The orchestrator has a continuous-training pipeline that runs the job modules."""
    name = "orchestrator flow defined"
    orchestrator = ctx.answers.get("orchestrator", "")
    if orchestrator not in FLOWS:
        return Check(name, FAIL, f"no continuous-training flow for orchestrator {orchestrator!r}")
    rel, jobs_rel = FLOWS[orchestrator]
    path = ctx.root / rel
    if not path.is_file():
        return Check(name, FAIL, f"{orchestrator}: {rel} missing")
    text = path.read_text(encoding="utf-8")
    if not re.search(rf"^def {CT_PIPELINE}\(", text, re.M):
        return Check(name, FAIL, f"{orchestrator}: {rel} defines no {CT_PIPELINE} pipeline")
    if jobs_rel == SHARED_JOBS and "CONTINUOUS_TRAINING_JOBS" not in text:
        return Check(name, FAIL, f"{orchestrator}: {rel} does not run CONTINUOUS_TRAINING_JOBS")
    jobs_rel = jobs_rel.format(package=ctx.answers.get("project_slug", "<package>"))
    jobs = ctx.root / jobs_rel
    if not jobs.is_file():
        return Check(name, FAIL, f"{orchestrator}: {jobs_rel} missing")
    text = jobs.read_text(encoding="utf-8")
    missing = [m for m in JOB_MODULES if f'"{m}"' not in text]
    if missing:
        return Check(name, FAIL, f"{orchestrator}: {jobs_rel} does not run: {', '.join(missing)}")
    return Check(name, PASS, f"{orchestrator}: {rel} runs {len(JOB_MODULES)} jobs")


def check_code_loads(ctx: Context) -> Check:
    """The retraining, trigger, rollback and admin-endpoint modules import."""
    name = "retraining pipeline loads"
    modules = [
        "continuous_training.step",
        "continuous_training.retrain",
        "continuous_training.triggers",
        "continuous_training.api",
        "rollback.restore",
        "rollback.kubernetes",
    ]
    code = "import importlib, sys\nfor m in sys.argv[1:]: importlib.import_module(m)"
    done = subprocess.run(
        [sys.executable, "-c", code, *modules], cwd=ctx.root, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    if done.returncode:
        return Check(name, FAIL, (done.stderr.strip().splitlines() or ["import failed"])[-1])
    return Check(name, PASS, f"{len(modules)} modules import")


def check_flow_loads(ctx: Context) -> Check:
    """The orchestrator loads its definitions, the continuous-training pipeline among them,
    without errors (the data_pipeline gate's loader, in a fresh interpreter of the project)."""
    name = "orchestrator flow loads"
    loaded, failure = load_orchestration(ctx)
    if loaded is None:
        return Check(name, FAIL, failure)
    orchestrator = ctx.answers["orchestrator"]
    problems = [f"{k}: {str(v).strip().splitlines()[-1]}" for k, v in loaded["errors"].items()]
    if CT_PIPELINE not in loaded["pipelines"]:
        problems.append(f"pipeline {CT_PIPELINE} not defined")
    pipelines = ", ".join(loaded["pipelines"]) or "none"
    if problems:
        detail = f"{orchestrator}: " + "; ".join(problems) + f" (loaded: {pipelines})"
        return Check(name, FAIL, detail)
    return Check(name, PASS, f"{orchestrator} loads {CT_PIPELINE} (of {pipelines})")


def check_tests(ctx: Context) -> Check:
    """The trigger, retraining and rollback tests pass."""
    name = "triggers, retraining and rollback tested"
    patterns = ctx.setting(PHASE, "tests")
    timeout = int(ctx.setting(PHASE, "tests_timeout_seconds"))
    return run_tests(ctx.root, name, matching_files(ctx.root, patterns), timeout)


def check_audit_log(ctx: Context) -> Check:
    """The audit log exists and each entry links to the entry before it. Every registration
    (`make pipeline`), retraining decision and rollback appends to it, so a project with a model
    and no audit log has lost its record."""
    name = "audit log intact"
    path = ctx.root / "reports/continuous_training/audit.jsonl"
    text = (ctx.root / CONFIG).read_text(encoding="utf-8") if (ctx.root / CONFIG).is_file() else ""
    configured = re.search(r"^audit_log:\s*(\S+)", text, re.M)
    if configured:
        path = ctx.root / configured.group(1)
    if not path.is_file():
        rel = path.relative_to(ctx.root) if path.is_relative_to(ctx.root) else path
        return Check(
            name,
            FAIL,
            f"no audit log at {rel}: `make pipeline` (its register step), `make retrain` and "
            "`make rollback` append to it",
        )
    from continuous_training.audit import verify

    problems = verify(path)
    if problems:
        return Check(name, FAIL, "; ".join(problems[:5]))
    entries = len(path.read_text(encoding="utf-8").splitlines())
    return Check(name, PASS, f"{entries} entries, chain intact")


GATE = PhaseGate(
    static_checks=[check_config, check_flow_defined],
    full_checks=[check_code_loads, check_flow_loads, check_tests, check_audit_log],
)
