"""The batch job's Prometheus metrics, published the way short-lived jobs publish theirs.

A run is over before Prometheus could scrape it, so at the end of each successful run
(`job.run_batch`) the metrics below are written atomically to a file for node_exporter's
textfile collector (BATCH_METRICS_FILE, default reports/monitoring/metrics/batch.prom) and,
when PUSHGATEWAY_URL is set, pushed to the Pushgateway under `job="batch"`
(monitoring/textfile.py). They describe the last run:

- `ml_batch_rows_scored`, `ml_batch_rows_rejected`, `ml_batch_chunks`: what the run read;
- `ml_batch_duration_seconds`: its wall time, model load included;
- `ml_batch_last_success_timestamp_seconds`: when it finished (the `BatchJobStale` alert);
- `ml_batch_skipped`: 1 when the same input had already been scored by the same model;
- `ml_batch_model_info{name, version, source}`: the model version that scored (value 1);
- `ml_batch_predictions{label}`: rows per predicted label (`value` for regression);
- `ml_batch_prediction_probability` (classification) or `ml_batch_prediction_value`
  (regression): a histogram of the scores, with the API's buckets.

The monitoring gate reads the metric names from the constructor calls in this file, so the
rules and dashboards can only use names exported here (tests/test_batch.py checks that the
parser sees every sample this module produces).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from prometheus_client import CollectorRegistry, Gauge
from prometheus_client.metrics_core import HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

JOB = "batch"  # the Pushgateway grouping key: pushed series carry job="batch"
# The API's buckets (deployment/api/metrics.py), so batch and online scores compare bucket by
# bucket.
PROBABILITY_BUCKETS = tuple(round(0.1 * i, 1) for i in range(1, 11))
VALUE_BUCKETS = tuple(m * 10.0**e for e in range(-1, 6) for m in (1.0, 2.5, 5.0))


class ScoreHistogram(Collector):
    """A histogram filled a chunk at a time with numpy (prometheus_client's `observe` costs
    microseconds per value: seconds for a million rows)."""

    def __init__(self, regression: bool) -> None:
        self.regression = regression
        self.bounds = np.asarray(VALUE_BUCKETS if regression else PROBABILITY_BUCKETS)
        self.counts = np.zeros(len(self.bounds) + 1, dtype="int64")  # the last one is +Inf
        self.total = 0.0

    def add(self, scores: Sequence[float]) -> None:
        values = np.asarray(scores, dtype="float64")
        values = values[np.isfinite(values)]
        # Bucket i holds the values <= bounds[i] (and above bounds[i - 1]).
        index = np.searchsorted(self.bounds, values, side="left")
        self.counts += np.bincount(index, minlength=len(self.counts))
        self.total += float(values.sum())

    def collect(self) -> Iterator[Metric]:
        if self.regression:
            family = HistogramMetricFamily(
                "ml_batch_prediction_value", "Predicted values of the last run"
            )
        else:
            family = HistogramMetricFamily(
                "ml_batch_prediction_probability",
                "Probability of the positive class (binary) or of the predicted class "
                "(multiclass) in the last run",
            )
        cumulative = np.cumsum(self.counts)
        buckets = [
            (floatToGoString(b), int(c)) for b, c in zip(self.bounds, cumulative, strict=False)
        ]
        family.add_metric([], [*buckets, ("+Inf", int(cumulative[-1]))], self.total)
        yield family


class BatchMetrics:
    """The metrics of one run, in their own registry (nothing global: a job is one run)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.registry = CollectorRegistry()
        r = self.registry
        self.rows_scored = Gauge("ml_batch_rows_scored", "Rows scored by the last run", registry=r)
        self.rows_rejected = Gauge(
            "ml_batch_rows_rejected", "Rows of the last run the input schema rejected", registry=r
        )
        self.chunks = Gauge("ml_batch_chunks", "Chunks the last run read", registry=r)
        self.duration = Gauge(
            "ml_batch_duration_seconds",
            "Wall time of the last run, model load included",
            registry=r,
        )
        self.last_success = Gauge(
            "ml_batch_last_success_timestamp_seconds",
            "When the batch job last finished successfully (Unix time)",
            registry=r,
        )
        self.skipped = Gauge(
            "ml_batch_skipped",
            "1 when the last run found its input already scored by the same model",
            registry=r,
        )
        self.model = Gauge(
            "ml_batch_model_info",
            "The model version that scored the last run (value 1)",
            ["name", "version", "source"],
            registry=r,
        )
        self.predictions = Gauge(
            "ml_batch_predictions",
            "Rows of the last run by predicted label (`value` for regression)",
            ["label"],
            registry=r,
        )
        self.scores = ScoreHistogram(regression=kind == "regression")
        r.register(self.scores)

    def observe(self, labels: Sequence[Any], probability: Sequence[float] | None) -> None:
        """One scored chunk: its labels and scores (probability, or the value itself)."""
        if self.kind == "regression":
            self.predictions.labels("value").inc(len(labels))
            self.scores.add(labels)  # type: ignore[arg-type]  # regression labels are floats
            return
        names, counts = np.unique(np.asarray(labels).astype(str), return_counts=True)
        for name, count in zip(names, counts, strict=True):
            self.predictions.labels(str(name)).inc(int(count))
        if probability is not None:
            self.scores.add(probability)

    def finish(
        self,
        result: Any,
        model: dict[str, Any],
        seconds: float,
        now: float | None = None,
    ) -> CollectorRegistry:
        """Set the run's totals from its `BatchResult`; returns the registry to publish."""
        if result.skipped:  # nothing was scored in this run
            self.rows_scored.set(0)
            self.rows_rejected.set(0)
            self.chunks.set(0)
        else:
            self.rows_scored.set(result.rows_scored)
            self.rows_rejected.set(result.rows_rejected)
            self.chunks.set(result.parts)
        self.skipped.set(int(result.skipped))
        self.duration.set(seconds)
        self.model.labels(model["name"], model["version"], model["source"]).set(1)
        self.last_success.set(time.time() if now is None else now)
        return self.registry
