"""Champion vs challenger on the same holdout: promote only a clearly better model that passed
the model_training gate."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from models.metrics import relative_improvement


@dataclass(frozen=True)
class Decision:
    promote: bool
    reason: str
    metric: str
    challenger: float
    champion: float | None
    improvement: float | None
    min_improvement: float
    gates_passed: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def decide(
    metric: str,
    challenger: float,
    champion: float | None,
    min_improvement: float,
    gates_passed: bool,
    failed_gates: list[str] | None = None,
) -> Decision:
    """`improvement` is relative to the champion, in the metric's better direction."""
    improvement = None if champion is None else relative_improvement(challenger, champion, metric)

    def result(promote: bool, reason: str) -> Decision:
        return Decision(
            promote,
            reason,
            metric,
            challenger,
            champion,
            improvement,
            min_improvement,
            gates_passed,
        )

    if not gates_passed:
        return result(False, "model_training gate failed: " + ", ".join(failed_gates or []))
    if champion is None:
        return result(True, "no champion: the first model that passes the gates is promoted")
    if improvement is not None and improvement >= min_improvement:
        return result(True, f"{metric} better by {improvement:+.2%} (needs {min_improvement:.2%})")
    return result(
        False, f"{metric} change {improvement:+.2%} is below the margin {min_improvement:.2%}"
    )
