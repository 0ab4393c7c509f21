"""The training set, read from the feature store point in time (`get_historical_features`).

Each split row is an event: its own fields are what was known then, and the store adds the
entity's aggregates as of the row's event time. A value dated after the row never reaches it.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from data_ingestion.contract import SettingsLike
from feature_store.definitions import aggregate_columns, layout, open_store

# The entity frame's columns Feast reads: the event time, and a key to join the answer back by
# (the file offline store may reorder rows and drops duplicate entity rows).
EVENT_TIMESTAMP = "event_timestamp"
JOIN_KEY = "__training_row"


def training_set(settings: SettingsLike, split: pd.DataFrame, fs: Any = None) -> pd.DataFrame:
    """`split` with the aggregates view's columns added, as of each row's event time."""
    store = layout(settings)
    fs = fs or open_store(store)
    columns = aggregate_columns(settings.data)
    entity_df = pd.DataFrame(
        {
            store.entity: split[store.entity].to_numpy(),
            EVENT_TIMESTAMP: pd.to_datetime(split[store.timestamp]).to_numpy(),
            JOIN_KEY: range(len(split)),
        }
    )
    answer = fs.get_historical_features(
        entity_df=entity_df,
        features=[f"{store.aggregates_view}:{c}" for c in columns],
    ).to_df()
    answer = answer.drop_duplicates(JOIN_KEY).set_index(JOIN_KEY)[columns]
    merged = split.drop(columns=[c for c in columns if c in split.columns]).reset_index(drop=True)
    joined = answer.reindex(range(len(split)))
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
