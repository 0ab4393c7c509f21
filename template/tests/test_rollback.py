"""Rollback: after a bad promotion, one command restores the previous champion in the registry
and is audited; the Kubernetes commands are the right argv. (The running API serving the
previous version again: test_rollback_api.py, rendered when the project has the API.)"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from ct_support import rollback_project

from continuous_training import audit, registry
from deployment.project import Settings
from rollback import kubernetes, restore
from rollback.__main__ import main as rollback_main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    yield from rollback_project(tmp_path_factory.mktemp("rollback"))


def test_restore_moves_the_alias_back_and_marks_the_bad_version(project: Settings) -> None:
    registry.promote(project, "2")  # the bad promotion
    assert registry.champion_version(project) == "2"
    assert restore.previous_champion(project) == "1"
    result = restore.restore(project)
    assert result == {"model_name": result["model_name"], "from_version": "2", "to_version": "1"}
    assert registry.champion_version(project) == "1"
    name = result["model_name"]
    tags = registry.client(project).get_model_version(name, "2").tags
    assert tags[registry.ROLLED_BACK_TAG] == "true"
    # Nothing earlier than v1 that was not rolled back: a second rollback has nowhere to go.
    with pytest.raises(restore.RollbackError):
        restore.previous_champion(project)


def test_rollback_command_restores_a_chosen_version_and_logs_it(project: Settings) -> None:
    registry.promote(project, "2")
    assert rollback_main(["--root", str(project.root), "--to", "1", "--reason", "cli"]) == 0
    assert registry.champion_version(project) == "1"
    entry = audit.read(project.root / "reports/continuous_training/audit.jsonl")[-1]
    assert entry["event"] == "rollback" and entry["reason"] == "cli"
    assert entry["registry"] == {**entry["registry"], "from_version": "2", "to_version": "1"}
    assert rollback_main(["--root", str(project.root), "--to", "77"]) == 2  # no such version


@pytest.mark.skipif(kubernetes.KIND != "inferenceservice", reason="serving is not kserve")
def test_inference_service_rollback_argv() -> None:
    """KServe: every request back to the previous revision, then wait until Ready."""
    argv = kubernetes.undo_argv("isvc", "prod")
    assert argv[:4] == ["kubectl", "patch", "inferenceservice/isvc", "--namespace"]
    assert json.loads(argv[-1]) == {"spec": {"predictor": {"canaryTrafficPercent": 0}}}
    with pytest.raises(ValueError):
        kubernetes.undo_argv("isvc", "prod", revision=3)
    assert kubernetes.status_argv("isvc", "prod", 120)[1:3] == ["wait", "--for=condition=Ready"]
    assert kubernetes.status_argv("isvc", "prod", 120)[-1] == "--timeout=120s"
    restart = json.loads(kubernetes.restart_argv("isvc", "prod")[-1])
    assert "kubectl.kubernetes.io/restartedAt" in restart["spec"]["predictor"]["annotations"]
    assert kubernetes.undo_argv("a; rm -rf /", "x")[2] == "inferenceservice/a; rm -rf /"
    with pytest.raises(FileNotFoundError, match="patch inferenceservice/isvc"):
        kubernetes.run(kubernetes.undo_argv("isvc", "prod", kubectl="kubectl-not-installed"))


@pytest.mark.skipif(kubernetes.KIND != "deployment", reason="serving is kserve")
def test_kubectl_commands_are_built_as_argv() -> None:
    assert kubernetes.undo_argv("api", "prod") == [
        "kubectl", "rollout", "undo", "deployment/api", "--namespace", "prod"
    ]  # fmt: skip
    assert kubernetes.undo_argv("api", "prod", revision=3)[-1] == "--to-revision=3"
    assert kubernetes.status_argv("api", "prod", 120)[-1] == "--timeout=120s"
    assert kubernetes.restart_argv("api", "prod")[:3] == ["kubectl", "rollout", "restart"]
    # An argv list, run without a shell: a hostile name stays one argument.
    assert kubernetes.undo_argv("a; rm -rf /", "x")[3] == "deployment/a; rm -rf /"


@pytest.mark.skipif(kubernetes.KIND != "deployment", reason="serving is kserve")
def test_kubectl_missing_is_reported_with_the_command_to_run() -> None:
    argv = kubernetes.undo_argv("api", "prod", kubectl="kubectl-that-is-not-installed")
    with pytest.raises(FileNotFoundError, match="rollout undo deployment/api"):
        kubernetes.run(argv)


def test_deployment_name_matches_the_manifests() -> None:
    root = ROOT
    if kubernetes.DEPLOYMENT is None:
        assert not (root / "deployment/k8s/base/api").exists()
        return
    if kubernetes.KIND == "inferenceservice":
        manifest = (root / "deployment/k8s/base/kserve/inferenceservice.yaml").read_text()
        assert f"kind: InferenceService\nmetadata:\n  name: {kubernetes.DEPLOYMENT}\n" in manifest
    else:
        manifest = (root / "deployment/k8s/base/api/deployment.yaml").read_text()
        assert f"name: {kubernetes.DEPLOYMENT}\n" in manifest
    prod = root / "deployment/k8s/overlays/prod/kustomization.yaml"
    if prod.is_file():
        assert f"namespace: {kubernetes.NAMESPACE}\n" in prod.read_text()
