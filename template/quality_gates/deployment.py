"""Gate `deployment`: the image and manifests exist and are hardened (static); the API and batch
tests pass, every overlay renders and validates, hadolint is clean, every container command
starts, the API's p95 latency on the champion stays under the threshold, and bandit finds no
high-severity issue (full). A project without Kubernetes manifests (quick) has no manifest or
overlay checks: it deploys the image alone.

Thresholds: `[tool.quality_gates.deployment]` in pyproject.toml.
"""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
from pathlib import Path

from quality_gates import KUBERNETES, container_commands
from quality_gates.core import (
    FAIL,
    NOT_RUN,
    PASS,
    Check,
    Context,
    PhaseGate,
    measured,
    python_tool,
    run_tests,
    tool,
)

DOCKERFILE = Path("deployment/docker/Dockerfile")
BASE = Path("deployment/k8s/base")
# Text every workload manifest in the base must hold (the restricted Pod Security profile).
HARDENING_FIELDS = (
    r"runAsNonRoot:\s*true",
    r"readOnlyRootFilesystem:\s*true",
    r"allowPrivilegeEscalation:\s*false",
    r"drop:\s*\[\s*\"?ALL\"?\s*\]",
    r"type:\s*RuntimeDefault",
    r"automountServiceAccountToken:\s*false",
)


def _mode(ctx: Context) -> tuple[bool, bool]:
    mode = ctx.answers.get("deployment_mode", "realtime")
    return mode in ("realtime", "hybrid"), mode in ("batch", "hybrid")


def _kserve(ctx: Context) -> bool:
    return ctx.answers.get("serving") == "kserve"


def check_artifacts(ctx: Context) -> Check:
    serves, batches = _mode(ctx)
    required = [
        DOCKERFILE,
        Path(".dockerignore"),
        Path("docs/deployment-guide.md"),
        Path("deployment/inference/predictor.py"),
    ]
    if KUBERNETES:
        required += [
            BASE / "kustomization.yaml",
            Path("deployment/k8s/overlays/dev/kustomization.yaml"),
        ]
    if _kserve(ctx):
        required += [Path("deployment/kserve_predictor/model.py")]
        required += [BASE / "kserve/inferenceservice.yaml"] if KUBERNETES else []
    elif serves:
        required += [Path("deployment/api/app.py")]
        required += [BASE / "api/deployment.yaml"] if KUBERNETES else []
    if batches:
        required += [Path("deployment/batch/job.py")]
        required += [BASE / "batch/cronjob.yaml"] if KUBERNETES else []
    missing = [str(p) for p in required if not (ctx.root / p).is_file()]
    if missing:
        return Check("deployment artifacts", FAIL, "missing: " + ", ".join(missing))
    return Check("deployment artifacts", PASS, f"{len(required)} files present")


def _project_importable(ctx: Context) -> None:
    """The project's own packages (stdlib-only `deployment.hardening`) importable from its root."""
    if str(ctx.root) not in sys.path:
        sys.path.insert(0, str(ctx.root))


def check_dockerfile(ctx: Context) -> Check:
    _project_importable(ctx)
    from deployment.hardening import dockerfile_findings, dockerignore_findings

    path = ctx.root / DOCKERFILE
    if not path.is_file():
        return Check("dockerfile hardening", FAIL, f"{DOCKERFILE} missing")
    ignore = ctx.root / ".dockerignore"
    findings = dockerfile_findings(path.read_text(encoding="utf-8"), _mode(ctx)[0])
    findings += dockerignore_findings(
        ignore.read_text(encoding="utf-8") if ignore.is_file() else ""
    )
    if findings:
        return Check("dockerfile hardening", FAIL, "; ".join(findings))
    return Check(
        "dockerfile hardening",
        PASS,
        "multi-stage, pinned base, non-root, no build tools at run time, HEALTHCHECK",
    )


