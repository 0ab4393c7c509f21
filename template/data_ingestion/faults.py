"""Data-quality faults injected on purpose, to prove that validation catches each kind.

`source.faults` in `configs/data.yaml` (sample source) and the tests use this. Each kind takes a
count (int) or a fraction of rows (float below 1):

- wrong_type: text in a numeric feature;       - nulls: nulls in a non-nullable feature;
- out_of_range: a numeric value above its max; - duplicate_ids: an earlier row's id reused;
- unknown_category: a value not in `allowed`;  - bad_timestamp: an unparseable timestamp;
- missing_column: drop a feature column (true, or the column's name).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from data_ingestion import contract

KINDS = (
    "wrong_type",
    "nulls",
    "out_of_range",
    "duplicate_ids",
    "unknown_category",
    "bad_timestamp",
    "missing_column",
)


def inject_faults(
    df: pd.DataFrame, config: Mapping[str, Any], faults: Mapping[str, Any], seed: int = 0
) -> tuple[pd.DataFrame, dict[str, list[Any]]]:
    """A copy of `df` with the faults applied, and the ids of the rows hit by each kind."""
    unknown = set(faults) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown fault kind(s) {sorted(unknown)}; expected some of {KINDS}")
    needs = {
        "duplicate_ids": ("id_column", contract.id_column(config)),
        "bad_timestamp": ("timestamp_column", contract.timestamp_column(config)),
    }
    for kind, (key, column) in needs.items():
        if faults.get(kind) and not column:
            raise ValueError(
                f"configs/data.yaml: source.faults.{kind} needs {key}; remove {kind} from "
                "source.faults or set the column"
            )
    rng = np.random.default_rng(seed)
    out = df.copy()
    # Rows hit are named by the id, or by position when the contract has no id column.
    id_col = contract.id_column(config)
    specs = contract.features(config)
    numeric = [n for n, s in specs.items() if s["type"] == "numeric" and n in out]
    hit: dict[str, list[Any]] = {}
    free = np.ones(len(out), dtype=bool)

    def rows(amount: Any, start: int = 0) -> np.ndarray:
        """Free row positions from `start` on, so each faulty row has exactly one fault."""
        pool = np.flatnonzero(free[start:]) + start
        n = _count(amount, len(out))
        if n > len(pool):
            raise ValueError(f"cannot place {n} faults in {len(pool)} free rows")
        chosen = np.sort(rng.choice(pool, size=n, replace=False))
        free[chosen] = False
        return chosen

    for kind in KINDS:
        amount = faults.get(kind)
        if not amount or kind == "missing_column":
            continue
        if kind == "duplicate_ids":
            half = len(out) // 2
            targets = rows(amount, start=half)
            sources = rng.choice(half, size=len(targets), replace=False)
            out.iloc[targets, out.columns.get_loc(id_col)] = out[id_col].to_numpy()[sources]
            hit[kind] = out[id_col].iloc[targets].tolist()
            continue
        at = rows(amount)
        column = _column_for(kind, config, specs, numeric)
        position = out.columns.get_loc(column)
        if kind in ("wrong_type", "bad_timestamp"):
            out[column] = out[column].astype(object)
            out.iloc[at, position] = "n/a" if kind == "wrong_type" else "not a date"
        elif kind == "nulls":
            out.iloc[at, position] = None
        elif kind == "out_of_range":
            spec = specs[column]
            out.iloc[at, position] = float(spec["max"]) * 10 + 1
        elif kind == "unknown_category":
            out[column] = out[column].astype(object)
            out.iloc[at, position] = "__unknown__"
        hit[kind] = out[id_col].iloc[at].tolist() if id_col else at.tolist()

    missing = faults.get("missing_column")
    if missing:
        column = missing if isinstance(missing, str) else next(iter(specs))
        out = out.drop(columns=[column])
        hit["missing_column"] = [column]
    return out, hit


def _count(amount: Any, rows: int) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int | float) or amount < 0:
        raise ValueError(f"a fault amount is a count or a fraction, got {amount!r}")
    return int(round(amount * rows)) if isinstance(amount, float) and amount < 1 else int(amount)


def _column_for(
    kind: str, config: Mapping[str, Any], specs: dict[str, dict[str, Any]], numeric: list[str]
) -> str:
    if kind == "bad_timestamp":
        return str(contract.timestamp_column(config))
    if kind == "wrong_type":
        candidates = numeric
    elif kind == "nulls":
        candidates = [n for n, s in specs.items() if not s.get("nullable", False)]
    elif kind == "out_of_range":
        candidates = [n for n in numeric if specs[n].get("max") is not None]
    else:  # unknown_category
        candidates = [n for n, s in specs.items() if s["type"] == "categorical"]
    if not candidates:
        raise ValueError(f"no feature in configs/data.yaml can take a {kind} fault")
    return candidates[0]
