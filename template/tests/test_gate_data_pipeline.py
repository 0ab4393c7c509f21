"""The data_pipeline gate on a throw-away copy of the project (not matched by the gate's own
test globs, so the gate never runs itself)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from data_fixtures import ROOT, SLOW_WHEN_SPARK, base_config, make_settings

from data_ingestion import step as ingest
from data_quality import step as validate_step
from feature_engineering import step as features_step
from quality_gates import data_pipeline as gate
from quality_gates.core import Context, read_answers, read_config


def context(root: Path) -> Context:
    return Context(root=root, config=read_config(root), answers=read_answers(root))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    make_settings(tmp_path)  # copies configs/data.yaml
    return tmp_path


def produce_data(root: Path) -> None:
    settings = make_settings(root, faults={"out_of_range": 3, "duplicate_ids": 2})
    state: dict = {}
    ingest.run(settings, state)
    validate_step.run(settings, state)
    features_step.run(settings, state)


def test_static_checks_pass_on_the_rendered_project() -> None:
    ctx = context(ROOT)
    assert gate.check_data_contract(ctx).status == "pass"
    assert gate.check_data_tests_present(ctx).status == "pass"


def test_missing_or_incomplete_contract_fails(project: Path) -> None:
    config = project / "configs/data.yaml"
    config.write_text(config.read_text().replace("\ntarget:", "\ntarget_col:"))
    check = gate.check_data_contract(context(project))
    assert check.status == "fail" and "target" in check.detail
    config.unlink()
    assert gate.check_data_contract(context(project)).status == "fail"


def test_full_checks_did_not_run_when_no_data_exists(project: Path) -> None:
    ctx = context(project)
    for check in (
        gate.check_schema_compliance,
        gate.check_completeness,
        gate.check_quarantine_reconciles,
    ):
        result = check(ctx)
        assert result.status == "not_run", result
        assert "no pipeline output yet" in result.detail and "make pipeline" in result.detail


def test_full_checks_pass_on_produced_data(project: Path) -> None:
    produce_data(project)
    ctx = context(project)
    compliance = gate.check_schema_compliance(ctx)
    assert compliance.status == "pass" and compliance.value == 1.0
    completeness = gate.check_completeness(ctx)
    assert completeness.status == "pass" and completeness.value >= 0.95
    reconcile = gate.check_quarantine_reconciles(ctx)
    assert reconcile.status == "pass", reconcile.detail
    assert "= 595 accepted + 5 quarantined" in reconcile.detail


def test_tampered_layers_fail_the_gate(project: Path) -> None:
    produce_data(project)
    validated = project / "data/validated/data.parquet"
    accepted = pd.read_parquet(validated)
    accepted.loc[0, "tenure_months"] = 10_000.0  # out of range
    accepted.to_parquet(validated, index=False)
    ctx = context(project)
    assert gate.check_schema_compliance(ctx).status == "fail"
    assert gate.check_quarantine_reconciles(ctx).status == "pass"

    accepted.iloc[:-1].to_parquet(validated, index=False)  # a row lost on the way
    assert gate.check_quarantine_reconciles(context(project)).status == "fail"


@SLOW_WHEN_SPARK
def test_spark_counts_its_output_and_a_lost_row_fails_the_gate(project: Path) -> None:
    if base_config().get("engine") != "spark":  # the check belongs to the spark engine only
        assert gate.check_spark_reconciles(context(project)) == []
        return
    assert gate.check_spark_reconciles(context(project))[0].status == "not_run"
    produce_data(project)
    [check] = gate.check_spark_reconciles(context(project))
    assert check.status == "pass", check.detail
    assert "Spark counts 600 in = 595 accepted + 5 quarantined" in check.detail
    quarantine = project / "data/quarantine/quarantine.parquet"
    pd.read_parquet(quarantine).iloc[:-1].to_parquet(quarantine, index=False)
    [lost] = gate.check_spark_reconciles(context(project))
    assert lost.status == "fail"
    assert "600 raw rows but 595 accepted + 4 quarantined" in lost.detail


def test_completeness_below_threshold_fails(project: Path) -> None:
    produce_data(project)
    validated = project / "data/validated/data.parquet"
    accepted = pd.read_parquet(validated)
    accepted.loc[: len(accepted) // 5, "monthly_charges"] = None
    accepted.to_parquet(validated, index=False)
    check = gate.check_completeness(context(project))
    assert check.status == "fail" and "monthly_charges" in check.detail


@pytest.mark.slow
def test_data_tests_check_reports_pass_and_fail(project: Path) -> None:
    tests = project / "tests"
    tests.mkdir()
    (tests / "test_data_ok.py").write_text("def test_ok():\n    assert 1 + 1 == 2\n")
    ok = gate.check_data_tests(context(project))
    assert ok.status == "pass" and "1 passed" in ok.detail
    (tests / "test_features_bad.py").write_text("def test_bad():\n    assert 1 + 1 == 3\n")
    bad = gate.check_data_tests(context(project))
    assert bad.status == "fail" and "1 failed" in bad.detail


def test_the_source_check_queries_database_sources_only(project: Path) -> None:
    path = project / "configs/data.yaml"
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    for kind in ("sample", "files"):  # nothing to query: the check is left out, not passed
        config["source"]["type"] = kind
        path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
        assert gate.check_source_reconciles(context(project)) == []