def check_manifest_fields(ctx: Context) -> Check:
    workloads = [
        p
        for p in sorted((ctx.root / BASE).rglob("*.yaml"))
        if re.search(
            r"^kind:\s*(Deployment|CronJob|Job|StatefulSet|DaemonSet|InferenceService)\s*$",
            p.read_text(encoding="utf-8"),
            re.M,
        )
    ]
    if not workloads:
        return Check("manifest hardening fields", FAIL, f"no workload manifest under {BASE}")
    problems = []
    for path in workloads:
        text = path.read_text(encoding="utf-8")
        missing = [pattern for pattern in HARDENING_FIELDS if not re.search(pattern, text)]
        if missing:
            problems.append(f"{path.relative_to(ctx.root)} lacks {', '.join(missing)}")
        if re.search(r"^kind:\s*Secret\s*$", text, re.M):
            problems.append(f"{path.relative_to(ctx.root)} inlines a Secret")
    if problems:
        return Check("manifest hardening fields", FAIL, "; ".join(problems))
    return Check("manifest hardening fields", PASS, f"{len(workloads)} workload manifests")


def check_deployment_tests(ctx: Context) -> Check:
    names = [
        "test_inference.py",
        "test_api.py",
        "test_api_fuzz.py",
        "test_feature_store_api.py",
        "test_api_bentoml.py",
        "test_kserve.py",
        "test_batch.py",
        "test_cloud_overlays.py",
    ]
    tests = [f"tests/{n}" for n in names if (ctx.root / "tests" / n).is_file()]
    timeout = int(ctx.setting("deployment", "tests_timeout_seconds"))
    check = run_tests(ctx.root, "API and batch tests", tests, timeout)
    check.detail = f"{' '.join(tests)}: {check.detail}"
    return check


def check_manifests_validate(ctx: Context) -> list[Check]:
    from deployment import hardening

    tool("kubectl")  # it renders the overlays (kustomize)
    python_tool("kubernetes_validate", "kubernetes-validate")
    version = str(ctx.setting("deployment", "kubernetes_version"))
    checks = []
    for overlay in hardening.overlays(ctx.root):
        docs = hardening.kustomize(overlay)
        problems = (
            hardening.schema_errors(docs, version)
            + hardening.restricted_findings(docs)
            + hardening.probe_findings(docs)
        )
        name = f"overlay {overlay.name}"
        if problems:
            checks.append(Check(name, FAIL, "; ".join(problems[:10])))
        else:
            detail = f"{len(docs)} resources valid (Kubernetes {version}, strict, restricted)"
            checks.append(Check(name, PASS, detail))
    return checks or [Check("manifests validate", FAIL, "no overlay found")]


def check_infra(ctx: Context) -> list[Check]:
    """infra/terraform offline (fmt, HCL parse, security properties, checkov) and checkov over
    the rendered overlays; nothing when the project targets no cloud."""
    cloud = ctx.answers.get("cloud", "local")
    if cloud == "local":
        return []
    _project_importable(ctx)
    from deployment import infra_checks as infra

    checks = []
    try:
        unformatted = infra.terraform_fmt(ctx.root)
        status = FAIL if unformatted else PASS
        checks.append(Check("terraform fmt", status, ", ".join(unformatted) or "formatted"))
    except infra.ToolMissing as exc:
        checks.append(Check("terraform fmt", FAIL, str(exc)))
    try:
        parsed = infra.parse_all(ctx.root)
    except ValueError as exc:
        return [*checks, Check("terraform parse", FAIL, str(exc))]
    checks.append(Check("terraform parse", PASS, f"{len(parsed)} HCL files parse"))
    try:
        overlays = infra.rendered_overlays(ctx.root)
        sa, _ = infra.overlay_identity(next(iter(overlays.values())))
        namespaces = {env: infra.overlay_identity(docs)[1] for env, docs in overlays.items()}
        findings = infra.security_findings(cloud, parsed, sa, namespaces)
        checks.append(
            Check(
                "infra security properties",
                FAIL if findings else PASS,
                "; ".join(findings)
                or f"private encrypted storage, private cluster API, {cloud} workload "
                f"identity bound to {sa} in {', '.join(namespaces.values())}",
            )
        )
    except (FileNotFoundError, RuntimeError) as exc:
        overlays = {}
        checks.append(Check("infra security properties", FAIL, str(exc)))
    for name, scan in (
        ("checkov terraform", lambda: infra.checkov_terraform(ctx.root)),
        ("checkov kubernetes", lambda: infra.checkov_overlays(ctx.root, overlays)),
    ):
        try:
            failed = scan()
        except infra.ToolMissing as exc:
            checks.append(Check(name, FAIL, str(exc)))
            continue
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            checks.append(Check(name, FAIL, str(exc)))
            continue
        detail = "; ".join(failed[:10]) or "no failed checks (suppressions carry their reason)"
        checks.append(measured(name, len(failed), 0, at_least=False, detail=detail))
    return checks


