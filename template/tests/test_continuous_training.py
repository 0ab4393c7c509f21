"""Continuous training: each trigger firing and not firing, the manual trigger through the CLI
and the token-protected endpoint, the promotion decision, the append-only audit log, and a
retraining run judged against the champion on the same holdout."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import model_settings, tracking_env
from ct_support import prepare_data, register_quick
from fastapi import FastAPI
from fastapi.testclient import TestClient

from continuous_training import audit, registry, step, triggers
from continuous_training.__main__ import main as ct_main
from continuous_training.api import admin_router
from continuous_training.decision import decide
from deployment.project import Settings
from quality_gates import continuous_training as ct_gate
from quality_gates.core import Context, read_answers

TOKEN = "s3cret-token"
# One family, a short search: the retraining run is the real pipeline on little data.
FAST = {"cv": {"folds": 2}, "search": {"n_trials": 2, "timeout_seconds": 600},
        "interpretability": {"sample_rows": 60, "local_rows": 2, "top_features": 5}}  # fmt: skip


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """A small project with a registered champion (v1) trained on the train split only."""
    root = tmp_path_factory.mktemp("ct")
    with pytest.MonkeyPatch.context() as mp:
        tracking_env(mp, root)
        settings = model_settings(root, rows=800, **FAST)
        first = next(iter(settings.experiment["candidates"]))
        settings.overrides["experiment"]["candidates"] = {
            first: settings.experiment["candidates"][first]
        }
        settings = Settings(root=root, overrides=settings.overrides)
        prepare_data(settings)
        registry.promote(settings, register_quick(settings))
        yield settings


def _with(settings: Settings, **ct: Any) -> Settings:
    return Settings(root=settings.root, overrides={**settings.overrides, "continuous_training": ct})


def test_decision_promotes_only_a_clearly_better_model_that_passed_the_gates() -> None:
    assert decide("roc_auc", 0.90, 0.85, 0.01, True).promote
    assert not decide("roc_auc", 0.855, 0.85, 0.01, True).promote  # +0.6 % < margin
    assert not decide("roc_auc", 0.95, 0.85, 0.01, False, ["beats baseline"]).promote
    assert decide("rmse", 9.0, 10.0, 0.05, True).promote  # lower error is better
    assert not decide("rmse", 11.0, 10.0, 0.05, True).promote
    assert decide("f1_macro", 0.5, None, 0.01, True).promote  # no champion yet


def test_audit_log_is_append_only_and_tamper_evident(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    first = audit.append(path, "a", value=1)
    audit.append(path, "b", value=2)
    lines = path.read_text().splitlines()
    assert [json.loads(x)["event"] for x in lines] == ["a", "b"]
    assert json.loads(lines[0]) == first and audit.verify(path) == []
    path.write_text(lines[0].replace('"value": 1', '"value": 9') + "\n" + lines[1] + "\n")
    assert audit.verify(path) == ["line 2: does not follow line 1"]


def test_schedule_trigger_fires_when_the_champion_is_too_old(project: Settings) -> None:
    spec = {"max_model_age_days": 30}
    assert not triggers.schedule(project, spec).fired
    later = datetime.now(UTC) + timedelta(days=31)
    assert triggers.schedule(project, spec, now=later).fired


def test_performance_drop_trigger_uses_online_quality_of_the_champion(project: Settings) -> None:
    spec = {"max_drop": 0.05}
    path = project.root / "reports/monitoring/online_quality.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    champion = registry.champion_version(project)
    try:
        path.write_text(json.dumps({"versions": {champion: {"drop_ratio": 0.08}}}))
        assert triggers.performance_drop(project, spec).fired
        path.write_text(json.dumps({"versions": {champion: {"drop_ratio": 0.02}}}))
        assert not triggers.performance_drop(project, spec).fired
    finally:
        path.unlink()
    assert not triggers.performance_drop(project, spec).fired


def test_drift_trigger_reads_the_last_drift_report(project: Settings) -> None:
    path = project.root / "reports/monitoring/drift.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    base = {"drifted_features": ["a"], "drift_share": 0.5, "thresholds": {}}
    try:
        path.write_text(json.dumps({**base, "dataset_drift": True, "prediction_drift": False}))
        assert triggers.drift(project, {}).fired
        path.write_text(json.dumps({**base, "dataset_drift": False, "prediction_drift": False}))
        assert not triggers.drift(project, {}).fired
    finally:
        path.unlink()


def test_new_data_trigger_counts_rows_since_the_champion(project: Settings) -> None:
    fired = triggers.new_data(project, {"min_new_rows": 1, "min_new_fraction": 10.0})
    assert fired.fired and fired.value > 0  # the champion saw the train split only
    quiet = triggers.new_data(project, {"min_new_rows": 10**9, "min_new_fraction": 10.0})
    assert not quiet.fired


def test_manual_trigger_from_the_cli(project: Settings) -> None:
    assert not triggers.manual(project, {}).fired
    assert ct_main(["--root", str(project.root), "trigger", "--reason", "new pricing"]) == 0
    fired = triggers.manual(project, {})
    assert fired.fired and "new pricing" in fired.reason
    triggers.consume_requests(project, triggers.pending_requests(project))
    assert not triggers.manual(project, {}).fired


def test_manual_trigger_endpoint_needs_the_token(
    project: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = FastAPI()
    app.include_router(admin_router(project))
    client = TestClient(app)
    body = {"reason": "promo campaign", "requested_by": "ops"}
    monkeypatch.delenv("CT_API_TOKEN", raising=False)
    assert client.post("/admin/retrain", json=body).status_code == 403
    monkeypatch.setenv("CT_API_TOKEN", TOKEN)
    assert client.post("/admin/retrain", json=body).status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    assert client.post("/admin/retrain", json=body, headers=wrong).status_code == 401
    ok = client.post("/admin/retrain", json=body, headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 202, ok.text
    pending = triggers.pending_requests(project)
    assert len(pending) == 1 and json.loads(pending[0].read_text())["requested_by"] == "ops"
    triggers.consume_requests(project, pending)


def test_retraining_run_judges_the_challenger_and_audits_the_decision(project: Settings) -> None:
    settings = _with(project, triggers={"new_data": {"enabled": False}})
    champion_before = registry.champion_version(settings)
    triggers.request_manual(settings, "test retrain", "pytest")
    summary = step.run(settings, {})
    assert summary["retrained"] and summary["fired"] == ["manual"]
    assert summary["champion_version"] == champion_before
    assert not triggers.pending_requests(settings)  # the request was consumed

    entry = audit.read(settings.root / "reports/continuous_training/audit.jsonl")[-1]
    decision = entry["decision"]
    metric = decision["metric"]
    assert entry["event"] == ("promoted" if decision["promote"] else "not_promoted")
    assert entry["challenger_metrics"][metric] == decision["challenger"]
    assert entry["champion_metrics"][metric] == decision["champion"]
    expected = decide(metric, decision["challenger"], decision["champion"],
                      decision["min_improvement"], decision["gates_passed"])  # fmt: skip
    assert decision["promote"] == expected.promote
    champion_after = registry.champion_version(settings)
    new = summary["challenger_version"]
    assert champion_after == (new if decision["promote"] else champion_before)

    # Nothing fires now: the run is logged as such and nothing is trained.
    quiet = step.run(settings, {})
    assert quiet == {"retrained": False, "fired": [], "audit_id": quiet["audit_id"]}
    assert audit.read(settings.root / "reports/continuous_training/audit.jsonl")[-1]["event"] == (
        "no_trigger"
    )
    assert audit.verify(settings.root / "reports/continuous_training/audit.jsonl") == []


def test_forced_run_with_a_margin_no_model_can_meet_is_not_promoted(project: Settings) -> None:
    settings = _with(project, promotion={"min_improvement": 100.0},
                     triggers={"new_data": {"enabled": False}})  # fmt: skip
    before = registry.champion_version(settings)
    summary = step.run(settings, {"force_reason": "margin test"})
    assert summary["retrained"] and not summary["promoted"]
    assert registry.champion_version(settings) == before


def test_gate_config_check_fails_on_a_broken_config(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[1]
    (tmp_path / "configs").mkdir()
    good = (root / "configs/continuous_training.yaml").read_text()
    (tmp_path / "configs/continuous_training.yaml").write_text(good)
    ctx = Context(root=tmp_path, config={}, answers={})
    assert ct_gate.check_config(ctx).status == "pass"
    broken = good.replace("max_drop: 0.05", "max_drop: 5").replace("  drift: {enabled: true}\n", "")
    (tmp_path / "configs/continuous_training.yaml").write_text(broken)
    detail = ct_gate.check_config(ctx).detail
    assert "trigger drift not configured" in detail and "max_drop" in detail


def test_gate_flow_check_fails_without_a_continuous_training_pipeline(tmp_path: Path) -> None:
    """The static check reads the orchestrator's definition file: the project's passes; one
    that lost the pipeline, its jobs, or the file itself fails and says so."""
    root = Path(__file__).resolve().parents[1]
    answers = read_answers(root)
    own = ct_gate.check_flow_defined(Context(root=root, config={}, answers=answers))
    assert own.status == "pass", own.detail
    rel, jobs_rel = ct_gate.FLOWS[answers["orchestrator"]]
    jobs_rel = jobs_rel.format(package=answers["project_slug"])
    for name in {rel, jobs_rel}:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text((root / name).read_text())
    ctx = Context(root=tmp_path, config={}, answers=answers)
    assert ct_gate.check_flow_defined(ctx).status == "pass"

    jobs = tmp_path / jobs_rel
    jobs.write_text(jobs.read_text().replace('"monitoring.online_quality"', '"monitoring.other"'))
    check = ct_gate.check_flow_defined(ctx)
    assert check.status == "fail" and "does not run: monitoring.online_quality" in check.detail

    flow = tmp_path / rel
    flow.write_text(flow.read_text().replace("def continuous_training(", "def retraining("))
    check = ct_gate.check_flow_defined(ctx)
    assert check.status == "fail" and "defines no continuous_training pipeline" in check.detail
    flow.unlink()
    check = ct_gate.check_flow_defined(ctx)
    assert check.status == "fail" and check.detail.endswith(f"{rel} missing")
