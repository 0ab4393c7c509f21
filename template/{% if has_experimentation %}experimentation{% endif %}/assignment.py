"""Deterministic, sticky assignment of units to variants: the same bucketing as the API's
feature flag, so offline tools (simulation, layers, audits) and the served traffic agree.

Bucketing is flagd's `fractional` operator (MurmurHash3 of a key, split by integer weights),
called here as a library function; `experimentation.flags` writes the same keys into the flag
file. Two hashes decide a unit:
- layer membership: key `layer:<layer>:<unit>`; experiments of one layer own disjoint ranges of
  it, so a unit is in at most one of them (mutually exclusive layers);
- the variant inside the experiment: key `<experiment>:<salt>:<unit>`, weights = allocation.
The hash depends only on the key (not on Python's per-process `hash` seed): every process,
host and restart assigns a unit the same way. A new salt reshuffles the experiment's units.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from openfeature.contrib.tools.flagd.core.targeting.custom_ops import fractional

from experimentation.config import Design

# Weights are integers: percents in basis points allow allocations such as 0.5 %.
SCALE = 100


def weights(parts: Iterable[tuple[str, float]]) -> list[list[str | int]]:
    """flagd `fractional` arguments from (name, percent) pairs; zero weights are dropped."""
    return [[name, round(percent * SCALE)] for name, percent in parts if round(percent * SCALE)]


def layer_key_prefix(layer: str) -> str:
    return f"layer:{layer}:"


def variant_key_prefix(experiment: str, salt: str) -> str:
    return f"{experiment}:{salt}:"


def layer_parts(layer_range: tuple[float, float]) -> list[tuple[str, float]]:
    lo, hi = layer_range
    return [("below", lo), ("in", hi - lo), ("above", 100 - hi)]


@dataclass(frozen=True)
class Assigner:
    """Assigns units for one experiment of a layer."""

    experiment: str
    salt: str
    layer: str
    layer_range: tuple[float, float]  # percent of the layer's units
    variants: tuple[tuple[str, float], ...]  # (name, percent)

    @classmethod
    def from_design(cls, design: Design) -> Assigner:
        return cls(
            design.name,
            design.salt,
            design.layer,
            design.layer_range,
            tuple(design.variants.items()),
        )

    def in_experiment(self, unit_id: str) -> bool:
        if self.layer_range == (0.0, 100.0):
            return True
        key = layer_key_prefix(self.layer) + unit_id
        return fractional({}, key, *weights(layer_parts(self.layer_range))) == "in"

    def variant(self, unit_id: str) -> str | None:
        """The unit's variant, or None when the layer gives the unit to another experiment."""
        if not self.in_experiment(unit_id):
            return None
        key = variant_key_prefix(self.experiment, self.salt) + unit_id
        return fractional({}, key, *weights(self.variants))


def variants_of(assigner: Assigner, unit_ids: list[str]) -> list[str | None]:
    """The variant of each unit (a module-level function, so worker processes can run it)."""
    return [assigner.variant(u) for u in unit_ids]


def check_exclusive(assigners: Iterable[Assigner]) -> None:
    """ValueError when two experiments of one layer own overlapping ranges."""
    by_layer: dict[str, list[Assigner]] = {}
    for a in assigners:
        by_layer.setdefault(a.layer, []).append(a)
    for layer, members in by_layer.items():
        ordered = sorted(members, key=lambda a: a.layer_range)
        for left, right in zip(ordered, ordered[1:], strict=False):
            if right.layer_range[0] < left.layer_range[1]:
                raise ValueError(
                    f"layer {layer!r}: experiments {left.experiment!r} {left.layer_range} and "
                    f"{right.experiment!r} {right.layer_range} overlap; give them disjoint ranges"
                )


class ExposureDeduplicator:
    """Remembers which (unit, experiment) pairs were already exposed in this process, so each
    logs one exposure event. Bounded: past `max_entries` the oldest half is forgotten (a unit
    seen again much later logs a second exposure, which the analysis de-duplicates by unit;
    so do several API workers that each see the unit first)."""

    def __init__(self, max_entries: int = 1_000_000) -> None:
        self.max_entries = max_entries
        self._seen: dict[tuple[str, str], None] = {}

    def first(self, unit_id: str, experiment: str) -> bool:
        key = (unit_id, experiment)
        if key in self._seen:
            return False
        if len(self._seen) >= self.max_entries:
            for old in list(self._seen)[: self.max_entries // 2]:
                del self._seen[old]
        self._seen[key] = None
        return True
