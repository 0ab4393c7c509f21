"""The model_training gate: passes on a trained project, fails with the reason otherwise."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest
from conftest import ROOT, Trained

from models import metrics
from quality_gates.core import Context, read_answers, read_config
from quality_gates.model_training import (
    check_beats_baseline,
    check_cv_stability,
    check_experiment_config,
    check_metric_targets,
    check_tracked_in_mlflow,
)
from quality_gates.runner import run_phase


def context(root: Path, **thresholds: float) -> Context:
    config = read_config(root)
    config["model_training"] = {**config.get("model_training", {}), **thresholds}
    return Context(root=root, config=config, answers=read_answers(root))


def test_gate_passes_after_the_pipeline(trained: Trained) -> None:
    result = run_phase("model_training", context(trained.settings.root))
    assert result["status"] == "pass", result
    names = [c["name"] for c in result["checks"]]
    assert names == [
        "experiment config",
        "beats baseline",
        "cv stability",
        "explainability artifacts",
        "run tracked in MLflow",
        "metric targets",
        "model card",
    ]


def test_thresholds_come_from_the_gate_config(trained: Trained) -> None:
    strict = context(trained.settings.root, min_relative_improvement=1000.0, max_cv_std=0.0)
    beats, stable = check_beats_baseline(strict), check_cv_stability(strict)
    assert (beats.status, beats.threshold) == ("fail", 1000.0)
    assert (stable.status, stable.threshold) == ("fail", 0.0)
    evaluation = trained.state["evaluation"]
    assert beats.value == round(evaluation["relative_improvement"], 4)


def test_a_threshold_deleted_from_pyproject_fails_naming_it(trained: Trained) -> None:
    """The gates keep no defaults: [tool.quality_gates] is the only place a threshold lives."""
    ctx = context(trained.settings.root)
    del ctx.config["model_training"]["min_relative_improvement"]
    result = run_phase("model_training", ctx)
    failed = {c["name"]: c["detail"] for c in result["checks"] if c["status"] == "fail"}
    assert list(failed) == ["beats baseline"], failed
    assert (
        "[tool.quality_gates.model_training] has no `min_relative_improvement`"
        in (failed["beats baseline"])
    )


def test_targets_come_from_the_metric_registry(
    trained: Trained, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = context(trained.settings.root)
    problem = trained.state["training"]["problem_type"]
    assert check_metric_targets(ctx).status == "pass"
    name = trained.state["training"]["primary_metric"]
    measured = trained.state["evaluation"]["model"][name]
    spec = metrics.REGISTRY[name]
    # A target just out of reach of the measured value: the gate names the metric and target.
    out_of_reach = measured * (1.1 if spec.higher_is_better else 0.9) + (
        0.01 if spec.higher_is_better else -0.01
    )
    monkeypatch.setitem(metrics.REGISTRY, name, dataclasses.replace(spec, target=out_of_reach))
    assert problem in spec.problem_types
    check = check_metric_targets(ctx)
    assert check.status == "fail" and name in check.detail
    assert metrics.REGISTRY[name].target_text in check.detail


def test_without_a_model_the_phase_is_incomplete_never_pass(tmp_path: Path) -> None:
    for rel in ("pyproject.toml", ".copier-answers.yml", "configs/experiment.yaml"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / rel, tmp_path / rel)
    result = run_phase("model_training", context(tmp_path))
    assert result["status"] == "incomplete", result
    static, *full = result["checks"]
    assert static["status"] == "pass"
    unrun = [c for c in full if c["status"] == "not_run"]
    assert [c["name"] for c in unrun] == [c["name"] for c in full]
    assert all("no model yet" in c["detail"] and "make pipeline" in c["detail"] for c in unrun)
    assert result["counts"]["not_run"] == len(full) == 6


def test_static_check_rejects_a_metric_of_another_problem(tmp_path: Path) -> None:
    for rel in ("pyproject.toml", ".copier-answers.yml", "configs/experiment.yaml"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / rel, tmp_path / rel)
    assert check_experiment_config(context(tmp_path)).status == "pass"
    config = tmp_path / "configs/experiment.yaml"
    problem = read_answers(tmp_path)["problem_type"]
    wrong = "r2" if problem != "regression" else "roc_auc"
    text = config.read_text()
    primary = text.split("primary_metric: ", 1)[1].split()[0]
    config.write_text(text.replace(f"primary_metric: {primary}", f"primary_metric: {wrong}"))
    check = check_experiment_config(context(tmp_path))
    assert check.status == "fail" and wrong in check.detail


def test_a_metric_the_trainer_cannot_compute_no_longer_passes(tmp_path: Path) -> None:
    """`brier` was once allowed by the gates but never computed: the registry has no such metric."""
    for rel in ("pyproject.toml", ".copier-answers.yml", "configs/experiment.yaml"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / rel, tmp_path / rel)
    config = tmp_path / "configs/experiment.yaml"
    text = config.read_text()
    primary = text.split("primary_metric: ", 1)[1].split()[0]
    config.write_text(text.replace(f"primary_metric: {primary}", "primary_metric: brier"))
    check = check_experiment_config(context(tmp_path))
    assert check.status == "fail"
    assert "'brier'" in check.detail and primary in check.detail  # the metric and the choices


def test_a_run_missing_from_the_store_fails(trained: Trained, tmp_path: Path) -> None:
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    training = dict(trained.state["training"], run_id="0" * 32)
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports/training.json").write_text(json.dumps(training))
    check = check_tracked_in_mlflow(context(tmp_path))
    assert check.status == "fail" and "0" * 32 in check.detail