def check_hadolint(ctx: Context) -> Check:
    from deployment.hardening import hadolint

    tool("hadolint")
    clean, output = hadolint(ctx.root / DOCKERFILE)
    return Check("hadolint", PASS if clean else FAIL, output[:500] or "no findings")


def check_container_commands(ctx: Context) -> Check:
    """Every `python -m <module>` a container runs (Dockerfile CMD/ENTRYPOINT, the manifests'
    command/args, the Kubeflow pipelines' components) starts: `--help` exits 0."""
    name = "container commands start"
    modules, problems = container_commands.collect(ctx.root)
    timeout = int(ctx.setting("deployment", "command_timeout_seconds"))
    for module, where in sorted(modules.items()):
        ok, why = container_commands.module_starts(ctx.root, module, timeout)
        if not ok:
            problems.append(f"`python -m {module}` ({', '.join(where)}) does not start: {why}")
    if problems:
        return Check(name, FAIL, "; ".join(problems))
    if not modules:
        return Check(name, FAIL, "no `python -m` command found in the Dockerfile or manifests")
    return Check(name, PASS, f"`python -m {' | '.join(sorted(modules))} --help` exit 0")


def check_latency(ctx: Context) -> list[Check]:
    """p95 of single-row predictions in-process on the model the service serves (the champion):
    POST /predict of the FastAPI or BentoML service, or V1 :predict of the KServe predictor.
    A batch-only project has no API, so no such check; before `make pipeline` registers a model
    there is nothing to serve yet, so it does not run."""
    if not _mode(ctx)[0]:
        return []
    if not (ctx.root / "reports/registration.json").is_file():
        detail = "no model yet: reports/registration.json not found: run `make pipeline`"
        return [Check("api p95 latency", NOT_RUN, detail)]
    _project_importable(ctx)
    server = "kserve_predictor" if _kserve(ctx) else "api"
    latency = importlib.import_module(f"deployment.{server}.latency")
    requests = int(ctx.setting("deployment", "load_requests"))
    result = latency.in_process_latency(ctx.root, requests)
    if not result["ready"]:
        return [Check("api p95 latency", FAIL, f"no model to serve: {result['reason']}")]
    errors = sum(n for status, n in result["statuses"].items() if status != 200)
    if errors:
        return [Check("api p95 latency", FAIL, f"{errors} of {requests} requests failed")]
    detail = (
        f"{requests} single-row requests on {result['model_uri']}; p50 {result['p50_ms']} ms; "
        f"fast path {'on' if result['fast_path'] else 'off'}"
    )
    threshold = float(ctx.setting("deployment", "p95_ms"))
    return [measured("api p95 latency", result["p95_ms"], threshold, at_least=False, detail=detail)]


def check_bandit(ctx: Context) -> Check:
    """High-severity findings of bandit over the project's packages."""
    bandit = tool("bandit")
    paths = [p for p in ctx.setting("deployment", "bandit_paths") if (ctx.root / p).exists()]
    result = subprocess.run(
        [bandit, "-r", "-q", "-f", "json", *paths],
        cwd=ctx.root,
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        issues = json.loads(result.stdout)["results"]
    except (json.JSONDecodeError, KeyError):
        return Check("bandit", FAIL, f"bandit did not report: {result.stderr.strip()[-300:]}")
    high = [i for i in issues if i["issue_severity"] == "HIGH"]
    where = "; ".join(f"{i['filename']}:{i['line_number']} {i['test_id']}" for i in high[:5])
    limit = int(ctx.setting("deployment", "max_high_findings"))
    detail = f"{len(issues)} findings in {', '.join(paths)}, {len(high)} high" + (
        f": {where}" if where else ""
    )
    return measured("bandit high severity", len(high), limit, at_least=False, detail=detail)


# The manifest checks exist only where manifests are rendered (KUBERNETES).
GATE = PhaseGate(
    static_checks=[check_artifacts, check_dockerfile, *([check_manifest_fields] * KUBERNETES)],
    full_checks=[
        check_deployment_tests,
        *([check_manifests_validate] * KUBERNETES),
        check_infra,
        check_hadolint,
        check_container_commands,
        check_latency,
        check_bandit,
    ],
)
