"""The training set, read from the feature store point in time (`get_historical_features`).

Each split row is an event: its own fields are what was known then, and the store adds the
entity's aggregates as of the row's event time. A value dated after the row never reaches it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from data_ingestion import engine
from data_ingestion.contract import SettingsLike
from feature_store.definitions import aggregate_columns, layout, open_store

# The entity frame's event-time column (Feast's name for it).
EVENT_TIMESTAMP = "event_timestamp"


def training_set(settings: SettingsLike, split: pd.DataFrame, fs: Any = None) -> pd.DataFrame:
    """`split` with the aggregates view's columns added, as of each row's event time.

    Feast is asked once per distinct (entity, event time) and the answer is joined back by that
    key, never by position: the file offline store reorders rows and drops duplicate ones.
    """
    store = layout(settings)
    fs = fs or open_store(store, offline=True)
    columns = aggregate_columns(settings.data)
    keys = pd.DataFrame(
        {
            store.entity: split[store.entity].to_numpy(),
            EVENT_TIMESTAMP: pd.to_datetime(split[store.timestamp]).to_numpy(),
        }
    )
    entity_df = keys.drop_duplicates().reset_index(drop=True)
    answer = fs.get_historical_features(
        entity_df=entity_df,
        features=[f"{store.aggregates_view}:{c}" for c in columns],
    ).to_df()
    # Feast answers in UTC; the split's times are naive UTC.
    answer[EVENT_TIMESTAMP] = pd.to_datetime(answer[EVENT_TIMESTAMP], utc=True).dt.tz_localize(None)
    answer = answer.drop_duplicates([store.entity, EVENT_TIMESTAMP])
    keys[EVENT_TIMESTAMP] = keys[EVENT_TIMESTAMP].astype(answer[EVENT_TIMESTAMP].dtype)
    joined = keys.merge(answer, on=[store.entity, EVENT_TIMESTAMP], how="left", validate="m:1")
    merged = split.drop(columns=[c for c in columns if c in split.columns]).reset_index(drop=True)
    for name in columns:
        merged[name] = joined[name].to_numpy()
    missing = int(merged[columns[0]].isna().sum())
    if missing:
        raise ValueError(
            f"the feature store returned no {store.aggregates_view} row for {missing} of "
            f"{len(split)} events: run the `features` step again (it loads the store first)"
        )
    merged[columns[0]] = merged[columns[0]].astype("int64")
    return merged


def training_sets(settings: SettingsLike, splits: Mapping[str, Any]) -> dict[str, Any]:
    """Each split (a frame of any engine) with its aggregates, from one point-in-time read for
    all of them: on Spark each read is a join job of its own."""
    frames = engine.frames(engine.name_of(next(iter(splits.values()))))
    parts = {name: frames.to_pandas(frame) for name, frame in splits.items()}
    together = training_set(settings, pd.concat(parts.values(), ignore_index=True))
    out, start = {}, 0
    for name, part in parts.items():
        rows = together.iloc[start : start + len(part)].reset_index(drop=True)
        out[name] = frames.from_pandas(rows)
        start += len(part)
    return out
