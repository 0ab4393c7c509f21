"""Prometheus config, recording rules and alerts (promtool), the alerts' unit tests and
runbooks, the Grafana dashboards against their schema, and the cross-check that every metric
they read is one the API or the monitoring jobs export."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest

from monitoring import metric_names
from quality_gates import monitoring as gate
from quality_gates.core import Context, read_answers, read_config
from quality_gates.runner import run_check

ROOT = Path(__file__).resolve().parents[1]
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None, reason="promtool not installed (apt-get install prometheus)"
)


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PROMTOOL), *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


@needs_promtool
def test_prometheus_config_and_rules_pass_promtool() -> None:
    configs = {p.name for p in gate.config_files(ROOT)}
    assert {"prometheus.yml", "kubernetes.yml"} <= configs
    check = gate.check_promtool_config(Context(root=ROOT, config=read_config(ROOT), answers={}))
    assert check.status == "pass", check.detail
    files = [str(p.relative_to(ROOT)) for p in gate.rule_files(ROOT)]
    done = promtool("check", "rules", *files)
    assert done.returncode == 0, done.stdout + done.stderr


@needs_promtool
def test_the_kubernetes_config_is_checked_even_without_kubernetes_discovery(
    tmp_path: Path,
) -> None:
    """Debian's promtool is built without Kubernetes service discovery: the gate then checks
    kubernetes.yml with those blocks as static targets, so a broken relabelling still fails."""
    shutil.copytree(ROOT / "monitoring", tmp_path / "monitoring")
    path = tmp_path / "monitoring/prometheus/kubernetes.yml"
    original = path.read_text()
    ctx = Context(root=tmp_path, config=read_config(ROOT), answers={})
    assert gate.check_promtool_config(ctx).status == "pass"
    broken = "    honor_labels: true\n    relabel_configs:\n      - action: keepp\n"
    path.write_text(original.replace("    honor_labels: true\n", broken))
    check = gate.check_promtool_config(ctx)
    assert check.status == "fail" and "kubernetes.yml" in check.detail
    if "role: pod" in original:
        path.write_text(original.replace("role: pod", "role: pods"))
        check = gate.check_promtool_config(ctx)
        assert check.status == "fail" and "role" in check.detail


@pytest.mark.slow
@needs_promtool
def test_alert_unit_tests_pass_and_cover_every_alert_both_ways() -> None:
    ctx = Context(root=ROOT, config=read_config(ROOT), answers=read_answers(ROOT))
    check = gate.check_alert_unit_tests(ctx)
    assert check.status == "pass", check.detail


@needs_promtool
def test_a_broken_alert_fails_its_unit_test(tmp_path: Path) -> None:
    """The unit tests can fail: a threshold moved makes a firing case stop firing."""
    shutil.copytree(ROOT / "monitoring", tmp_path / "monitoring")
    path = tmp_path / "monitoring/alerts/model/alerts.yml"
    path.write_text(path.read_text().replace("ml_online_quality_drop_ratio > 0.05",
                                             "ml_online_quality_drop_ratio > 0.5"))  # fmt: skip
    done = subprocess.run(
        [str(PROMTOOL), "test", "rules", "monitoring/alerts/model/alerts_test.yml"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode != 0 and "ModelQualityDrop" in done.stdout + done.stderr


def test_every_alert_has_a_runbook_file() -> None:
    ctx = Context(root=ROOT, config={}, answers={})
    check = gate.check_runbooks(ctx)
    assert check.status == "pass", check.detail


def test_rule_and_dashboard_metrics_are_all_exported() -> None:
    check = gate.check_rule_metrics_exported(Context(root=ROOT, config={}, answers={}))
    assert check.status == "pass", check.detail


def test_an_unknown_metric_in_a_rule_is_caught(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "monitoring", tmp_path / "monitoring")
    for module in gate.METRIC_CODE:
        if (ROOT / module).is_file():
            (tmp_path / module).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / module, tmp_path / module)
    intact = gate.check_rule_metrics_exported(Context(root=tmp_path, config={}, answers={}))
    assert intact.status == "pass", intact.detail
    path = tmp_path / "monitoring/alerts/model/alerts.yml"
    path.write_text(path.read_text().replace("ml_drift_dataset_drifted == 1",
                                             "ml_drift_dataset_drifted_typo == 1"))  # fmt: skip
    check = gate.check_rule_metrics_exported(Context(root=tmp_path, config={}, answers={}))
    assert check.status == "fail" and "ml_drift_dataset_drifted_typo" in check.detail


def test_promql_metric_extraction() -> None:
    expr = (
        "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket"
        '{route=~"/predict.*"}[5m]))) > 0.25 and on() up{job="x"} offset 1d'
    )
    assert gate.promql_metrics(expr) == {"http_request_duration_seconds_bucket", "up"}


def test_job_metric_names_match_the_gate_parser() -> None:
    assert gate.exported_metrics(ROOT) >= metric_names.JOB_METRICS


def test_dashboards_validate_against_the_schema_kept_in_the_repo() -> None:
    schema = json.loads((ROOT / "monitoring/grafana/dashboard.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    boards = gate.dashboards(ROOT)
    assert boards
    for path in boards:
        board = json.loads(path.read_text())
        errors = [e.message for e in validator.iter_errors(board)]
        assert not errors, f"{path.name}: {errors}"
        assert len({p["id"] for p in board["panels"]}) == len(board["panels"])
    broken = json.loads(boards[0].read_text())
    broken["panels"][0]["gridPos"]["w"] = 30
    assert list(validator.iter_errors(broken))


def test_dashboards_pass_check_jsonschema_cli() -> None:
    exe = shutil.which("check-jsonschema")
    if exe is None:
        pytest.skip("check-jsonschema not installed")
    boards = [str(p) for p in gate.dashboards(ROOT)]
    done = subprocess.run(
        [exe, "--schemafile", str(ROOT / "monitoring/grafana/dashboard.schema.json"), *boards],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_missing_promtool_fails_the_gate_with_an_install_hint(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH without promtool
    ctx = Context(root=ROOT, config={"monitoring": {"promtool": ""}}, answers={})
    for check in (gate.check_promtool_config, gate.check_promtool_rules,
                  gate.check_alert_unit_tests):  # fmt: skip
        [result] = run_check(check, ctx)
        assert result.status == "fail" and "apt-get install prometheus" in result.detail
        assert result.detail.startswith("promtool not found on PATH")
    missing = {"monitoring": {"promtool": str(tmp_path / "promtool")}}
    [result] = run_check(gate.check_promtool_rules, Context(root=ROOT, config=missing, answers={}))
    assert result.status == "fail" and "configured path" in result.detail
