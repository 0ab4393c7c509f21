"""Gate `continuous_training`: the triggers and promotion are configured, the retraining code
and its orchestrator definition load, the trigger / retraining / rollback tests pass, and the
audit log's chain is intact.

Static checks use only the standard library; the full checks import the project and run tests.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from quality_gates.core import FAIL, PASS, Check, Context, PhaseGate, matching_files, run_tests

PHASE = "continuous_training"
CONFIG = Path("configs/continuous_training.yaml")
TRIGGERS = ("schedule", "performance_drop", "drift", "new_data", "manual")
FLOWS = {"airflow": Path("airflow_dags/continuous_training.py")}
DEFAULT_TESTS = ("tests/test_continuous_training*.py", "tests/test_rollback*.py")
# Parse the DAG folder as Airflow's DAG processor does, in a fresh interpreter.
PARSE_DAGS = """
import json, sys
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder=sys.argv[1])
errors = {k: str(v) for k, v in bag.import_errors.items()}
print(json.dumps({"dags": sorted(bag.dag_ids), "errors": errors}))
"""


def _config(ctx: Context) -> dict:
    return ctx.phase_config(PHASE)


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
    """The orchestrator has a continuous-training flow that calls the step functions."""
    name = "orchestrator flow defined"
    orchestrator = ctx.answers.get("orchestrator", "")
    rel = FLOWS.get(orchestrator)
    if rel is None:
        return Check(name, FAIL, f"no continuous-training flow for orchestrator {orchestrator!r}")
    path = ctx.root / rel
    if not path.is_file():
        return Check(name, FAIL, f"{rel} missing")
    text = path.read_text(encoding="utf-8")
    calls = [m for m in ("continuous_training.step", "monitoring.drift_detection.step")
             if m not in text]  # fmt: skip
    if calls:
        return Check(name, FAIL, f"{rel} does not run: {', '.join(calls)}")
    return Check(name, PASS, f"{rel}")


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
    """The orchestrator loads the continuous-training flow without import errors."""
    name = "orchestrator flow loads"
    if ctx.answers.get("orchestrator") != "airflow":
        return Check(name, FAIL, f"no loader for orchestrator {ctx.answers.get('orchestrator')!r}")
    with tempfile.TemporaryDirectory() as home:
        env = {
            **os.environ,
            "AIRFLOW_HOME": home,
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(ctx.root / "airflow_dags"),
        }
        done = subprocess.run(
            [sys.executable, "-c", PARSE_DAGS, str(ctx.root / "airflow_dags")],
            cwd=ctx.root, env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
    if done.returncode:
        return Check(name, FAIL, (done.stderr.strip().splitlines() or ["DagBag failed"])[-1])
    parsed = json.loads(done.stdout.strip().splitlines()[-1])
    if parsed["errors"]:
        return Check(name, FAIL, "; ".join(f"{k}: {v}" for k, v in parsed["errors"].items()))
    if "continuous_training" not in parsed["dags"]:
        return Check(name, FAIL, f"DAG continuous_training not found in {parsed['dags']}")
    return Check(name, PASS, f"DAGs {', '.join(parsed['dags'])}")


def check_tests(ctx: Context) -> Check:
    """The trigger, retraining and rollback tests pass."""
    name = "triggers, retraining and rollback tested"
    patterns = _config(ctx).get("tests", list(DEFAULT_TESTS))
    timeout = int(_config(ctx).get("tests_timeout_seconds", 900))
    return run_tests(ctx.root, name, matching_files(ctx.root, patterns), timeout)


def check_audit_log(ctx: Context) -> Check:
    """Each entry of the audit log (when there is one) links to the entry before it."""
    name = "audit log intact"
    path = ctx.root / "reports/continuous_training/audit.jsonl"
    text = (ctx.root / CONFIG).read_text(encoding="utf-8") if (ctx.root / CONFIG).is_file() else ""
    configured = re.search(r"^audit_log:\s*(\S+)", text, re.M)
    if configured:
        path = ctx.root / configured.group(1)
    if not path.is_file():
        return Check(name, PASS, "no decision logged yet")
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
