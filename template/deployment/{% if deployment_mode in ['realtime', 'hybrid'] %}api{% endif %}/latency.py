"""Latency of /predict measured in-process (TestClient, no network): the deployment gate's
short load. Single rows, one after another, on the model the API would serve."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from deployment.api.app import create_app
from deployment.api.config import ServingConfig
from deployment.inference.schema import InputSchema
from deployment.project import Settings


def in_process_latency(root: Path, requests: int, warmup: int = 10) -> dict[str, Any]:
    """{"ready", "reason", "p50_ms", "p95_ms", "model_uri", "fast_path", "statuses"}."""
    settings = Settings(root=root)
    config = replace(
        ServingConfig.from_env(settings),
        prediction_log_dir=None,
        access_log=False,
        model_retry_seconds=0.0,
    )
    rows = InputSchema(settings.data).examples(64, seed=11, nulls=True)
    took: list[float] = []
    statuses: dict[int, int] = {}
    with TestClient(create_app(config, settings)) as client:
        ready = client.get("/ready")
        if ready.status_code != 200:
            return {"ready": False, "reason": ready.json()["detail"], "model_uri": config.model_uri}
        for row in rows[:warmup]:
            client.post("/predict", json=row)
        for i in range(requests):
            started = time.perf_counter()
            response = client.post("/predict", json=rows[i % len(rows)])
            took.append((time.perf_counter() - started) * 1000)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        fast_path = bool(ready.json()["fast_path"])
    took.sort()
    return {
        "ready": True,
        "model_uri": config.model_uri,
        "fast_path": fast_path,
        "statuses": statuses,
        "p50_ms": round(took[len(took) // 2], 2),
        "p95_ms": round(took[int(0.95 * (len(took) - 1))], 2),
    }
