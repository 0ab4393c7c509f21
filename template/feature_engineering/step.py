"""Step `features`: split the validated data and check the feature pipeline on it.

Writes `data/features/{train,valid,test}.parquet` (validated columns; the model's pipeline
turns them into features) and `data/features/manifest.json` with the content hash of the split
dataset, row counts and the names of the features the pipeline produces from the train split.

With a feature store (`feature_store` in configs/data.yaml) the step first loads it (offline
sources, `feast apply`, materialize) and the splits are read back from it point in time, so
they carry the entity's aggregates as of each row's event time.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

from data_ingestion import engine
from data_ingestion.contract import SettingsLike
from data_ingestion.layers import Layers, content_hash, require_file, write_json, write_parquet
from feature_engineering.pipeline import build_feature_pipeline, split_xy
from feature_engineering.split import SPLITS, default_strategy, split_dataset

# The pipeline is checked on at most this many training rows (the model fits it on all of them).
CHECK_ROWS = 100_000


def run(settings: SettingsLike, state: dict[str, Any]) -> dict[str, Any]:
    config = settings.data
    layers = Layers(settings.data_dir)
    frames = engine.frames(engine.name(config))
    validated = frames.read_parquet([require_file(layers.validated, "validate")])
    seed = int((config.get("split") or {}).get("seed", 42))
    splits = split_dataset(validated, config, seed)
    store_summary = None
    if config.get("feature_store"):
        # Load the feature store (`feast apply`, materialize), then read each split back from
        # it point in time: the training set is what `get_historical_features` returns.
        from feature_store.sync import sync
        from feature_store.training import training_sets

        store_summary = sync(settings, validated)
        splits = training_sets(settings, splits)

    paths = {}
    hashes = {}
    for name in SPLITS:
        path = layers.features / f"{name}.parquet"
        write_parquet(splits[name], path)
        paths[name] = str(path)
        hashes[name] = content_hash(splits[name])
    dataset_hash = hashlib.sha256("".join(hashes[n] for n in SPLITS).encode()).hexdigest()

    names = check_feature_pipeline(splits["train"], config, seed)

    manifest = {
        "dataset_hash": dataset_hash,
        "rows": {name: len(splits[name]) for name in SPLITS},
        "split_hashes": hashes,
        "split": {
            **(config.get("split") or {}),
            "strategy": (config.get("split") or {}).get("strategy") or default_strategy(config),
            "seed": seed,
        },
        "feature_names_checked_on_rows": min(len(splits["train"]), CHECK_ROWS),
        "feature_names": names,
    }
    write_json(layers.features_manifest, manifest)
    state["splits"] = paths
    state["dataset_hash"] = dataset_hash
    return {
        "dataset_hash": dataset_hash[:12],
        "train": len(splits["train"]),
        "valid": len(splits["valid"]),
        "test": len(splits["test"]),
        "features_out": len(names),
        **({"feature_store": store_summary} if store_summary else {}),
    }


def check_feature_pipeline(train: Any, config: dict[str, Any], seed: int) -> list[str]:
    """Fit the feature pipeline on (a sample of) the train split; return its feature names.

    Fails loudly when the contract's columns cannot be turned into a finite numeric matrix.
    The pipeline takes pandas frames (the model boundary): the sample is converted first.
    """
    frames = engine.frames(engine.name_of(train))
    if len(train) > CHECK_ROWS:
        rows = np.random.default_rng(seed).choice(len(train), size=CHECK_ROWS, replace=False)
        train = frames.take(train, np.sort(rows))
    x_train, _ = split_xy(frames.to_pandas(train), config)
    pipeline = build_feature_pipeline(config).fit(x_train)
    matrix = pipeline.transform(x_train.head(1000))
    if not np.isfinite(matrix).all():
        raise ValueError("the feature pipeline produced non-finite values on the train split")
    return [str(n) for n in pipeline.get_feature_names_out()]
