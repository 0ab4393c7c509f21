"""Online feature lookups for the API: the entity's latest features and aggregates.

A request names the entity and may leave features out; the store fills them (the request's own
fields win). An entity the store has never seen has no features: the API then predicts from the
request alone when it is complete, and answers 404 `unknown_entity` when it is not. An online
store that cannot be read raises `FeatureStoreUnavailable` (503), never a 500.
"""

from __future__ import annotations

import threading
from typing import Any

from data_ingestion import contract
from data_ingestion.contract import SettingsLike
from feature_store.definitions import ROWS_TO_DATE, aggregate_columns, layout, open_store


class FeatureStoreUnavailable(RuntimeError):
    """The registry or the online store cannot be read."""


class OnlineFeatures:
    """Reads one entity's online features; opened lazily and reopened after an outage."""

    def __init__(self, settings: SettingsLike) -> None:
        self.store = layout(settings)
        self.feature_names = list(contract.features(settings.data))
        self.aggregate_names = aggregate_columns(settings.data)
        self.refs = [f"{self.store.features_view}:{n}" for n in self.feature_names] + [
            f"{self.store.aggregates_view}:{n}" for n in self.aggregate_names
        ]
        self._fs: Any = None
        self._key_type: type | None = None
        self._lock = threading.Lock()

    def _open(self) -> Any:
        with self._lock:
            if self._fs is None:
                if not self.store.registry.is_file():
                    raise FeatureStoreUnavailable(
                        f"feature store registry {self.store.registry} is missing: run "
                        "`make pipeline` (the features step loads the store)"
                    )
                self._fs = open_store(self.store)
            return self._fs

    def lookup(self, entity_id: Any) -> dict[str, Any] | None:
        """{feature: value} of the entity (features and aggregates), or None when unknown."""
        if not self.store.online_path.is_file():
            self._fs = None
            raise FeatureStoreUnavailable(
                f"online store {self.store.online_path} is missing: run `make pipeline`"
            )
        key = self._key(entity_id)
        if key is None:  # an id of the wrong kind (text for integer keys) names no entity
            return None
        try:
            answer = (
                self._open()
                .get_online_features(features=self.refs, entity_rows=[{self.store.entity: key}])
                .to_dict()
            )
        except FeatureStoreUnavailable:
            raise
        except Exception as exc:  # sqlite3 / registry errors: the store is down, not the request
            self._fs = None
            raise FeatureStoreUnavailable(
                f"online store {self.store.online_path} cannot be read: {type(exc).__name__}: {exc}"
            ) from exc
        values = {n: answer.get(n, [None])[0] for n in (*self.feature_names, *self.aggregate_names)}
        # Every event counts, so a known entity always has a count: None means never seen.
        return None if values[ROWS_TO_DATE] is None else values

    def _key(self, entity_id: Any) -> Any:
        """`entity_id` as the store's key type (Feast rejects a key of the other type)."""
        if self._key_type is None:
            self._key_type = int if isinstance(self.known_entity(), int) else str
        if self._key_type is str:
            return str(entity_id)
        try:
            key = int(entity_id) if not isinstance(entity_id, bool) else None
        except (TypeError, ValueError):
            return None
        return key if key is not None and -(2**63) <= key < 2**63 else None

    def known_entity(self) -> Any:
        """An entity the offline source holds (its first row): what readiness looks up."""
        import pyarrow.dataset as ds

        path = self.store.source("features")  # a file, or on spark the folder Spark wrote
        if not path.exists():
            raise FeatureStoreUnavailable(f"offline source {path} is missing: run `make pipeline`")
        table = ds.dataset(str(path), format="parquet").head(1, columns=[self.store.entity])
        return table.column(0)[0].as_py()

    def known_entity_type(self) -> type:
        """int or str: the type of the entity ids the store holds."""
        return type(self.known_entity())

    def check(self) -> str | None:
        """None when the store answers for a known entity; else what is wrong."""
        try:
            entity = self.known_entity()
            if self.lookup(entity) is None:
                return (
                    f"online store {self.store.online_path} has no features for {self.store.entity}"
                    f" {entity!r}, which the offline source holds: run `make pipeline` to "
                    "materialize it"
                )
        except FeatureStoreUnavailable as exc:
            return str(exc)
        return None
