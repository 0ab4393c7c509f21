"""Feature flags through OpenFeature, from a flagd flag file evaluated in-process.

Two flags per experiment:
- `experiments-enabled`, the kill switch: "off" serves every unit the control;
- `model-variant`: which variant (a registry alias: champion, challenger) serves a unit. Its
  targeting is flagd's `fractional` on the same keys as `experimentation.assignment`, so the
  API and offline tools bucket a unit alike.

`build` writes the flag file from configs/experiment_design.yaml (`python -m experimentation
flags`), and the rollout rewrites it as it moves. The flagd file resolver re-reads the file when
it changes (checked every `reload_seconds`); a file that does not parse or is not valid flagd is
refused and the last good flags stay in force, with the reason kept in `FlagRouter.last_error`
and logged.

Per request the router evaluates the model flag with the flagd provider. The OpenFeature client
around it (hook lists, four context merges, details objects) costs as much as flagd's evaluation
and does nothing when no hook and no global or transaction context is registered: then the
router asks the provider directly, with the client's rules (a provider not ready or an error
serves the control); otherwise it goes through the client, so hooks still see every evaluation.
The kill switch has no targeting (the same value for every unit: OpenFeature reason STATIC), so
its value is kept until the provider reports that the flags changed (or failed, or came back):
a reload turns it off for every unit at once, as before, without an evaluation per request.
"""

from __future__ import annotations

import json
import logging
import os
import time
from itertools import count
from pathlib import Path
from typing import Any

from openfeature import api
from openfeature.contrib.provider.flagd import FlagdProvider
from openfeature.contrib.provider.flagd.config import ResolverType
from openfeature.evaluation_context import EvaluationContext
from openfeature.event import EventDetails, ProviderEvent
from openfeature.flag_evaluation import Reason
from openfeature.provider import ProviderStatus
from openfeature.provider.no_op_provider import NoOpProvider
from openfeature.transaction_context import get_transaction_context

from experimentation.assignment import layer_key_prefix, layer_parts, variant_key_prefix, weights
from experimentation.config import Design

log = logging.getLogger(__name__)

FLAG_FILE = Path("configs/flags.flagd.json")
KILL_SWITCH = "experiments-enabled"
MODEL_FLAG = "model-variant"
_domains = count()


def build(
    design: Design, allocation: dict[str, float] | None = None, enabled: bool = True
) -> dict[str, Any]:
    """The flagd flag file of `design`, with `allocation` (percent per variant; default the
    design's) and the kill switch on (`enabled`) or off."""
    allocation = allocation or dict(design.variants)
    by_variant = {
        "fractional": [
            {"cat": [variant_key_prefix(design.name, design.salt), {"var": "targetingKey"}]},
            *weights(allocation.items()),
        ]
    }
    targeting: dict[str, Any] = by_variant
    if tuple(design.layer_range) != (0.0, 100.0):
        in_layer = {
            "fractional": [
                {"cat": [layer_key_prefix(design.layer), {"var": "targetingKey"}]},
                *weights(layer_parts(design.layer_range)),
            ]
        }
        targeting = {"if": [{"==": [in_layer, "in"]}, by_variant, design.control]}
    return {
        "$schema": "https://flagd.dev/schema/v0/flags.json",
        "metadata": {"experiment": design.name, "control": design.control},
        "flags": {
            KILL_SWITCH: {
                "state": "ENABLED",
                "variants": {"on": True, "off": False},
                "defaultVariant": "on" if enabled else "off",
            },
            MODEL_FLAG: {
                "state": "ENABLED",
                "variants": {name: name for name in design.variants},
                "defaultVariant": design.control,
                "targeting": targeting,
            },
        },
    }


