"""Latency of V1 `:predict` measured in-process (kserve's routes on a TestClient, no network):
the deployment gate's short load. Single rows, one after another, on the model the predictor
would serve."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from deployment.api.config import ServingConfig
from deployment.inference.schema import InputSchema
from deployment.kserve_predictor.server import in_process
from deployment.project import Settings


def in_process_latency(root: Path, requests: int, warmup: int = 10) -> dict[str, Any]:
    """{"ready", "reason", "p50_ms", "p95_ms", "model_uri", "fast_path", "statuses"}."""
    settings = Settings(root=root)
    config = replace(
        ServingConfig.from_env(settings), prediction_log_dir=None, model_retry_seconds=0.0
    )
    rows = InputSchema(settings.data).examples(64, seed=11, nulls=True)
    path = f"/v1/models/{config.model_name}:predict"
    took: list[float] = []
    statuses: dict[int, int] = {}
    with in_process(config, settings) as client:
        model = client.model  # type: ignore[attr-defined]
        if client.get(f"/v1/models/{config.model_name}").status_code != 200:
            return {"ready": False, "reason": model.state.reason, "model_uri": config.model_uri}
        for row in rows[:warmup]:
            client.post(path, json={"instances": [row]})
        for i in range(requests):
            started = time.perf_counter()
            response = client.post(path, json={"instances": [rows[i % len(rows)]]})
            took.append((time.perf_counter() - started) * 1000)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        fast_path = model.predictor.fast is not None
    took.sort()
    return {
        "ready": True,
        "model_uri": config.model_uri,
        "fast_path": fast_path,
        "statuses": statuses,
        "p50_ms": round(took[len(took) // 2], 3),
        "p95_ms": round(took[min(len(took) - 1, int(len(took) * 0.95))], 3),
    }
