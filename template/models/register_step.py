"""Step `register`: the best model becomes a new version with alias `challenger`; it also gets
`champion` only when the checks of the model_training gate pass."""

from __future__ import annotations

from typing import Any

import mlflow
from mlflow import MlflowClient

from models import loading, reports, tracking
from quality_gates.core import PASS, Context, read_answers, read_config
from quality_gates.model_training import PROMOTION_CHECKS


def promotion_checks(root: Any) -> list[dict[str, Any]]:
    """The model_training gate's checks that apply before a card exists, run in-process."""
    ctx = Context(root=root, config=read_config(root), answers=read_answers(root))
    results = []
    for check in PROMOTION_CHECKS:
        out = check(ctx)
        results += [c.to_dict() for c in (out if isinstance(out, list) else [out])]
    return results


def run(settings: Any, state: dict[str, Any]) -> dict[str, Any]:
    training = loading.training_report(settings, state)
    registry = settings.experiment["registry"]
    name = tracking.model_name(settings)
    mlflow.set_tracking_uri(settings.tracking_uri)
    client = MlflowClient()

    version = mlflow.register_model(training["model_uri"], name).version
    client.set_model_version_tag(name, version, "run_id", training["run_id"])
    client.set_model_version_tag(name, version, "dataset_hash", training["dataset_hash"])
    client.set_registered_model_alias(name, registry["challenger_alias"], version)

    checks = promotion_checks(settings.root)
    promoted = all(c["status"] == PASS for c in checks)
    if promoted:
        client.set_registered_model_alias(name, registry["champion_alias"], version)
    aliases = sorted(client.get_model_version(name, version).aliases)
    report = {
        "model_name": name,
        "version": int(version),
        "run_id": training["run_id"],
        "model_uri": f"models:/{name}/{version}",
        "aliases": aliases,
        "promoted": promoted,
        "checks": checks,
    }
    reports.write(settings.reports_dir, reports.REGISTRATION, report)
    state["registration"] = report
    failed = [c["name"] for c in checks if c["status"] != PASS]
    summary: dict[str, Any] = {"model": name, "version": int(version), "aliases": aliases}
    if failed:
        summary["not_promoted_because"] = failed
    return summary
