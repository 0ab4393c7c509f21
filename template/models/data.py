"""The splits the models see: features in, target out, and the hash of the dataset version."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pandas as pd

from feature_engineering.split import load_splits


@dataclass
class Splits:
    train: pd.DataFrame
    valid: pd.DataFrame
    test: pd.DataFrame
    target: str

    @property
    def development(self) -> pd.DataFrame:
        """Train and validation rows: what cross-validation folds and the final fit use."""
        return pd.concat([self.train, self.valid], ignore_index=True)

    def xy(self, frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
        """The model's input (every column but the target) and the target."""
        return frame.drop(columns=[self.target]), frame[self.target]

    def rows(self) -> dict[str, int]:
        return {"train": len(self.train), "valid": len(self.valid), "test": len(self.test)}


def load(settings: Any, state: dict[str, Any]) -> Splits:
    """The train/valid/test splits of the feature step, from `state` or from disk."""
    frames = state.get("splits") or load_splits(settings)
    target = settings.data["target"]
    for name in ("train", "valid", "test"):
        if target not in frames[name].columns:
            raise KeyError(f"target column {target!r} missing from the {name} split")
    state["splits"] = frames
    return Splits(frames["train"], frames["valid"], frames["test"], target)


def dataset_hash(settings: Any, state: dict[str, Any]) -> str:
    """The content hash of the feature dataset version (data/features/manifest.json)."""
    if state.get("dataset_hash"):
        return str(state["dataset_hash"])
    manifest = settings.data_dir / "features" / "manifest.json"
    if not manifest.is_file():
        raise FileNotFoundError(f"{manifest} not found: run the features step (make pipeline)")
    return str(json.loads(manifest.read_text(encoding="utf-8"))["dataset_hash"])
