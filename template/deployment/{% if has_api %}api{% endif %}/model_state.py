"""The served model: loaded at start-up, retried in the background while it cannot be loaded,
and, when asked to, kept in step with the registry alias it was loaded from.

Until a model is loaded, `/ready` and the prediction routes answer 503 with the reason; the
process stays up so `/health` keeps answering.

Watching the alias (MODEL_POLL_SECONDS > 0 and MODEL_URI a `models:/<name>@<alias>` URI): every
MODEL_POLL_SECONDS a background task asks the registry which version the alias names (one small
registry call, in a thread). When it is not the version being served, that version is loaded and
checked beside the old one and then swapped in with a single reference assignment: a request
takes `state.predictor` once, so it is answered wholly by the old or wholly by the new model,
and the prediction path does no extra work. A failed check or load keeps the current model and
is tried again at the next poll. A promotion or `python -m rollback` then reaches the API within
MODEL_POLL_SECONDS without a call to POST /admin/reload.

The default is 0, off: in Kubernetes the image carries its model (MODEL_URI=/app/model, nothing
to watch), and a new model should reach users through a rollout, which the canary analysis
watches and `kubectl rollout undo` reverts; pods that switched by themselves would bypass both.
Turn it on (30 is a fair value: a registry call per worker every 30 s) where the API loads from
the registry and promotions are meant to go live directly: a single VM, docker compose, a dev
environment.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from starlette.concurrency import run_in_threadpool

from deployment.api import metrics
from deployment.api.config import ServingConfig
from deployment.api.prediction_log import PredictionLog
from deployment.inference import model as model_source
from deployment.inference.predictor import Predictions, Predictor
from deployment.inference.schema import InputSchema

log = logging.getLogger(__name__)


class ModelNotReadyError(Exception):
    """No model is loaded; the message says why."""


def _info_labels(predictor: Predictor) -> tuple[str, str, str, str]:
    info = predictor.info
    return info.name, info.version, info.source, str(predictor.fast is not None).lower()


class ModelState:
    def __init__(self, config: ServingConfig, schema: InputSchema) -> None:
        self.config, self.schema = config, schema
        self.predictor: Predictor | None = None
        self.reason = "model not loaded yet"
        self._retry: asyncio.Task[None] | None = None
        self._poll: asyncio.Task[None] | None = None
        self._loading = threading.Lock()  # one load at a time (poll, retry, /admin/reload)

    def require(self) -> Predictor:
        if self.predictor is None:
            raise ModelNotReadyError(self.reason)
        return self.predictor

    def load(self) -> bool:
        """Load the model now; on failure keep the reason (and the model served) and return
        False."""
        with self._loading:
            try:
                model, info = model_source.load(self.config.model_uri, self.config.tracking_uri)
                predictor = Predictor(model, info, self.schema)
            except Exception as exc:  # any failure to load leaves the API up as it was
                self.reason = f"cannot load {self.config.model_uri}: {type(exc).__name__}: {exc}"
                log.error("model not loaded", extra={"reason": self.reason})
                return False
            previous, self.predictor = self.predictor, predictor  # the swap
            if previous is not None and _info_labels(previous) != _info_labels(predictor):
                metrics.MODEL_INFO.labels(*_info_labels(previous)).set(0)
            metrics.MODEL_INFO.labels(*_info_labels(predictor)).set(1)
            log.info(
                "model loaded",
                extra={
                    "model": info.to_dict(),
                    "fast_path": predictor.fast is not None,
                    "previous_version": previous.info.version if previous else None,
                },
            )
            return True

    @property
    def watches_alias(self) -> bool:
        uri = self.config.model_uri
        return self.config.model_poll_seconds > 0 and uri.startswith("models:/") and "@" in uri

    def alias_moved(self) -> bool:
        """Whether the alias names another version than the one served (a registry call)."""
        named = model_source.resolve(self.config.model_uri, self.config.tracking_uri)
        current = self.predictor
        return current is None or current.info.version != named.version

    async def start(self) -> None:
        loaded = await asyncio.to_thread(self.load)
        loop = asyncio.get_running_loop()
        if self.watches_alias:
            self._poll = loop.create_task(self._watch())
        elif self.config.model_poll_seconds > 0:
            log.warning(
                "MODEL_POLL_SECONDS ignored: the model URI is not a registry alias",
                extra={"model_uri": self.config.model_uri},
            )
        if not loaded and self.config.model_retry_seconds > 0:
            self._retry = loop.create_task(self._keep_trying())

    async def stop(self) -> None:
        for task in (self._retry, self._poll):
            if task is not None:
                task.cancel()
        self._retry = self._poll = None

    async def _keep_trying(self) -> None:
        while self.predictor is None:
            await asyncio.sleep(self.config.model_retry_seconds)
            await asyncio.to_thread(self.load)

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.config.model_poll_seconds)
            try:
                moved = await asyncio.to_thread(self.alias_moved)
            except Exception as exc:  # the registry is unreachable: keep serving, ask again
                reason = f"{type(exc).__name__}: {exc}"
                log.warning("cannot read the model alias", extra={"reason": reason})
                continue
            if moved:
                await asyncio.to_thread(self.load)


async def predict(
    state: ModelState,
    values: list[dict[str, Any]],
    prediction_log: PredictionLog,
    request_id: str,
) -> tuple[Predictor, Predictions]:
    """Predict validated rows (`InputSchema.row_values`) with the served model, count them in the
    metrics and log them; ModelNotReadyError while no model is loaded."""
    predictor = state.require()
    columns = state.schema.columns_from_rows(values)
    if predictor.fast is not None:
        out = predictor.predict_columns(columns)
    else:  # scikit-learn's path is slower: keep the event loop free meanwhile
        out = await run_in_threadpool(predictor.predict_columns, columns)
    metrics.observe_predictions(predictor.kind, out.labels, out.probability)
    if prediction_log.enabled:
        model = {"model_name": predictor.info.name, "model_version": predictor.info.version}
        outputs = [out.row(i) for i in range(len(values))]
        prediction_log.add(request_id, model, values, outputs)
    return predictor, out
