"""Rollback: after a bad promotion, one command restores the previous champion in the registry,
the running API (reloaded through its admin endpoint) serves the previous version again within
seconds, the Kubernetes commands are the right argv, and the rollback is audited."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import tracking_env
from ct_support import prepare_data, register_quick
from data_fixtures import make_settings

from continuous_training import audit, registry
from deployment.project import Settings
from rollback import kubernetes, restore
from rollback.__main__ import main as rollback_main

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "rollback-token"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """v1 (a good model) is champion; v2 (trained on shuffled labels) is registered."""
    root = tmp_path_factory.mktemp("rollback")
    with pytest.MonkeyPatch.context() as mp:
        tracking_env(mp, root)
        mp.setenv("CT_API_TOKEN", TOKEN)
        settings = make_settings(root, rows=600)
        shutil.copy(ROOT / "configs/experiment.yaml", root / "configs/experiment.yaml")
        prepare_data(settings)
        registry.promote(settings, register_quick(settings, seed=1))
        register_quick(settings, seed=2, shuffle_labels=True)
        yield settings


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


def test_rollback_makes_the_running_api_serve_the_previous_version(project: Settings) -> None:
    pytest.importorskip("deployment.api.app", reason="no API in batch mode")
    from fastapi.testclient import TestClient

    from deployment.api.app import create_app
    from deployment.api.config import ServingConfig
    from deployment.inference.schema import InputSchema

    champion_alias, _ = registry.aliases(project)
    name = project.experiment["registry"]["model_name"]
    config = ServingConfig(
        model_uri=f"models:/{name}@{champion_alias}", tracking_uri=project.tracking_uri,
        prediction_log_dir=None, model_retry_seconds=0.0,
    )  # fmt: skip
    app = create_app(config, project)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    row = InputSchema(project.data).examples(1, seed=3)[0]
    with TestClient(app) as client:
        assert client.get("/ready").json()["model"]["version"] == "1"
        registry.promote(project, "2")  # a bad promotion reaches production
        assert client.post("/admin/reload", headers=auth).json()["model"]["version"] == "2"
        assert client.post("/predict", json=row).json()["model_version"] == "2"

        started = time.perf_counter()
        assert rollback_main(["--root", str(project.root), "--reason", "bad v2"]) == 0
        reloaded = client.post("/admin/reload", headers=auth)
        took = time.perf_counter() - started
        assert reloaded.status_code == 200 and reloaded.json()["model"]["version"] == "1"
        assert client.post("/predict", json=row).json()["model_version"] == "1"
        assert client.get("/ready").json()["model"]["version"] == "1"
        assert took < 10, f"rollback took {took:.1f}s"
        assert client.post("/admin/reload").status_code == 401  # the token is required
    entry = audit.read(project.root / "reports/continuous_training/audit.jsonl")[-1]
    assert entry["event"] == "rollback" and entry["reason"] == "bad v2"
    assert entry["registry"]["from_version"] == "2" and entry["registry"]["to_version"] == "1"


def test_kubectl_commands_are_built_as_argv() -> None:
    assert kubernetes.undo_argv("api", "prod") == [
        "kubectl", "rollout", "undo", "deployment/api", "--namespace", "prod"
    ]  # fmt: skip
    assert kubernetes.undo_argv("api", "prod", revision=3)[-1] == "--to-revision=3"
    assert kubernetes.status_argv("api", "prod", 120)[-1] == "--timeout=120s"
    assert kubernetes.restart_argv("api", "prod")[:3] == ["kubectl", "rollout", "restart"]
    # An argv list, run without a shell: a hostile name stays one argument.
    assert kubernetes.undo_argv("a; rm -rf /", "x")[3] == "deployment/a; rm -rf /"


def test_kubectl_missing_is_reported_with_the_command_to_run() -> None:
    argv = kubernetes.undo_argv("api", "prod", kubectl="kubectl-that-is-not-installed")
    with pytest.raises(FileNotFoundError, match="rollout undo deployment/api"):
        kubernetes.run(argv)


def test_deployment_name_matches_the_manifests() -> None:
    root = ROOT
    if kubernetes.DEPLOYMENT is None:
        assert not (root / "deployment/k8s/base/api").exists()
        return
    manifest = (root / "deployment/k8s/base/api/deployment.yaml").read_text()
    assert f"name: {kubernetes.DEPLOYMENT}\n" in manifest
    prod = root / "deployment/k8s/overlays/prod/kustomization.yaml"
    if prod.is_file():
        assert f"namespace: {kubernetes.NAMESPACE}\n" in prod.read_text()