def write(path: Path, flags: dict[str, Any]) -> None:
    """Replace the flag file atomically: the resolver never reads half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(flags, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


def read(path: Path) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def set_kill_switch(path: Path, enabled: bool) -> None:
    flags = read(path)
    flags["flags"][KILL_SWITCH]["defaultVariant"] = "on" if enabled else "off"
    write(path, flags)


def check_file(path: Path, design: Design) -> list[str]:
    """Problems of the flag file (empty: it parses, has the kill switch and the model flag
    with a variant per design variant)."""
    try:
        flags = read(path)["flags"]
    except FileNotFoundError:
        return [f"{path}: not found (write it with `python -m experimentation flags`)"]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        return [f"{path}: not a flagd flag file: {type(exc).__name__}: {exc}"]
    problems = []
    switch = flags.get(KILL_SWITCH)
    if not isinstance(switch, dict) or set(switch.get("variants", {}).values()) != {True, False}:
        problems.append(f"{path}: no kill switch flag {KILL_SWITCH!r} with on/off variants")
    model = flags.get(MODEL_FLAG)
    if not isinstance(model, dict):
        problems.append(f"{path}: no {MODEL_FLAG!r} flag")
    elif set(model.get("variants", {})) != set(design.variants):
        problems.append(
            f"{path}: {MODEL_FLAG!r} variants {sorted(model.get('variants', {}))} differ from "
            f"the design's {sorted(design.variants)}"
        )
    return problems


class FlagRouter:
    """Per-request variant from the flag file, through an OpenFeature client of its own."""

    def __init__(self, path: Path, control: str, reload_seconds: float = 1.0,
                 ready_timeout: float = 5.0) -> None:  # fmt: skip
        self.path, self.control = Path(path), control
        self.last_error: str | None = None
        # The kill switch's value while the flags stay as they are: (generation, value). Every
        # provider event bumps the generation, so a value read before a reload is never reused.
        self._generation = 0
        self._switch: tuple[int, bool] | None = None
        self.domain = f"experimentation-{os.getpid()}-{next(_domains)}"
        self.provider = FlagdProvider(
            resolver_type=ResolverType.FILE,
            offline_flag_source_path=str(self.path),
            deadline_ms=max(1, int(reload_seconds * 1000)),
        )
        self.client = api.get_client(self.domain)
        self.client.add_handler(ProviderEvent.PROVIDER_ERROR, self._on_error)
        self.client.add_handler(ProviderEvent.PROVIDER_READY, self._on_ready)
        for event in ProviderEvent:
            self.client.add_handler(event, self._on_change)
        api.set_provider(self.provider, self.domain)
        deadline = time.monotonic() + ready_timeout
        while self.client.get_provider_status() != ProviderStatus.READY:
            if time.monotonic() > deadline:
                self.last_error = self.last_error or f"{self.path}: flags not loaded"
                log.error("flags not ready; serving the control", extra={"reason": self.last_error})
                break
            time.sleep(0.01)

    def _on_change(self, details: EventDetails) -> None:
        # Runs on the provider's watcher thread; an int bump is atomic under the GIL.
        self._generation += 1

    def _on_error(self, details: EventDetails) -> None:
        message = f"{self.path}: {details.message}; keeping the last good flags"
        if message != self.last_error:  # the resolver retries every interval: log once
            log.error("flag file refused", extra={"reason": message})
        self.last_error = message

    def _on_ready(self, details: EventDetails) -> None:
        if self.last_error:
            log.info("flag file loaded again", extra={"path": str(self.path)})
        self.last_error = None

    def enabled(self, unit_id: str) -> bool:
        return self._enabled(EvaluationContext(targeting_key=unit_id))

    def _enabled(self, ctx: EvaluationContext) -> bool:
        generation = self._generation
        cached = self._switch
        if cached is not None and cached[0] == generation:
            return cached[1]
        details = self.client.get_boolean_details(KILL_SWITCH, False, ctx)
        # Only a value that cannot depend on the unit is kept; an error is never kept.
        if details.reason == Reason.STATIC:
            self._switch = (generation, details.value)
        return details.value

    def variant(self, unit_id: str) -> tuple[str, bool]:
        """(variant, in_experiment): the control and False when the kill switch is off."""
        ctx = EvaluationContext(targeting_key=unit_id)
        if not self._enabled(ctx):
            return self.control, False
        return self._model_variant(ctx), True

    def _model_variant(self, ctx: EvaluationContext) -> str:
        if not self._plain():
            return self.client.get_string_value(MODEL_FLAG, self.control, ctx)
        if self.client.get_provider_status() in (ProviderStatus.NOT_READY, ProviderStatus.FATAL):
            return self.control
        try:
            value = self.provider.resolve_string_details(MODEL_FLAG, self.control, ctx).value
        except Exception:  # noqa: BLE001 - as the client does: an evaluation error serves the default
            return self.control
        return value if isinstance(value, str) else self.control

    def _plain(self) -> bool:
        """No hook and no context beyond the unit's: the client would only pass the call on."""
        return not (
            api.get_hooks()
            or self.client.hooks
            or self.provider.get_provider_hooks()
            or api.get_evaluation_context().attributes
            or get_transaction_context().attributes
        )

    def status(self) -> dict[str, Any]:
        return {
            "flag_file": str(self.path),
            "provider": str(self.client.get_provider_status().value),
            "last_error": self.last_error,
        }

    def close(self) -> None:
        # Swapping the provider out shuts the flagd one down (its file watcher thread ends).
        api.set_provider(NoOpProvider(), self.domain)
