"""The Feast repository, generated from the data contract (configs/data.yaml) at run time.

- entity: `entity_column`;
- feature view `<entity>_features`: the contract's features of the entity's latest event (event
  time `timestamp_column`), what the API fills a request's missing fields with;
- feature view `<entity>_aggregates`: per-entity statistics *to date*: the entity's event count
  and the running mean of each `aggregate: true` feature, over its events up to each event time.

Nothing here is copied by hand from the contract: a renamed column or a new feature changes the
repository on the next `feature_store` sync (`feast apply`). Registry, offline sources and the
SQLite online store live under `feature_store.path` (configs/data.yaml); the paths Feast gets
are absolute, as its file sources need.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from data_ingestion import contract, engine
from data_ingestion.contract import DataContractError, SettingsLike

# The count column of the aggregates view; the means are `mean_<feature>_to_date`.
ROWS_TO_DATE = "rows_to_date"
SOURCE_FILES = {"features": "features.parquet", "aggregates": "aggregates.parquet"}


def mean_column(feature: str) -> str:
    return f"mean_{feature}_to_date"


@dataclass(frozen=True)
class StoreLayout:
    """Names and paths of the feature store, read from configs/data.yaml."""

    project: str
    root: Path
    entity: str
    timestamp: str
    ttl: timedelta
    # The engine of the data steps; on spark, Feast's Spark offline store reads the sources.
    engine: str = "pandas"

    @property
    def offline(self) -> str:
        """Feast's offline store: Spark's on a spark project, else the file store."""
        return "spark" if self.engine == "spark" else "file"

    @property
    def registry(self) -> Path:
        return self.root / "registry.db"

    @property
    def online_path(self) -> Path:
        return self.root / "online.db"

    def source(self, kind: str) -> Path:
        return self.root / "sources" / SOURCE_FILES[kind]

    @property
    def features_view(self) -> str:
        return f"{self.entity}_features"

    @property
    def aggregates_view(self) -> str:
        return f"{self.entity}_aggregates"


def layout(settings: SettingsLike) -> StoreLayout:
    """The store's layout; a contract without an entity or a timestamp cannot have one."""
    config = settings.data
    options = config.get("feature_store")
    if not isinstance(options, Mapping) or options.get("type") != "feast":
        raise DataContractError(
            f"configs/data.yaml: feature_store must be a mapping with type: feast, got {options!r}"
        )
    entity = contract.entity_column(config)
    timestamp = contract.timestamp_column(config)
    for key, value in (("entity_column", entity), ("timestamp_column", timestamp)):
        if not value:
            raise DataContractError(
                f"configs/data.yaml: feature_store needs {key} (the Feast entity key and event "
                f"time); set {key}, or remove the feature_store block"
            )
    ttl_days = float(options.get("ttl_days", 0))
    if ttl_days < 0:
        raise DataContractError(
            f"configs/data.yaml: feature_store.ttl_days must be >= 0, got {ttl_days}"
        )
    # FEATURE_STORE_PATH (environment) wins: where a container or a test server finds the store.
    root = Path(os.environ.get("FEATURE_STORE_PATH") or options.get("path") or "data/feature_store")
    return StoreLayout(
        project=str(options.get("project") or "features"),
        root=root if root.is_absolute() else settings.data_dir.parent / root,
        entity=str(entity),
        timestamp=str(timestamp),
        ttl=timedelta(days=ttl_days),
        engine=engine.name(config),
    )


# Importing feast.metrics (materialization and online reads do) sets these for the whole process,
# which turns the process's own prometheus_client metrics (the API's) to multiprocess mode.
PROMETHEUS_ENV = ("PROMETHEUS_MULTIPROC_DIR", "PROMETHEUS_MULTIPROCESS_DIR")


