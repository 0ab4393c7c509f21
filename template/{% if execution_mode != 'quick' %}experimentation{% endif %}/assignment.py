"""Deterministic, sticky assignment of units to variants.

A unit's bucket is a hash of (layer, unit id) into 10 000 buckets; experiments in one layer own
disjoint bucket ranges, so a unit is in at most one of them (mutually exclusive layers). Inside
its experiment, a second hash salted per experiment picks the variant by the allocation. The
hashes are SHA-256 (not Python's `hash`, which is salted per process), so every process, host and
restart assigns a unit the same way; changing an experiment's salt reshuffles its units.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from experimentation.config import Design

BUCKETS = 10_000


def bucket(key: str, buckets: int = BUCKETS) -> int:
    """A uniform bucket in [0, buckets) from the first 8 bytes of SHA-256(key)."""
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % buckets


@dataclass(frozen=True)
class Assigner:
    """Assigns units for one experiment of a layer."""

    experiment: str
    salt: str
    layer: str
    layer_range: tuple[float, float]  # percent of the layer's buckets
    variants: tuple[tuple[str, float], ...]  # (name, percent), control first

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
        lo, hi = self.layer_range
        b = bucket(f"layer:{self.layer}:{unit_id}")
        return lo * BUCKETS / 100 <= b < hi * BUCKETS / 100

    def variant(self, unit_id: str) -> str | None:
        """The unit's variant, or None when the layer gives the unit to another experiment."""
        if not self.in_experiment(unit_id):
            return None
        b = bucket(f"{self.experiment}:{self.salt}:{unit_id}")
        edge = 0.0
        for name, percent in self.variants:
            edge += percent * BUCKETS / 100
            if b < edge:
                return name
        return self.variants[-1][0]  # rounding: the last bucket belongs to the last variant


def variants_of(assigner: Assigner, unit_ids: list[str]) -> list[str | None]:
    """The variant of each unit (a module-level function, so worker processes can run it)."""
    return [assigner.variant(u) for u in unit_ids]


def check_exclusive(assigners: Iterable[Assigner]) -> None:
    """ValueError when two experiments of one layer own overlapping bucket ranges."""
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
    seen again much later logs a second exposure, which the analysis de-duplicates by unit)."""

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
