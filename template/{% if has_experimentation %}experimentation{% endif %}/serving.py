"""The experiment inside the prediction API (deployment/api/app.py).

Per POST /predict: the unit (header `X-Unit-ID`, else the request id: a unit per request) gets
its variant from the flags (`FlagRouter`), the variant's model answers (the control's when the
variant's model is not loaded), and two events are submitted: the unit's exposure, once per unit
and experiment in each worker, and the prediction with its variant, model version, latency and
status. The request only queues them; a task on the event loop validates the queue in small
slices every FLUSH_SECONDS (quarantining invalid events) and writes Parquet in a thread. Why not
a writer thread: a thread busy with Python holds the GIL for up to the switch interval (5 ms)
whenever the loop wants it back, which is what p99 sees; the slices keep each pause short, and
the Parquet encoding itself releases the GIL. Shutdown drains and flushes everything.
Variant names are registry aliases: the control is the served model (MODEL_URI), every other
variant loads `models:/<model name>@<variant>`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from deployment.api.config import ServingConfig
from deployment.api.model_state import ModelState
from deployment.inference.predictor import Predictor
from deployment.inference.schema import InputSchema
from experimentation import config as design_config
from experimentation.assignment import ExposureDeduplicator
from experimentation.events import EventLog
from experimentation.flags import FlagRouter

log = logging.getLogger(__name__)

UNIT_HEADER = "x-unit-id"
FLUSH_SECONDS = 1.0
# Events validated per slice before the loop serves requests again (~1 ms of work here).
DRAIN_SLICE = 128


class ExperimentServing:
    def __init__(
        self,
        design: design_config.Design,
        router: FlagRouter,
        events: EventLog,
        states: dict[str, ModelState],
    ) -> None:
        self.design, self.router, self.events, self.states = design, router, events, states
        self.control = states[design.control]
        self.exposed = ExposureDeduplicator()
        self._flusher: asyncio.Task[None] | None = None

    @classmethod
    def create(
        cls, settings: Any, config: ServingConfig, schema: InputSchema, control: ModelState
    ) -> ExperimentServing:
        assert config.flag_file is not None
        design = design_config.load(Path(settings.root) / design_config.DEFAULT_PATH)
        router = FlagRouter(config.flag_file, design.control, config.flag_reload_seconds)
        name = settings.experiment["registry"]["model_name"]
        states = {design.control: control}
        for variant in design.treatments:
            uri = f"models:/{name}@{variant}"
            states[variant] = ModelState(dataclasses.replace(config, model_uri=uri), schema)
        # Events are flushed by a background task, never on the request path.
        events = EventLog(config.experiment_events_dir, flush_rows=10**9)
        return cls(design, router, events, states)

    async def start(self) -> None:
        for variant, state in self.states.items():
            if variant != self.design.control:
                await state.start()
        self._flusher = asyncio.get_running_loop().create_task(self._flush_every_second())

    async def stop(self) -> None:
        if self._flusher is not None:
            self._flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flusher
            self._flusher = None
        for variant, state in self.states.items():
            if variant != self.design.control:
                await state.stop()
        await asyncio.to_thread(self.events.close)
        self.router.close()

    async def _flush_every_second(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            todo = self.events.queued()  # what came later waits for the next round
            while todo > 0:
                todo -= self.events.drain(min(DRAIN_SLICE, todo))
                await asyncio.sleep(0)  # let waiting requests run between slices
            try:
                await asyncio.to_thread(self.events.flush)
            except OSError:
                # The rows stay buffered for the next flush; a full queue quarantines new ones.
                log.exception("experiment events not written")

    def choose(self, unit_id: str) -> tuple[str, ModelState, bool]:
        """(variant served, its model state, whether the unit is in the experiment)."""
        variant, in_experiment = self.router.variant(unit_id)
        state = self.states.get(variant)
        if state is None or state.predictor is None:
            # Unknown variant or its model not loaded: the control answers, and is recorded as
            # what was served (an SRM in the analysis then shows the gap).
            return self.design.control, self.control, in_experiment
        return variant, state, in_experiment

    def record(
        self,
        unit_id: str,
        variant: str,
        in_experiment: bool,
        predictor: Predictor | None,
        request_id: str,
        started: float,
        status: int,
        prediction: Any = None,
    ) -> None:
        latency_ms = (time.perf_counter() - started) * 1000
        now = datetime.now(UTC)
        experiment = self.design.name if in_experiment else None
        if in_experiment and self.exposed.first(unit_id, self.design.name):
            self.events.submit(
                {"event": "exposure", "timestamp": now, "unit_id": unit_id,
                 "experiment": self.design.name, "variant": variant}
            )  # fmt: skip
        info = predictor.info if predictor is not None else None
        self.events.submit(
            {
                "event": "prediction",
                "timestamp": now,
                "unit_id": unit_id,
                "experiment": experiment,
                "variant": variant,
                "model_name": info.name if info else "none",
                "model_version": str(info.version) if info else "none",
                "request_id": request_id,
                "latency_ms": latency_ms,
                "status": status,
                "prediction": prediction if isinstance(prediction, int | float) else None,
            }
        )

    def status(self) -> dict[str, Any]:
        return {
            "experiment": self.design.name,
            **self.router.status(),
            "events_pending": self.events.pending(),
            "variants": {
                v: (s.predictor.info.version if s.predictor else f"not loaded: {s.reason}")
                for v, s in self.states.items()
            },
        }
