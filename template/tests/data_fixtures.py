"""Shared helpers of the data tests: a throw-away project folder with its own data config."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from data_ingestion import engine
from deployment.project import Settings

ROOT = Path(__file__).resolve().parents[1]
SMALL_ROWS = 600


def base_config() -> dict[str, Any]:
    with (ROOT / "configs/data.yaml").open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def engines_under_test() -> list[str]:
    """pandas (its code path ships with every project) and the engine configs/data.yaml names."""
    return sorted({"pandas", engine.name(base_config())})


ENGINES = engines_under_test()
# A test that runs every engine in a loop starts Spark: a slow test when spark is among them.
SLOW_WHEN_SPARK: Any = pytest.mark.slow if "spark" in ENGINES else (lambda test: test)


# Sources read from a server (PostgreSQL, an object store or its emulator) that a test's copy of
# the project does not start: such copies run on the sample. Each of these sources has its own
# tests against a real server (tests/test_data_postgres.py, tests/test_object_store*.py).
SERVER_SOURCES = ("postgres", "object_store")


def on_the_sample_if_served(source: dict[str, Any]) -> bool:
    """Point a copy's data source at the sample when it would need a server; True if it did."""
    served = source["type"] in SERVER_SOURCES
    if served:
        source["type"] = "sample"
    return served


def as_engine(df: pd.DataFrame, name: str) -> Any:
    """A pandas frame as a frame of engine `name`, the way a source read by it would look."""
    return engine.frames(name).from_pandas(df)


def to_pandas(frame: Any) -> pd.DataFrame:
    """Any engine's frame as pandas, for assertions."""
    return engine.frames(engine.name_of(frame)).to_pandas(frame)


def make_settings(root: Path, **source: Any) -> Settings:
    """Settings for a copy of the project at `root`; `source` keys override the data source.

    The sample source is used unless the test says otherwise, with few rows and no faults.
    """
    configs = root / "configs"
    configs.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "configs/data.yaml", configs / "data.yaml")
    settings_source = {"type": "sample", "rows": SMALL_ROWS, "seed": 7, "faults": {}}
    settings_source.update(source)
    base = base_config()["source"]
    merged = {**base, **settings_source}
    if merged["type"] == "sample":
        merged.pop("path", None)
    return Settings(root=root, overrides={"data": {"source": merged}})


def with_data(settings: Settings, **changes: Any) -> Settings:
    """The same project with top-level keys of the data config replaced."""
    data = {**settings.overrides.get("data", {}), **changes}
    return Settings(root=settings.root, overrides={"data": data})
