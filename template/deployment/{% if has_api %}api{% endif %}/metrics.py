"""Prometheus metrics, correct with several workers (PROMETHEUS_MULTIPROC_DIR, see __main__).

Metric objects are created once per process at import; `render` collects them, from every
worker's files in multiprocess mode.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
PROBABILITY_BUCKETS = tuple(round(0.1 * i, 1) for i in range(1, 11))
VALUE_BUCKETS = tuple(m * 10.0**e for e in range(-1, 6) for m in (1.0, 2.5, 5.0))

REQUESTS = Counter(
    "http_requests_total",
    "HTTP requests by route, method and status",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "http_request_duration_seconds",
    "Time from request to response, by route",
    ["route"],
    buckets=LATENCY_BUCKETS,
)
PREDICTIONS = Counter("predictions_total", "Predicted rows by predicted label", ["label"])
PROBABILITY = Histogram(
    "prediction_probability",
    "Probability of the positive class (binary) or of the predicted class (multiclass)",
    buckets=PROBABILITY_BUCKETS,
)
VALUE = Histogram("prediction_value", "Predicted values (regression)", buckets=VALUE_BUCKETS)
MODEL_INFO = Gauge(
    "model_info",
    "The model being served (value 1)",
    ["name", "version", "source", "fast_path"],
    multiprocess_mode="max",
)
CONTENT_TYPE = CONTENT_TYPE_LATEST


def render() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest()


_children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}


def observe_request(route: str, method: str, status: int, seconds: float) -> None:
    """Count a request and observe its latency (label children cached per route and status)."""
    key = (route, method, status)
    children = _children.get(key)
    if children is None:
        children = (REQUESTS.labels(route, method, str(status)), LATENCY.labels(route))
        _children[key] = children
    children[0].inc()
    children[1].observe(seconds)


def observe_predictions(kind: str, labels: list[object], probability: list[float] | None) -> None:
    if kind == "regression":
        for value in labels:
            VALUE.observe(float(value))  # type: ignore[arg-type]  # regression labels are floats
        PREDICTIONS.labels("value").inc(len(labels))
        return
    for label in labels:
        PREDICTIONS.labels(str(label)).inc()
    for p in probability or ():
        PROBABILITY.observe(p)
