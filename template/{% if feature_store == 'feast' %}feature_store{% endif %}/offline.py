"""The offline sources of the feature views, written from the validated layer.

Both are Parquet files keyed by (entity, event time), one row per key: Feast's point-in-time
join picks, for an event at time T, the latest source row at or before T, so a row must already
hold everything known at its time and nothing later.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from data_ingestion import contract, engine
from data_ingestion.layers import write_parquet
from feature_store.definitions import ROWS_TO_DATE, StoreLayout, mean_column


def event_order(df: pd.DataFrame, config: Mapping[str, Any], store: StoreLayout) -> pd.DataFrame:
    """Rows by entity, then event time, then row id: a stable order for running statistics."""
    row_id = contract.row_id_column(config)
    keys = [store.entity, store.timestamp, *([row_id] if row_id in df.columns else [])]
    return df.sort_values(keys, kind="mergesort").reset_index(drop=True)


def features_source(
    df: pd.DataFrame, config: Mapping[str, Any], store: StoreLayout
) -> pd.DataFrame:
    """The contract's features of each (entity, event time); of several events at one time the
    last in row-id order."""
    ordered = event_order(df, config, store)
    columns = [store.entity, store.timestamp, *contract.features(config)]
    latest = ordered[columns].drop_duplicates([store.entity, store.timestamp], keep="last")
    return latest.reset_index(drop=True)


def aggregates_source(
    df: pd.DataFrame, config: Mapping[str, Any], store: StoreLayout
) -> pd.DataFrame:
    """Per entity and event time: the events so far (this time included) and the running mean
    of each aggregated feature over them (nulls skipped; no value yet -> null)."""
    ordered = event_order(df, config, store)
    groups = ordered.groupby(store.entity, sort=False)
    out = pd.DataFrame(
        {
            store.entity: ordered[store.entity],
            store.timestamp: ordered[store.timestamp],
            ROWS_TO_DATE: (groups.cumcount() + 1).astype("int64"),
        }
    )
    for name in contract.aggregated_features(config):
        values = pd.to_numeric(ordered[name], errors="coerce")
        sums = values.fillna(0.0).groupby(ordered[store.entity], sort=False).cumsum()
        counts = values.notna().astype("int64").groupby(ordered[store.entity], sort=False).cumsum()
        out[mean_column(name)] = np.where(counts > 0, sums / counts.where(counts > 0, 1), np.nan)
    # Several events at one time: the last row has seen them all.
    latest = out.drop_duplicates([store.entity, store.timestamp], keep="last")
    return latest.reset_index(drop=True)


@dataclass(frozen=True)
class Loaded:
    """What a load wrote: each source's rows, the events' time span and the entity key's type."""

    rows: dict[str, int]
    first_event: datetime
    last_event: datetime
    entity_is_int: bool


def require_events(rows: int, missing_times: int, store: StoreLayout) -> None:
    """The validated layer has rows, and each has an event time (Feast's timestamp)."""
    if not rows:
        raise ValueError("the validated layer has no rows: nothing to load into the feature store")
    if missing_times:
        raise ValueError(
            f"{missing_times} validated rows have no {store.timestamp} (the Feast event time): "
            f"make timestamp_column non-nullable in configs/data.yaml or fix the source rows"
        )


def write_sources(frame: Any, config: Mapping[str, Any], store: StoreLayout) -> Loaded:
    """Write both sources atomically from the validated rows (a frame of any engine).

    On spark, Spark computes and writes them (`feature_store.spark_sources`) for Feast's Spark
    offline store; otherwise they are computed in pandas for its file offline store.
    """
    if store.offline == "spark":
        from feature_store import spark_sources

        return spark_sources.write_sources(frame, config, store)
    df = engine.frames(engine.name_of(frame)).to_pandas(frame)
    require_events(len(df), int(df[store.timestamp].isna().sum()), store)
    sources = {
        "features": features_source(df, config, store),
        "aggregates": aggregates_source(df, config, store),
    }
    for kind, source in sources.items():
        write_parquet(source, store.source(kind))
    return Loaded(
        rows={kind: len(source) for kind, source in sources.items()},
        first_event=pd.Timestamp(df[store.timestamp].min()).to_pydatetime(),
        last_event=pd.Timestamp(df[store.timestamp].max()).to_pydatetime(),
        entity_is_int=pd.api.types.is_integer_dtype(df[store.entity]),
    )
