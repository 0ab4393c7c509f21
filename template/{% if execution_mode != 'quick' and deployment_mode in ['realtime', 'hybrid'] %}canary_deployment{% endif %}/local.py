"""An in-process canary: two prediction APIs (stable and canary) behind a router that sends each
request to the canary with the current weight, measuring status, latency and score per answer.
The tests use it, and `python -m canary_deployment` rehearses a release on local data."""

from __future__ import annotations

import importlib.util
import random
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any

from fastapi.testclient import TestClient

from canary_deployment.analysis import Sample
from deployment.api.config import ServingConfig

# One request: (HTTP status, score: probability or predicted value, None when there is none).
Endpoint = Callable[[dict[str, Any]], tuple[int, float | None]]


def client_endpoint(client: Any, path: str = "/predict") -> Endpoint:
    """An endpoint calling a FastAPI TestClient (or any client with `.post`)."""

    def call(row: dict[str, Any]) -> tuple[int, float | None]:
        response = client.post(path, json=row)
        if response.status_code != 200:
            return response.status_code, None
        body = response.json()
        score = body.get("probability", body.get("prediction"))
        return 200, float(score) if isinstance(score, int | float) else None

    return call


def kserve_endpoint(client: Any, model_name: str) -> Endpoint:
    """An endpoint calling a KServe predictor's V1 route with one instance."""
    path = f"/v1/models/{model_name}:predict"

    def call(row: dict[str, Any]) -> tuple[int, float | None]:
        response = client.post(path, json={"instances": [row]})
        if response.status_code != 200:
            return response.status_code, None
        body = response.json()["predictions"][0]
        score = body.get("probability", body.get("prediction"))
        return 200, float(score) if isinstance(score, int | float) else None

    return call


@contextmanager
def serving_endpoints(settings: Any, *uris: str) -> Iterator[list[Endpoint]]:
    """In-process servers of this project's serving stack (the FastAPI API, or the KServe
    predictor), one per model URI, as endpoints; stopped on exit."""
    kserve = importlib.util.find_spec("deployment.kserve_predictor") is not None
    with ExitStack() as stack:
        endpoints = []
        for uri in uris:
            if kserve:
                from deployment.kserve_predictor.server import in_process

                config = ServingConfig(
                    model_name=settings.experiment["registry"]["model_name"],
                    model_uri=uri,
                    tracking_uri=settings.tracking_uri,
                    model_retry_seconds=0.0,
                )
                client = stack.enter_context(in_process(config, settings))
                endpoints.append(kserve_endpoint(client, config.model_name))
            else:
                from deployment.api.app import create_app

                serving = ServingConfig(
                    model_uri=uri,
                    tracking_uri=settings.tracking_uri,
                    prediction_log_dir=None,
                    access_log=False,
                    model_retry_seconds=0.0,
                )
                client = stack.enter_context(TestClient(create_app(serving, settings)))
                endpoints.append(client_endpoint(client))
        yield endpoints


class InProcessRouter:
    """Routes `requests_per_step` rows per `observe()` between stable and canary."""

    def __init__(
        self,
        stable: Endpoint,
        canary: Endpoint,
        rows: Sequence[dict[str, Any]],
        requests_per_step: int = 400,
        seed: int = 0,
    ) -> None:
        self.stable, self.canary, self.rows = stable, canary, list(rows)
        self.requests_per_step = requests_per_step
        self.weight = 0
        self.history: list[int] = []
        self._rng = random.Random(seed)
        self._next = 0

    def set_weight(self, percent: int) -> None:
        if not 0 <= percent <= 100:
            raise ValueError(f"weight must be between 0 and 100, got {percent}")
        self.weight = percent
        self.history.append(percent)

    def observe(self) -> tuple[Sample, Sample]:
        samples = {"canary": Sample(), "stable": Sample()}
        for _ in range(self.requests_per_step):
            row = self.rows[self._next % len(self.rows)]
            self._next += 1
            track = "canary" if self._rng.random() * 100 < self.weight else "stable"
            started = time.perf_counter()
            status, score = (self.canary if track == "canary" else self.stable)(row)
            sample = samples[track]
            sample.latencies.append(time.perf_counter() - started)
            sample.statuses.append(status)
            if score is not None:
                sample.scores.append(score)
        return samples["canary"], samples["stable"]
