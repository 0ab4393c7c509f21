"""Shared by the orchestration tests: a small copy of the project for the orchestrator to run,
and the gates' orchestration checks on a folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from quality_gates.continuous_training import check_flow_loads
from quality_gates.core import Check, Context, read_answers, read_config
from quality_gates.data_pipeline import check_orchestration_loads

ROOT = Path(__file__).resolve().parents[1]
SMALL_ROWS = 800


def small_project(root: Path) -> Path:
    """A copy of the project's configs at `root`: small data, one candidate family, a short
    search and no retries. The orchestrators run the real steps on it; model quality is tested
    by the model tests."""
    shutil.copytree(ROOT / "configs", root / "configs")
    for rel in ("pyproject.toml", ".copier-answers.yml"):
        shutil.copy(ROOT / rel, root / rel)
    configs = {
        name: yaml.safe_load((root / "configs" / name).read_text(encoding="utf-8"))
        for name in ("data.yaml", "experiment.yaml", "orchestration.yaml")
    }
    configs["data.yaml"]["source"].update(rows=SMALL_ROWS, faults={})
    if configs["data.yaml"]["source"]["type"] == "postgres":
        # The orchestrators run the steps on the sample: the PostgreSQL source has its own tests
        # against a real server (tests/test_data_postgres.py), and no server runs here.
        configs["data.yaml"]["source"]["type"] = "sample"
    experiment = configs["experiment.yaml"]
    first = next(iter(experiment["candidates"]))
    experiment["candidates"] = {first: experiment["candidates"][first]}
    experiment["cv"]["folds"] = 2
    experiment["search"].update(n_trials=2, timeout_seconds=600)
    experiment["interpretability"].update(sample_rows=80, local_rows=2, top_features=5)
    configs["orchestration.yaml"]["tasks"]["retries"] = 0
    for name, config in configs.items():
        (root / "configs" / name).write_text(yaml.safe_dump(config, sort_keys=False))
    return root


def orchestration_gate(root: Path) -> Check:
    """The data_pipeline gate's check that the orchestrator loads the definitions under `root`."""
    ctx = Context(root=root, config=read_config(ROOT), answers=read_answers(ROOT))
    return check_orchestration_loads(ctx)


def continuous_training_gate(root: Path) -> Check:
    """The continuous_training gate's check that the orchestrator loads the continuous-training
    pipeline from the definitions under `root`."""
    ctx = Context(root=root, config=read_config(ROOT), answers=read_answers(ROOT))
    return check_flow_loads(ctx)