@contextmanager
def own_prometheus_env() -> Iterator[None]:
    # prometheus_client chooses in-process or multiprocess values once, on its first import:
    # imported before Feast sets the variables, it keeps this process's choice (else the API's
    # metrics would look for a directory that is gone once the variables are undone).
    import prometheus_client.values  # noqa: F401

    saved = {key: os.environ.get(key) for key in PROMETHEUS_ENV}
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def repo_config(store: StoreLayout) -> Any:
    """Feast's RepoConfig: local provider, the file (or Spark) offline store, SQLite online."""
    from feast.repo_config import RepoConfig

    return RepoConfig(
        project=store.project,
        provider="local",
        registry=str(store.registry),
        offline_store={"type": store.offline},
        online_store={"type": "sqlite", "path": str(store.online_path)},
        entity_key_serialization_version=3,
        repo_path=str(store.root),
    )


def open_store(store: StoreLayout, offline: bool = False) -> Any:
    """A FeatureStore on the layout (importing Feast takes seconds: done here, not at import).

    `offline`: the caller reads or loads the offline store (sync, training). On spark that
    needs the data steps' session; online reads (the API) start no JVM.
    """
    with own_prometheus_env():
        import feast.metrics  # noqa: F401  (imported once here, its variables undone)
        from feast import FeatureStore

    store.root.mkdir(parents=True, exist_ok=True)
    if offline and store.offline == "spark":
        # Feast's Spark store takes the active session: the data steps' (local mode unless
        # SPARK_MASTER names a cluster), with their settings, not a default one of its own.
        from data_ingestion.spark_session import session

        session()
    return FeatureStore(config=repo_config(store))


def feature_types(config: Mapping[str, Any]) -> dict[str, str]:
    """Contract feature -> Feast type name (Float64, Int64, String, UnixTimestamp)."""
    types = {}
    for name, spec in contract.features(config).items():
        if spec["type"] == "numeric":
            types[name] = "Float64"
        elif spec["type"] == "timestamp":
            types[name] = "UnixTimestamp"
        else:
            allowed = spec.get("allowed") or ()
            ints = allowed and all(isinstance(v, int) and not isinstance(v, bool) for v in allowed)
            types[name] = "Int64" if ints else "String"
    return types


def aggregate_columns(config: Mapping[str, Any]) -> list[str]:
    """Columns of the aggregates view: the count to date and one running mean per feature."""
    return [ROWS_TO_DATE, *(mean_column(n) for n in contract.aggregated_features(config))]


def build(store: StoreLayout, config: Mapping[str, Any], entity_is_int: bool) -> list[Any]:
    """The Feast objects to apply: the entity and the two feature views with their sources."""
    from feast import Entity, FeatureView, Field, ValueType
    from feast import types as feast_types

    entity = Entity(
        name=store.entity,
        join_keys=[store.entity],
        value_type=ValueType.INT64 if entity_is_int else ValueType.STRING,
        description=f"entity_column of configs/data.yaml ({store.entity})",
    )
    features_source = offline_source(store, "features", f"{store.features_view}_source")
    aggregates_source = offline_source(store, "aggregates", f"{store.aggregates_view}_source")
    features = FeatureView(
        name=store.features_view,
        entities=[entity],
        ttl=store.ttl,
        schema=[
            Field(name=name, dtype=getattr(feast_types, kind))
            for name, kind in feature_types(config).items()
        ],
        source=features_source,
        online=True,
        description="the contract's features of the entity's latest event",
    )
    aggregates = FeatureView(
        name=store.aggregates_view,
        entities=[entity],
        ttl=store.ttl,
        schema=[
            Field(name=ROWS_TO_DATE, dtype=feast_types.Int64),
            *(Field(name=n, dtype=feast_types.Float64) for n in aggregate_columns(config)[1:]),
        ],
        source=aggregates_source,
        online=True,
        description="per-entity event count and running means up to each event time",
    )
    return [entity, features, aggregates]


def offline_source(store: StoreLayout, kind: str, name: str) -> Any:
    """A view's offline source: a Parquet file, or on spark the Parquet folder Spark wrote."""
    if store.offline == "spark":
        from feast.infra.offline_stores.contrib.spark_offline_store.spark_source import (
            SparkSource,
        )

        return SparkSource(
            name=name,
            path=str(store.source(kind)),
            file_format="parquet",
            timestamp_field=store.timestamp,
        )
    from feast import FileSource

    return FileSource(name=name, path=str(store.source(kind)), timestamp_field=store.timestamp)
