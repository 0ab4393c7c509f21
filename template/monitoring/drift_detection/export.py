"""A drift report as Prometheus gauges (names in monitoring/metric_names.py)."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Gauge

from monitoring import metric_names as m
from monitoring.drift_detection.detector import DriftReport


def registry_of(report: DriftReport, now: float | None = None) -> CollectorRegistry:
    registry = CollectorRegistry()
    psi = Gauge(
        m.DRIFT_FEATURE_PSI,
        "PSI of a feature against the reference",
        ["feature"],
        registry=registry,
    )
    ks = Gauge(
        m.DRIFT_FEATURE_KS,
        "KS statistic of a numeric feature against the reference",
        ["feature"],
        registry=registry,
    )
    drifted = Gauge(
        m.DRIFT_FEATURE_DRIFTED, "1 when the feature drifted", ["feature"], registry=registry
    )
    for column in report.features:
        psi.labels(column.name).set(column.psi)
        drifted.labels(column.name).set(int(column.drifted))
        if column.ks_statistic is not None:
            ks.labels(column.name).set(column.ks_statistic)
    prediction_psi = Gauge(
        m.DRIFT_PREDICTION_PSI,
        "PSI of a model output against its reference",
        ["output"],
        registry=registry,
    )
    for column in report.predictions:
        prediction_psi.labels(column.name).set(column.psi)
    Gauge(m.DRIFT_SHARE, "Share of features that drifted", registry=registry).set(
        report.drift_share
    )
    Gauge(
        m.DRIFT_DATASET_DRIFTED,
        "1 when the share of drifted features reaches the threshold",
        registry=registry,
    ).set(int(report.dataset_drift))
    Gauge(m.DRIFT_PREDICTION_DRIFTED, "1 when a model output drifted", registry=registry).set(
        int(report.prediction_drift)
    )
    Gauge(m.DRIFT_ROWS, "Rows compared with the reference", registry=registry).set(report.rows)
    Gauge(m.DRIFT_LAST_RUN, "When the drift job last ran (Unix time)", registry=registry).set(
        time.time() if now is None else now
    )
    return registry
