"""Gate `monitoring`: the Prometheus config, recording rules and alerts pass promtool (syntax and
unit tests), every alert has a runbook, every metric the rules and dashboards read is one the
API or the monitoring jobs export, the dashboards validate against the JSON Schema kept in the
repository, and drift detection flags drifted data while passing clean data.

Static checks use only the standard library. promtool comes from the `prometheus` package of
the OS (Debian/Ubuntu: `apt-get install prometheus`); without it those checks fail with the
install command (`core.TOOLS`), as for every tool a check needs.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from quality_gates.core import FAIL, PASS, Check, Context, PhaseGate, python_tool, run_tests, tool

PHASE = "monitoring"
MONITORING = Path("monitoring")
# The API's metrics; the KServe predictor's too (kserve's /metrics serves them beside kserve's).
API_METRICS = Path("deployment/api/metrics.py")
BATCH_METRICS = Path("deployment/batch/metrics.py")
# Code that constructs the metrics it exports (read as text: Gauge("name", ...) and the like).
METRIC_CODE = (API_METRICS, BATCH_METRICS)
JOB_METRICS = MONITORING / "metric_names.py"
# Series Prometheus itself adds to every scrape.
SYNTHETIC = {"up", "scrape_duration_seconds", "scrape_samples_scraped", "time"}
PROMQL_WORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool", "and",
    "or", "unless", "inf", "nan", "le",
}  # fmt: skip


def _yaml_files(root: Path, folder: str) -> list[Path]:
    return sorted((root / MONITORING / folder).rglob("*.yml"))


def alert_files(root: Path) -> list[Path]:
    return [p for p in _yaml_files(root, "alerts") if not p.name.endswith("_test.yml")]


def alert_test_files(root: Path) -> list[Path]:
    return [p for p in _yaml_files(root, "alerts") if p.name.endswith("_test.yml")]


def config_files(root: Path) -> list[Path]:
    """The Prometheus configs: prometheus.yml (this machine) and kubernetes.yml (in cluster)."""
    return sorted((root / MONITORING / "prometheus").glob("*.yml"))


def rule_files(root: Path) -> list[Path]:
    return _yaml_files(root, "prometheus/rules") + alert_files(root)


def dashboards(root: Path) -> list[Path]:
    return sorted((root / MONITORING / "grafana/dashboards").rglob("*.json"))


# -- metric names (text only, so the static phase can run it) -------------------------------


def constructed_metrics(text: str) -> set[str]:
    """Sample names of the metrics a module constructs: `Counter|Gauge|Histogram|Summary(` and
    the `...MetricFamily(` of custom collectors, each with its name as a string literal."""
    names: set[str] = set()
    pattern = r"\b(Counter|Gauge|Histogram|Summary)(?:MetricFamily)?\(\s*\"(\w+)\""
    for kind, name in re.findall(pattern, text):
        if kind == "Counter":
            names.add(name if name.endswith("_total") else f"{name}_total")
        elif kind in ("Histogram", "Summary"):
            names |= {f"{name}_sum", f"{name}_count"}
            names |= {f"{name}_bucket"} if kind == "Histogram" else set()
        else:
            names.add(name)
    return names


def exported_metrics(root: Path) -> set[str]:
    """Sample names the API (deployment/api/metrics.py), the batch job
    (deployment/batch/metrics.py) and the monitoring jobs (metric_names.py) export."""
    names = set(SYNTHETIC)
    for module in METRIC_CODE:
        if (root / module).is_file():
            names |= constructed_metrics((root / module).read_text(encoding="utf-8"))
    jobs = root / JOB_METRICS
    if jobs.is_file():
        names |= set(re.findall(r"^[A-Z_]+ = \"(\w+)\"", jobs.read_text(encoding="utf-8"), re.M))
    return names


def promql_metrics(expr: str) -> set[str]:
    """Metric names an expression reads (functions, keywords and label names left out)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', "", expr)
    text = re.sub(r"\{[^}]*\}", "", text)
    text = re.sub(r"\[[^\]]*\]", "", text)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", text)
    text = re.sub(r"\boffset\s+\w+", "", text)
    found = set()
    for match in re.finditer(r"(?<![\w.])([A-Za-z_:][\w:]*)\b(\s*\()?", text):
        name, call = match.group(1), match.group(2)
        if call or name.lower() in PROMQL_WORDS:
            continue
        found.add(name)
    return found


def _rules(path: Path) -> list[dict]:
    import yaml  # full checks only; the static ones use the text helpers below

    return [
        r for g in (yaml.safe_load(path.read_text()) or {}).get("groups", []) for r in g["rules"]
    ]


