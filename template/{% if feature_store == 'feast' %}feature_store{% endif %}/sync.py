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


def validated_layer(settings: SettingsLike) -> Any:
    """The validated layer as a frame of the configured engine."""
    frames = engine.frames(engine.name(settings.data))
    return frames.read_parquet([require_file(Layers(settings.data_dir).validated, "validate")])


def validated_frame(settings: SettingsLike) -> pd.DataFrame:
    """The validated layer as pandas (to look at, or to edit in a test)."""
    return engine.frames(engine.name(settings.data)).to_pandas(validated_layer(settings))


def sync(settings: SettingsLike, validated: Any = None) -> dict[str, Any]:
    """Write the sources, apply the repository and materialize up to now; returns a summary.

    `validated`: the validated rows as a frame of any engine (default: the validated layer).
    The first load materializes everything from the earliest event; later loads are
    incremental from the last materialized end (`materialize_incremental`). A late event, older
    than that end, reaches the offline store (training) but not the online store: delete
    `feature_store.path` to reload everything (`feast materialize` over the whole range).
    """
    store = layout(settings)
    frame = validated if validated is not None else validated_layer(settings)
    loaded = write_sources(frame, settings.data, store)
    fs = open_store(store, offline=True)
    fs.apply(build(store, settings.data, loaded.entity_is_int))  # `feast apply`
    # Up to the newest event (not "now"): the next load's rows are newer than ingest's watermark,
    # so the incremental window starts where this one ended and misses none of them.
    end = loaded.last_event.replace(tzinfo=UTC) + timedelta(seconds=1)
    views = [fs.get_feature_view(v) for v in (store.features_view, store.aggregates_view)]
    first_load = any(not v.materialization_intervals for v in views)
    with own_prometheus_env():
        if first_load:
            start = loaded.first_event.replace(tzinfo=UTC)
            fs.materialize(start_date=start, end_date=end)
        else:
            fs.materialize_incremental(end_date=end)  # `feast materialize-incremental`
    return {
        "project": store.project,
        "offline_store": store.offline,
        "views": [v.name for v in views],
        "source_rows": loaded.rows,
        "materialized_to": end.isoformat(),
        "mode": "full" if first_load else "incremental",
    }
