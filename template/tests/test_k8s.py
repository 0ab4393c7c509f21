"""Every overlay renders with `kubectl kustomize`, validates strictly against the Kubernetes
schemas (kubernetes-validate) and meets the restricted Pod Security profile; each overlay's
patches really apply (kustomize ignores a patch whose target matches nothing)."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import pytest
from prometheus_support import relabel

from deployment import hardening
from quality_gates.core import read_answers, read_config

ROOT = Path(__file__).resolve().parents[1]
ANSWERS = read_answers(ROOT)
SERVES = ANSWERS.get("deployment_mode", "realtime") in ("realtime", "hybrid")
BATCHES = ANSWERS.get("deployment_mode", "realtime") in ("batch", "hybrid")
KSERVE = ANSWERS.get("serving") == "kserve"
VERSION = str(read_config(ROOT)["deployment"]["kubernetes_version"])
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
    if KSERVE:
        # KServe makes the Deployment, Service and autoscaler from the InferenceService.
        assert {"InferenceService", "PodDisruptionBudget"} <= found
        assert not {"Deployment", "Service", "HorizontalPodAutoscaler"} & found
    elif SERVES:
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
    if KSERVE:
        predictor = dev["InferenceService"]["spec"]["predictor"]
        assert (predictor["minReplicas"], predictor["maxReplicas"]) == (1, 2)
        assert predictor["containers"][0]["resources"]["requests"]["cpu"] == "250m"
    elif SERVES:
        assert dev["Deployment"]["spec"]["replicas"] == 1
        assert dev["HorizontalPodAutoscaler"]["spec"]["minReplicas"] == 1
        assert dev["PodDisruptionBudget"]["spec"] == {
            "maxUnavailable": 1,
            "selector": dev["PodDisruptionBudget"]["spec"]["selector"],
        }
    if BATCHES:
        assert dev["CronJob"]["spec"]["suspend"] is True
    assert dev["ConfigMap"]["data"]["LOG_LEVEL"] == "DEBUG"
    if "prod" in [p.name for p in hardening.overlays(ROOT)] and KSERVE:
        predictor = kinds(rendered("prod"))["InferenceService"]["spec"]["predictor"]
        assert (predictor["minReplicas"], predictor["maxReplicas"]) == (3, 10)
    elif "prod" in [p.name for p in hardening.overlays(ROOT)] and SERVES:
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
    # A CRD (the InferenceService) is only warned about: show strictness on a core kind.
    crd = workload["kind"] == "InferenceService"
    core = kinds(docs)["PodDisruptionBudget"] if crd else workload
    unknown = copy.deepcopy(core)
    unknown["spec"]["replicaz"] = 2
    assert hardening.schema_errors([unknown], VERSION)
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "x"},
        "data": {"k": "dg=="},
    }
    assert hardening.restricted_findings([secret])


@pytest.mark.skipif(not KSERVE, reason="serving is not kserve")
@pytest.mark.parametrize("overlay", [p.name for p in hardening.overlays(ROOT)])
def test_inference_service_fields(overlay: str) -> None:
    """kubernetes-validate only warns for CRDs: the InferenceService is checked field by field."""
    docs = rendered(overlay)
    isvc = kinds(docs)["InferenceService"]
    assert isvc["apiVersion"] == "serving.kserve.io/v1beta1"
    name, namespace = isvc["metadata"]["name"], isvc["metadata"]["namespace"]
    # Canary releases (canaryTrafficPercent) need KServe's Serverless mode.
    assert isvc["metadata"]["annotations"]["serving.kserve.io/deploymentMode"] == "Serverless"
    predictor = isvc["spec"]["predictor"]
    assert set(predictor) <= {
        "minReplicas", "maxReplicas", "scaleMetric", "scaleTarget", "timeout",
        "serviceAccountName", "automountServiceAccountToken", "enableServiceLinks", "labels",
        "annotations", "containers", "volumes", "canaryTrafficPercent",
    }, set(predictor)  # fmt: skip
    assert 1 <= predictor["minReplicas"] <= predictor["maxReplicas"]
    account = kinds(docs)["ServiceAccount"]["metadata"]["name"]
    assert predictor["serviceAccountName"] == account
    assert predictor["automountServiceAccountToken"] is False
    (container,) = predictor["containers"]
    assert container["name"] == "kserve-container"
    assert container["command"] == ["python", "-m", "deployment.kserve_predictor"]
    assert container["image"].endswith(":0.1.0")
    assert [p["containerPort"] for p in container["ports"]] == [8080]
    env = {e["name"]: e["value"] for e in container["env"]}
    assert env["PORT"] == "8080" and env["MODEL_NAME"]
    sc = container["securityContext"]
    assert sc["runAsNonRoot"] is True and sc["readOnlyRootFilesystem"] is True
    assert sc["allowPrivilegeEscalation"] is False and sc["capabilities"]["drop"] == ["ALL"]
    assert sc["seccompProfile"]["type"] == "RuntimeDefault" and sc["runAsUser"] != 0
    for kind in ("requests", "limits"):
        assert {"cpu", "memory"} <= set(container["resources"][kind])
    probes = {k: container[k]["httpGet"] for k in ("livenessProbe", "readinessProbe")}
    assert probes["readinessProbe"]["path"] == f"/v1/models/{env['MODEL_NAME']}"
    assert probes["livenessProbe"]["path"] == "/v2/health/live"
    assert {p["port"] for p in probes.values()} == {8080}
    config = kinds(docs)["ConfigMap"]["metadata"]["name"]
    refs = [r["configMapRef"]["name"] for r in container["envFrom"] if "configMapRef" in r]
    assert refs == [config]
    # The scrape config keeps pods of this name and component; KServe copies these labels.
    labels = predictor["labels"]
    assert labels["app.kubernetes.io/component"] == "api"
    assert labels["app.kubernetes.io/name"] == isvc["metadata"]["labels"]["app.kubernetes.io/name"]
    assert predictor["annotations"]["prometheus.io/port"] == "8080"
    pdb = kinds(docs)["PodDisruptionBudget"]
    assert pdb["spec"]["selector"]["matchLabels"]["serving.kserve.io/inferenceservice"] == name
    assert set(pdb["spec"]["selector"]["matchLabels"].items()) <= set(labels.items()) | {
        ("serving.kserve.io/inferenceservice", name)
    }
    assert {d["metadata"].get("namespace") for d in docs} == {namespace}


@pytest.mark.skipif(not KSERVE, reason="serving is not kserve")
def test_the_checks_catch_a_weakened_inference_service() -> None:
    isvc = kinds(rendered("dev"))["InferenceService"]
    weak = copy.deepcopy(isvc)
    container = weak["spec"]["predictor"]["containers"][0]
    container["securityContext"] = {"privileged": True}
    container["readinessProbe"]["httpGet"]["path"] = "/"
    findings = " | ".join(hardening.restricted_findings([weak]) + hardening.probe_findings([weak]))
    for expected in ("privileged", "drop ALL", "runAsNonRoot", "readOnlyRootFilesystem", "probes"):
        assert expected in findings, expected


@pytest.mark.skipif(not KSERVE, reason="serving is not kserve")
def test_in_cluster_prometheus_scrapes_the_predictor_on_its_metrics_port() -> None:
    """monitoring/prometheus/kubernetes.yml's `ml-api` job, replayed on the predictor pod KServe
    makes from the InferenceService (its labels and annotations go to the pod)."""
    import re

    import yaml

    config = yaml.safe_load((ROOT / "monitoring/prometheus/kubernetes.yml").read_text())
    (job,) = [j for j in config["scrape_configs"] if j["job_name"] == "ml-api"]
    predictor = kinds(rendered("dev"))["InferenceService"]["spec"]["predictor"]
    meta = {"__address__": "10.0.0.7", "__meta_kubernetes_namespace": "ns"}
    for kind, values in (("label", predictor["labels"]), ("annotation", predictor["annotations"])):
        for key, value in values.items():
            meta[f"__meta_kubernetes_pod_{kind}_{re.sub(r'[^a-zA-Z0-9_]', '_', key)}"] = value
    # KServe's pods also run Knative's queue-proxy: its ports must not be scraped.
    ports = [(p["name"], p["containerPort"]) for p in predictor["containers"][0]["ports"]]
    ports += [("http-usermetric", 9091), ("queue-port", 8012)]
    kept = []
    for name, number in ports:
        target = {**meta, "__address__": f"10.0.0.7:{number}"}
        target["__meta_kubernetes_pod_container_port_name"] = name
        labels = relabel(target, job["relabel_configs"])
        if labels is not None:
            kept.append(labels)
    assert [t["__address__"] for t in kept] == ["10.0.0.7:8080"]
    assert kept[0]["__metrics_path__"] == "/metrics"
