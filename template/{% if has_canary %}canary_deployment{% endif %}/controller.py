"""The progressive rollout: set the canary's traffic share, let traffic flow, analyse, and go on
or abort (the canary's share back to 0). The traffic router and the traffic source are passed
in: Argo Rollouts in Kubernetes (k8s/), or the in-process router of the tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from canary_deployment.analysis import Analysis, Criteria, Sample, analyse

STEPS = (5, 25, 50, 100)


class TrafficRouter(Protocol):
    def set_weight(self, percent: int) -> None:
        """Send `percent` % of the requests to the canary."""


class TrafficSource(Protocol):
    def observe(self) -> tuple[Sample, Sample]:
        """(canary, stable) answers since the last call."""


@dataclass
class RolloutResult:
    status: str  # promoted | aborted
    weight: int
    steps: list[dict[str, Any]] = field(default_factory=list)
    reason: str = ""


def run_rollout(
    router: TrafficRouter,
    source: TrafficSource,
    criteria: Criteria | None = None,
    steps: tuple[int, ...] = STEPS,
    max_waits: int = 3,
    on_step: Callable[[dict[str, Any]], None] | None = None,
    judge: Callable[[Sample, Sample], Analysis] | None = None,
) -> RolloutResult:
    """Walk the steps; an inconclusive analysis (too little traffic) is repeated up to
    `max_waits` times, then counts as a failure. `judge` replaces the canary analysis with
    other guardrails (experimentation/rollout.py judges an A/B rollout this way)."""
    criteria = criteria or Criteria()
    judge = judge or (lambda canary, stable: analyse(canary, stable, criteria))
    result = RolloutResult("promoted", 0)
    for weight in steps:
        router.set_weight(weight)
        result.weight = weight
        analysis: Analysis | None = None
        for _ in range(max_waits):
            analysis = judge(*source.observe())
            if not analysis.inconclusive:
                break
        assert analysis is not None
        record = {"weight": weight, **analysis.to_dict()}
        result.steps.append(record)
        if on_step:
            on_step(record)
        if not analysis.passed:
            router.set_weight(0)
            result.status, result.weight = "aborted", 0
            result.reason = f"at {weight} %: " + "; ".join(analysis.reasons)
            return result
    return result
