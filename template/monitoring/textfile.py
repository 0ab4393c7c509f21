"""Write a job's gauges for Prometheus: a file for node_exporter's textfile collector, and the
Pushgateway at PUSHGATEWAY_URL when it is set (a failed push is reported, not raised)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from prometheus_client import CollectorRegistry, push_to_gateway, write_to_textfile

log = logging.getLogger(__name__)


def publish(registry: CollectorRegistry, path: Path, job: str) -> dict[str, str | bool]:
    """Write `registry` to `path` atomically; push it when PUSHGATEWAY_URL is set."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_to_textfile(str(path), registry)
    result: dict[str, str | bool] = {"file": str(path), "pushed": False}
    gateway = os.environ.get("PUSHGATEWAY_URL")
    if gateway:
        try:
            push_to_gateway(gateway, job=job, registry=registry, timeout=10)
            result["pushed"] = True
        except OSError as exc:
            log.error("push to %s failed: %s", gateway, exc)
            result["push_error"] = str(exc)
    return result
