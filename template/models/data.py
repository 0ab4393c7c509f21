"""The splits the models see: features in, target out, and the hash of the dataset version."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pandas as pd

from feature_engineering.pipeline import split_xy
from feature_engineering.split import load_splits


@dataclass
class Splits:
    train: pd.DataFrame
    valid: pd.DataFrame
    test: pd.DataFrame
    target: str
    data_config: dict[str, Any]

    @property
    def development(self) -> pd.DataFrame:
        """Train and validation rows: what cross-validation folds and the final fit use."""
        return pd.concat([self.train, self.valid], ignore_index=True)

    def xy(self, frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
        """The model's input (id, entity, timestamp and feature columns) and the target."""
        return split_xy(frame, self.data_config)

    def rows(self) -> dict[str, int]:
        return {"train": len(self.train), "valid": len(self.valid), "test": len(self.test)}


def load(settings: Any, state: dict[str, Any]) -> Splits:
    """The train/valid/test splits the features step wrote, read once per pipeline run."""
    if "split_frames" not in state:
        state["split_frames"] = load_splits(settings)
    frames = state["split_frames"]
    target = settings.data["target"]
    for name in ("train", "valid", "test"):
        if target not in frames[name].columns:
            raise KeyError(f"target column {target!r} missing from the {name} split")
    return Splits(frames["train"], frames["valid"], frames["test"], target, settings.data)


def dataset_hash(settings: Any, state: dict[str, Any]) -> str:
    """The content hash of the feature dataset version (data/features/manifest.json)."""
    if state.get("dataset_hash"):
        return str(state["dataset_hash"])
    manifest = settings.data_dir / "features" / "manifest.json"
    if not manifest.is_file():
        raise FileNotFoundError(f"{manifest} not found: run the features step (make pipeline)")
    return str(json.loads(manifest.read_text(encoding="utf-8"))["dataset_hash"])
