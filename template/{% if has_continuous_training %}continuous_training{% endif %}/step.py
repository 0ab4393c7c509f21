"""Step `continuous_training`: check the triggers; when one fires, retrain, judge, promote or
not, write the model card, and append the decision to the audit log.

`state["force_reason"]` retrains whatever the triggers say (the CLI's `run --reason`).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from continuous_training import audit, config, retrain, triggers

log = logging.getLogger(__name__)


def check(settings: Any, state: dict[str, Any]) -> dict[str, Any]:
    """Only the triggers: what fired and why (nothing is trained, nothing is logged)."""
    results = triggers.evaluate(settings)
    state["triggers"] = results
    return {
        "fired": [t.name for t in results if t.fired],
        "triggers": {t.name: t.reason for t in results},
    }


def run(settings: Any, state: dict[str, Any]) -> dict[str, Any]:
    started = time.perf_counter()
    ct = config.load(settings)
    log_path = config.project_path(settings, ct["audit_log"])
    results = triggers.evaluate(settings)
    fired = [t for t in results if t.fired]
    forced = state.get("force_reason")
    trigger_info = {
        "fired": [t.name for t in fired] + (["manual"] if forced else []),
        "details": [t.to_dict() for t in results],
        **({"forced_reason": forced} if forced else {}),
    }
    if not fired and not forced:
        entry = audit.append(log_path, "no_trigger", triggers=trigger_info)
        return {"retrained": False, "fired": [], "audit_id": entry["id"]}

    requests = triggers.pending_requests(settings)
    try:
        steps = retrain.run_training_steps(settings, state)
        outcome = retrain.judge(settings, state, float(ct["promotion"]["min_improvement"]))
    except Exception as exc:
        audit.append(
            log_path,
            "retraining_failed",
            triggers=trigger_info,
            error=f"{type(exc).__name__}: {exc}",
        )
        raise
    triggers.consume_requests(settings, requests)
    card = _card(settings, state)
    decision = outcome["decision"]
    entry = audit.append(
        log_path,
        "promoted" if decision["promote"] else "not_promoted",
        triggers=trigger_info,
        champion_version=outcome["champion_version"],
        challenger_version=outcome["challenger_version"],
        holdout_rows=outcome["holdout_rows"],
        challenger_metrics=outcome["challenger_metrics"],
        champion_metrics=outcome["champion_metrics"],
        decision=decision,
        training_run_id=state["training"]["run_id"],
        dataset_hash=state["training"]["dataset_hash"],
        card=card,
        rows=steps["features"],
    )
    return {
        "retrained": True,
        "fired": trigger_info["fired"],
        "challenger_version": outcome["challenger_version"],
        "champion_version": outcome["champion_version"],
        "promoted": decision["promote"],
        "reason": decision["reason"],
        "audit_id": entry["id"],
        "seconds": round(time.perf_counter() - started, 1),
    }


def _card(settings: Any, state: dict[str, Any]) -> str | None:
    from deployment.project import run_step

    try:
        return str(run_step("card", settings, state).get("card"))
    except Exception as exc:  # a missing card does not undo a decision; the gate reports it
        log.warning("model card not written: %s", exc)
        return None
