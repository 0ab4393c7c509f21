"""Train / validation / test split, and reading the splits back.

`split.strategy` in `configs/data.yaml`: `stratified` keeps the class shares in every split
(classification), `time` puts the oldest rows in train and the newest in test (it needs
`timestamp_column`), `random`. Unset, it is `stratified` for classification and `random` for
regression: a split is time-based only when asked for.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from data_ingestion import contract, engine
from data_ingestion.contract import SettingsLike
from data_ingestion.layers import Layers, read_json, require_file

SPLITS = ("train", "valid", "test")
STRATEGIES = ("stratified", "time", "random")


def split_dataset(df: Any, data_config: Mapping[str, Any], seed: int) -> dict[str, Any]:
    """{"train", "valid", "test"} frames (of `df`'s engine, rows renumbered); every row lands in
    exactly one. The positions are chosen on numpy arrays, so every engine splits alike."""
    frames = engine.frames(engine.name_of(df))
    options = dict(data_config.get("split") or {})
    strategy = options.get("strategy") or default_strategy(data_config)
    if strategy not in STRATEGIES:
        raise ValueError(
            f"configs/data.yaml: split.strategy must be one of {STRATEGIES}, got {strategy!r}"
        )
    timestamp = contract.timestamp_column(data_config)
    if strategy == "time" and timestamp is None:
        raise contract.DataContractError(
            "configs/data.yaml: split.strategy is time but no timestamp_column is set: set "
            f"timestamp_column, or split.strategy: {default_strategy(data_config)}"
        )
    valid_fraction = float(options.get("valid_fraction", 0.15))
    test_fraction = float(options.get("test_fraction", 0.15))
    if not (valid_fraction > 0 and test_fraction > 0 and valid_fraction + test_fraction < 1):
        raise ValueError("split fractions must be positive and leave rows for training")
    n = len(df)
    n_test = max(1, int(round(n * test_fraction)))
    n_valid = max(1, int(round(n * valid_fraction)))
    if n - n_test - n_valid < 1:
        raise ValueError(f"{n} rows are too few for a train/valid/test split")

    if strategy == "time":
        order = np.lexsort(
            (
                frames.text_column(df, contract.row_id_column(data_config)),
                frames.column(df, str(timestamp)),
            )
        )
        cut_valid, cut_test = n - n_test - n_valid, n - n_test
        parts = (order[:cut_valid], order[cut_valid:cut_test], order[cut_test:])
    else:
        target = frames.column(df, contract.target_column(data_config))
        positions = np.arange(n)
        stratify = target if strategy == "stratified" else None
        rest, test = train_test_split(
            positions, test_size=n_test, random_state=seed, stratify=stratify
        )
        stratify_rest = target[rest] if strategy == "stratified" else None
        train, valid = train_test_split(
            rest, test_size=n_valid, random_state=seed, stratify=stratify_rest
        )
        parts = (np.sort(train), np.sort(valid), np.sort(test))
    return {name: frames.take(df, idx) for name, idx in zip(SPLITS, parts, strict=True)}


def default_strategy(data_config: Mapping[str, Any]) -> str:
    """`stratified` for classification, `random` for regression."""
    return "random" if data_config.get("problem_type") == "regression" else "stratified"


def load_splits(settings: SettingsLike) -> dict[str, pd.DataFrame]:
    """The splits written by the `features` step: {"train", "valid", "test"} -> DataFrame."""
    layers = Layers(settings.data_dir)
    return {
        name: pd.read_parquet(require_file(layers.features / f"{name}.parquet", "features"))
        for name in SPLITS
    }


def load_manifest(settings: SettingsLike) -> dict[str, Any]:
    """data/features/manifest.json: dataset_hash, row counts, split options, feature names."""
    return read_json(require_file(Layers(settings.data_dir).features_manifest, "features"))