def rule_exprs_text(path: Path) -> list[tuple[str | None, str]]:
    """(recorded name or None, expression) per rule, read from the YAML text without a parser.

    Handles the two styles used here: `expr: one line` and `expr: |` with an indented block.
    """
    out: list[tuple[str | None, str]] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    record = None
    i = 0
    while i < len(lines):
        line = lines[i]
        m = re.match(r"\s*- (record|alert): (\S+)", line)
        if m:
            record = m.group(2) if m.group(1) == "record" else None
        m = re.match(r"(\s*)expr: (.*)$", line)
        if m:
            indent, value = len(m.group(1)), m.group(2).strip()
            if value in ("|", ">", "|-", ">-"):
                block = []
                i += 1
                while i < len(lines) and (not lines[i].strip() or _indent(lines[i]) > indent):
                    block.append(lines[i].strip())
                    i += 1
                out.append((record, " ".join(block)))
                continue
            out.append((record, value))
        i += 1
    return out


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def check_rule_metrics_exported(ctx: Context) -> Check:
    """Every metric a rule or a dashboard reads is exported or recorded by a rule."""
    name = "rule and dashboard metrics exported"
    files = rule_files(ctx.root)
    if not files:
        return Check(name, FAIL, "no rule files under monitoring/")
    exported = exported_metrics(ctx.root)
    exprs = [e for f in files for e in rule_exprs_text(f)]
    recorded = {r for r, _ in exprs if r}
    used: dict[str, set[str]] = {}
    for path in files:
        for _, expr in rule_exprs_text(path):
            for metric in promql_metrics(expr):
                used.setdefault(metric, set()).add(str(path.relative_to(ctx.root)))
    for path in dashboards(ctx.root):
        for panel in json.loads(path.read_text(encoding="utf-8")).get("panels", []):
            for target in panel.get("targets", []):
                for metric in promql_metrics(target.get("expr", "")):
                    used.setdefault(metric, set()).add(str(path.relative_to(ctx.root)))
    unknown = {m: sorted(w) for m, w in used.items() if m not in exported | recorded}
    if unknown:
        detail = "; ".join(f"{m} (in {', '.join(w)})" for m, w in sorted(unknown.items()))
        return Check(name, FAIL, "not exported by the API or the jobs: " + detail)
    return Check(name, PASS, f"{len(used)} metrics used, all exported or recorded")


def check_runbooks(ctx: Context) -> Check:
    """Every alert links a runbook that exists in the project."""
    name = "alerts have runbooks"
    missing, count = [], 0
    for path in alert_files(ctx.root):
        text = path.read_text(encoding="utf-8")
        for block in re.split(r"\n\s*- alert: ", text)[1:]:
            alert = block.split()[0]
            count += 1
            link = re.search(r"runbook_url: (\S+)", block)
            if not link or not (ctx.root / link.group(1)).is_file():
                missing.append(alert)
    if not count:
        return Check(name, FAIL, "no alerts found under monitoring/alerts")
    if missing:
        return Check(name, FAIL, "no runbook file for: " + ", ".join(missing))
    return Check(name, PASS, f"{count} alerts, each with a runbook")


def check_dashboards_parse(ctx: Context) -> Check:
    """The dashboards are JSON with unique uids and panels inside the 24-column grid."""
    name = "dashboards parse"
    files = dashboards(ctx.root)
    if not files:
        return Check(name, FAIL, "no dashboards under monitoring/grafana/dashboards")
    uids, problems = set(), []
    for path in files:
        try:
            board = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            problems.append(f"{path.name}: {exc}")
            continue
        if board.get("uid") in uids:
            problems.append(f"{path.name}: duplicate uid {board.get('uid')}")
        uids.add(board.get("uid"))
        for panel in board.get("panels", []):
            grid = panel.get("gridPos", {})
            if grid.get("x", 0) + grid.get("w", 0) > 24:
                problems.append(f"{path.name}: panel {panel.get('title')!r} wider than the grid")
    if problems:
        return Check(name, FAIL, "; ".join(problems))
    return Check(name, PASS, f"{len(files)} dashboards")


# -- full checks ------------------------------------------------------------------------------


def _promtool(ctx: Context) -> str:
    """promtool's path (configured or on PATH); raises ToolMissing with the install command."""
    return tool("promtool", ctx.setting(PHASE, "promtool") or None)


def _run(argv: list[str], cwd: Path) -> tuple[bool, str]:
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=300)
    text = (done.stdout + done.stderr).strip()
    return done.returncode == 0, text.splitlines()[-1] if text else "no output"


K8S_SD = "kubernetes_sd_configs"
K8S_SD_ROLES = {"node", "service", "pod", "endpoints", "endpointslice", "ingress"}
K8S_SD_FIELDS = {
    "role", "namespaces", "selectors", "attach_metadata", "api_server", "kubeconfig_file",
    "basic_auth", "authorization", "oauth2", "tls_config", "proxy_url", "no_proxy",
    "proxy_from_environment", "follow_redirects", "enable_http2",
}  # fmt: skip


