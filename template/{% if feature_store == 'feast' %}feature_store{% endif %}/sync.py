"""Load the feature store: write the offline sources, `feast apply`, then materialize.

Run by the `features` step (so `make pipeline` and every orchestrator run it through the same
step function) before the training set is read, and by `python -m feature_store sync`.
"""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any

import pandas as pd

from data_ingestion import engine
from data_ingestion.contract import SettingsLike
from data_ingestion.layers import Layers, require_file
from feature_store.definitions import build, layout, open_store, own_prometheus_env
from feature_store.offline import write_sources


def validated_frame(settings: SettingsLike) -> pd.DataFrame:
    """The validated layer as pandas (Feast's file offline store reads pandas)."""
    frames = engine.frames(engine.name(settings.data))
    path = require_file(Layers(settings.data_dir).validated, "validate")
    return frames.to_pandas(frames.read_parquet([path]))


def sync(settings: SettingsLike, validated: pd.DataFrame | None = None) -> dict[str, Any]:
    """Write the sources, apply the repository and materialize up to now; returns a summary.

    The first load materializes everything from the earliest event; later loads are
    incremental from the last materialized end (`materialize_incremental`). A late event, older
    than that end, reaches the offline store (training) but not the online store: delete
    `feature_store.path` to reload everything (`feast materialize` over the whole range).
    """
    store = layout(settings)
    frame = validated if validated is not None else validated_frame(settings)
    rows = write_sources(frame, settings.data, store)
    fs = open_store(store)
    entity_is_int = pd.api.types.is_integer_dtype(frame[store.entity])
    objects = build(store, settings.data, entity_is_int)
    fs.apply(objects)  # `feast apply`
    # Up to the newest event (not "now"): the next load's rows are newer than ingest's watermark,
    # so the incremental window starts where this one ended and misses none of them.
    newest = pd.Timestamp(frame[store.timestamp].max()).to_pydatetime()
    end = newest.replace(tzinfo=UTC) + timedelta(seconds=1)
    views = [fs.get_feature_view(v) for v in (store.features_view, store.aggregates_view)]
    first_load = any(not v.materialization_intervals for v in views)
    with own_prometheus_env():
        if first_load:
            start = pd.Timestamp(frame[store.timestamp].min()).to_pydatetime()
            fs.materialize(start_date=start.replace(tzinfo=UTC), end_date=end)
        else:
            fs.materialize_incremental(end_date=end)  # `feast materialize-incremental`
    return {
        "project": store.project,
        "views": [v.name for v in views],
        "source_rows": rows,
        "materialized_to": end.isoformat(),
        "mode": "full" if first_load else "incremental",
    }
