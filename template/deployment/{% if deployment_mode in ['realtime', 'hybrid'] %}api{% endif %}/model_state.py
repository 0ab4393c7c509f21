"""The served model: loaded at start-up, retried in the background while it cannot be loaded.

Until a model is loaded, `/ready` and the prediction routes answer 503 with the reason; the
process stays up so `/health` keeps answering.
"""

from __future__ import annotations

import asyncio
import logging

from deployment.api import metrics
from deployment.api.config import ServingConfig
from deployment.inference import model as model_source
from deployment.inference.predictor import Predictor
from deployment.inference.schema import InputSchema

log = logging.getLogger(__name__)


class ModelNotReadyError(Exception):
    """No model is loaded; the message says why."""


class ModelState:
    def __init__(self, config: ServingConfig, schema: InputSchema) -> None:
        self.config, self.schema = config, schema
        self.predictor: Predictor | None = None
        self.reason = "model not loaded yet"
        self._retry: asyncio.Task[None] | None = None

    def require(self) -> Predictor:
        if self.predictor is None:
            raise ModelNotReadyError(self.reason)
        return self.predictor

    def load(self) -> bool:
        """Load the model now; on failure keep the reason and return False."""
        try:
            model, info = model_source.load(self.config.model_uri, self.config.tracking_uri)
            predictor = Predictor(model, info, self.schema)
        except Exception as exc:  # any failure to load leaves the API up and not ready
            self.reason = f"cannot load {self.config.model_uri}: {type(exc).__name__}: {exc}"
            log.error("model not loaded", extra={"reason": self.reason})
            return False
        self.predictor = predictor
        metrics.MODEL_INFO.labels(
            info.name, info.version, info.source, str(predictor.fast is not None).lower()
        ).set(1)
        log.info(
            "model loaded",
            extra={"model": info.to_dict(), "fast_path": predictor.fast is not None},
        )
        return True

    async def start(self) -> None:
        if await asyncio.to_thread(self.load):
            return
        if self.config.model_retry_seconds > 0:
            self._retry = asyncio.get_running_loop().create_task(self._keep_trying())

    async def stop(self) -> None:
        if self._retry is not None:
            self._retry.cancel()
            self._retry = None

    async def _keep_trying(self) -> None:
        while self.predictor is None:
            await asyncio.sleep(self.config.model_retry_seconds)
            await asyncio.to_thread(self.load)