def without_kubernetes_sd(path: Path) -> tuple[dict, list[str]]:
    """The config with each `kubernetes_sd_configs` block swapped for a static target (rule
    paths made absolute), and what is wrong in those blocks: for a promtool built without
    Kubernetes discovery (Debian's), which then still checks everything else, the
    relabel_configs included."""
    import yaml

    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    config["rule_files"] = [str((path.parent / f).resolve()) for f in config.get("rule_files", [])]
    problems = []
    for job in config.get("scrape_configs", []):
        for block in job.pop(K8S_SD, None) or []:
            if block.get("role") not in K8S_SD_ROLES:
                problems.append(f"{job['job_name']}: unknown role {block.get('role')!r}")
            problems += [
                f"{job['job_name']}: unknown field {f}" for f in set(block) - K8S_SD_FIELDS
            ]
            job.setdefault("static_configs", []).append({"targets": ["kubernetes-sd.invalid:80"]})
    return config, problems


def promtool_check_config(promtool: str, path: Path, root: Path) -> tuple[bool, str]:
    """`promtool check config` on one file; (passed, what to report)."""
    argv = [promtool, "check", "config"]
    done = subprocess.run(
        [*argv, str(path.relative_to(root))], cwd=root, capture_output=True, text=True, timeout=300
    )
    text = (done.stdout + done.stderr).strip()
    if done.returncode == 0:
        return True, f"{path.name} valid"
    if f"field {K8S_SD} not found" not in text:
        return False, f"{path.name}: {text.splitlines()[-1] if text else 'no output'}"
    import tempfile

    import yaml

    config, problems = without_kubernetes_sd(path)
    if problems:
        return False, f"{path.name}: " + "; ".join(problems)
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / path.name
        copy.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
        ok, last = _run([*argv, str(copy)], root)
    if not ok:
        return False, f"{path.name}: {last}"
    return True, f"{path.name} valid ({K8S_SD} checked by shape: this promtool lacks them)"


def check_promtool_config(ctx: Context) -> Check:
    """`promtool check config` on each Prometheus config (it also checks every rule file it
    loads)."""
    name = "promtool check config"
    promtool = _promtool(ctx)
    configs = config_files(ctx.root)
    if ctx.root / MONITORING / "prometheus/prometheus.yml" not in configs:
        return Check(name, FAIL, "monitoring/prometheus/prometheus.yml is missing")
    results = [promtool_check_config(promtool, path, ctx.root) for path in configs]
    ok = all(passed for passed, _ in results)
    return Check(name, PASS if ok else FAIL, "; ".join(detail for _, detail in results))


def check_promtool_rules(ctx: Context) -> Check:
    """`promtool check rules` on every rule file."""
    name = "promtool check rules"
    promtool = _promtool(ctx)
    files = [str(p.relative_to(ctx.root)) for p in rule_files(ctx.root)]
    ok, last = _run([promtool, "check", "rules", *files], ctx.root)
    return Check(name, PASS if ok else FAIL, f"{len(files)} files: {last}")


def check_alert_unit_tests(ctx: Context) -> Check:
    """`promtool test rules`: every alert is shown firing and not firing."""
    name = "alert unit tests"
    promtool = _promtool(ctx)
    tests = alert_test_files(ctx.root)
    alerts = {r["alert"] for f in alert_files(ctx.root) for r in _rules(f) if "alert" in r}
    import yaml

    covered: dict[str, set[bool]] = {}
    for path in tests:
        for test in yaml.safe_load(path.read_text())["tests"]:
            for case in test.get("alert_rule_test", []):
                covered.setdefault(case["alertname"], set()).add(bool(case.get("exp_alerts")))
    partial = sorted(a for a in alerts if covered.get(a) != {True, False})
    if partial:
        return Check(name, FAIL, "not tested both firing and not firing: " + ", ".join(partial))
    ok, last = _run([promtool, "test", "rules", *[str(p) for p in tests]], ctx.root)
    return Check(name, PASS if ok else FAIL, f"{len(alerts)} alerts: {last}")


def check_dashboards_schema(ctx: Context) -> Check:
    """The dashboards validate against monitoring/grafana/dashboard.schema.json."""
    name = "dashboards match the schema"
    jsonschema = python_tool("jsonschema", "jsonschema")
    schema = json.loads((ctx.root / MONITORING / "grafana/dashboard.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    errors = [
        f"{p.name}: {e.message}"
        for p in dashboards(ctx.root)
        for e in validator.iter_errors(json.loads(p.read_text(encoding="utf-8")))
    ]
    if errors:
        return Check(name, FAIL, "; ".join(errors[:5]))
    return Check(name, PASS, f"{len(dashboards(ctx.root))} dashboards valid")


def check_drift_detection(ctx: Context) -> Check:
    """The drift tests pass: a drifted sample is flagged, an undrifted one passes."""
    name = "drift detection separates drifted from clean data"
    tests = ctx.setting(PHASE, "drift_tests")
    files = [t for t in tests if (ctx.root / t).is_file()]
    timeout = int(ctx.setting(PHASE, "tests_timeout_seconds"))
    return run_tests(ctx.root, name, files, timeout)


GATE = PhaseGate(
    static_checks=[check_rule_metrics_exported, check_runbooks, check_dashboards_parse],
    full_checks=[
        check_promtool_config,
        check_promtool_rules,
        check_alert_unit_tests,
        check_dashboards_schema,
        check_drift_detection,
    ],
)
