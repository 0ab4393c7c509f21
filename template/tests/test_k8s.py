"""Every overlay renders with `kubectl kustomize`, validates strictly against the Kubernetes
schemas (kubernetes-validate) and meets the restricted Pod Security profile; each overlay's
patches really apply (kustomize ignores a patch whose target matches nothing)."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import pytest

from deployment import hardening
from quality_gates.core import read_answers, read_config

ROOT = Path(__file__).resolve().parents[1]
ANSWERS = read_answers(ROOT)
SERVES = ANSWERS.get("deployment_mode", "realtime") in ("realtime", "hybrid")
BATCHES = ANSWERS.get("deployment_mode", "realtime") in ("batch", "hybrid")
VERSION = str(read_config(ROOT).get("deployment", {}).get("kubernetes_version", "1.32.0"))
EXPECTED_OVERLAYS = {
    "quick": ["dev"],
    "standard": ["dev", "prod"],
    "enterprise": ["dev", "prod", "staging"],
}

pytestmark = pytest.mark.skipif(
    shutil.which("kubectl") is None, reason="kubectl (which ships kustomize) is not installed"
)


def rendered(name: str) -> list[dict[str, Any]]:
    return hardening.kustomize(ROOT / hardening.K8S / "overlays" / name)


def kinds(docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {d["kind"]: d for d in docs}


def test_the_mode_decides_the_overlays() -> None:
    names = [p.name for p in hardening.overlays(ROOT)]
    assert names == EXPECTED_OVERLAYS[ANSWERS.get("execution_mode", "standard")]


@pytest.mark.parametrize("overlay", [p.name for p in hardening.overlays(ROOT)])
def test_overlay_renders_validates_and_is_restricted(overlay: str) -> None:
    docs = rendered(overlay)
    assert hardening.schema_errors(docs, VERSION) == []
    assert hardening.restricted_findings(docs) == []
    assert hardening.probe_findings(docs) == []
    found = set(kinds(docs))
    assert {"ServiceAccount", "ConfigMap", "NetworkPolicy"} <= found
    if SERVES:
        assert {"Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"} <= found
    if BATCHES:
        assert {"CronJob", "PersistentVolumeClaim"} <= found
    assert "Secret" not in found  # secrets are referenced, never inlined
    namespaces = {d["metadata"].get("namespace") for d in docs}
    assert len(namespaces) == 1 and None not in namespaces
    for doc in docs:
        for pod in hardening.pod_specs(doc):
            refs = pod["containers"][0]["envFrom"]
            assert any(r.get("secretRef", {}).get("optional") is True for r in refs)
            assert any("configMapRef" in r for r in refs)


def test_overlay_patches_apply() -> None:
    dev = kinds(rendered("dev"))
    if SERVES:
        assert dev["Deployment"]["spec"]["replicas"] == 1
        assert dev["HorizontalPodAutoscaler"]["spec"]["minReplicas"] == 1
        assert dev["PodDisruptionBudget"]["spec"] == {
            "maxUnavailable": 1,
            "selector": dev["PodDisruptionBudget"]["spec"]["selector"],
        }
    if BATCHES:
        assert dev["CronJob"]["spec"]["suspend"] is True
    assert dev["ConfigMap"]["data"]["LOG_LEVEL"] == "DEBUG"
    if "prod" in [p.name for p in hardening.overlays(ROOT)] and SERVES:
        prod = kinds(rendered("prod"))
        assert prod["Deployment"]["spec"]["replicas"] == 3
        assert prod["HorizontalPodAutoscaler"]["spec"]["minReplicas"] == 3
        assert prod["PodDisruptionBudget"]["spec"]["minAvailable"] == 2
        assert prod["Deployment"]["spec"]["template"]["spec"]["topologySpreadConstraints"]


def test_the_checks_catch_a_weakened_manifest() -> None:
    docs = rendered("dev")
    workload = next(d for d in docs if list(hardening.pod_specs(d)))
    weak = copy.deepcopy(workload)
    pod = next(hardening.pod_specs(weak))
    container = pod["containers"][0]
    container["securityContext"] = {"privileged": True}
    pod["securityContext"] = {}
    container["image"] = "app:latest"
    pod["volumes"].append({"name": "host", "hostPath": {"path": "/"}})
    findings = " | ".join(hardening.restricted_findings([weak]))
    for expected in (
        "privileged",
        "allowPrivilegeEscalation",
        "drop ALL",
        "runAsNonRoot",
        "seccompProfile",
        "readOnlyRootFilesystem",
        "hostPath",
        "pinned tag",
    ):
        assert expected in findings, expected
    unknown = copy.deepcopy(workload)
    unknown["spec"]["replicaz"] = 2
    assert hardening.schema_errors([unknown], VERSION)
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "x"},
        "data": {"k": "dg=="},
    }
    assert hardening.restricted_findings([secret])
