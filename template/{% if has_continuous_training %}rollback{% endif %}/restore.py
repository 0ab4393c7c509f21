"""The registry part of a rollback: move the champion alias back to the previous champion."""

from __future__ import annotations

from typing import Any

from mlflow.exceptions import MlflowException

from continuous_training import registry
from models import tracking


class RollbackError(RuntimeError):
    """No version to roll back to, or the one asked for does not exist."""


def _rolled_back(settings: Any, version: str) -> bool:
    name = tracking.model_name(settings)
    tags = registry.client(settings).get_model_version(name, version).tags
    return tags.get(registry.ROLLED_BACK_TAG) == "true"


def previous_champion(settings: Any) -> str:
    """The champion before the current one: the promotion history first (skipping versions
    already rolled back), else the newest lower version that was not rolled back."""
    current = registry.champion_version(settings)
    if current is None:
        raise RollbackError("there is no champion to roll back from")
    for version in reversed(registry.history(settings)):
        if version != current and not _rolled_back(settings, version):
            return version
    name = tracking.model_name(settings)
    lower = sorted(
        (
            int(mv.version)
            for mv in registry.client(settings).search_model_versions(f"name='{name}'")
            if int(mv.version) < int(current)
        ),
        reverse=True,
    )
    for version in map(str, lower):
        if not _rolled_back(settings, version):
            return version
    raise RollbackError(f"no earlier version than the champion v{current} to roll back to")


def restore(settings: Any, to_version: str | None = None) -> dict[str, Any]:
    """Point the champion alias at `to_version` (default: the previous champion); the version
    rolled back from is tagged `rolled_back=true` and dropped from the history."""
    current = registry.champion_version(settings)
    target = str(to_version) if to_version else previous_champion(settings)
    name = tracking.model_name(settings)
    c = registry.client(settings)
    try:
        c.get_model_version(name, target)
    except MlflowException as exc:
        raise RollbackError(f"version {target} of {name} does not exist") from exc
    champion_alias, _ = registry.aliases(settings)
    c.set_registered_model_alias(name, champion_alias, target)
    if current is not None and current != target:
        c.set_model_version_tag(name, current, registry.ROLLED_BACK_TAG, "true")
    past = [v for v in registry.history(settings) if v != current]
    if not past or past[-1] != target:
        past.append(target)
    c.set_registered_model_tag(name, registry.HISTORY_TAG, ",".join(past))
    return {"model_name": name, "from_version": current, "to_version": target}
