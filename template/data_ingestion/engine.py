"""Which DataFrame library runs the data steps: `engine` in `configs/data.yaml`.

The rules (the contract, check names, quarantine reasons, the watermark, the statistics) are
written once; each engine implements only the frame operations, in two modules:

- `data_ingestion.<engine>_frames`: read, write, hash, concatenate, filter and take rows;
- `data_quality.<engine>_checks`: coerce, run the schema, split accepted from quarantined rows,
  and the per-column figures of the profile.

The model's feature pipeline always receives pandas frames (the model boundary), so training
and serving stay one code path whichever engine prepared the data.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from types import ModuleType
from typing import Any

ENGINES = ("pandas", "polars", "spark")


def name(config: Mapping[str, Any]) -> str:
    """The configured engine (pandas when `engine` is not set)."""
    engine = str(config.get("engine") or "pandas")
    if engine not in ENGINES:
        raise ValueError(f"configs/data.yaml: engine must be one of {ENGINES}, got {engine!r}")
    return engine


def name_of(frame: Any) -> str:
    """The engine a frame belongs to (polars, a Spark frame, else pandas)."""
    module = type(frame).__module__
    if module.split(".")[0] == "polars":
        return "polars"
    return "spark" if module == "data_ingestion.spark_frames" else "pandas"


def frames(engine: str) -> ModuleType:
    """`data_ingestion.<engine>_frames`: reading, writing and row operations."""
    return _load("data_ingestion", engine, "frames")


def checks(engine: str) -> ModuleType:
    """`data_quality.<engine>_checks`: coercion, schema checks, quarantine and column figures."""
    return _load("data_quality", engine, "checks")


def _load(package: str, engine: str, part: str) -> ModuleType:
    try:
        return importlib.import_module(f"{package}.{engine}_{part}")
    except ModuleNotFoundError as exc:
        raise ModuleNotFoundError(
            f"engine {engine!r} is not available ({exc}); the project was rendered with "
            "another processing_engine: set `engine` in configs/data.yaml accordingly"
        ) from exc
