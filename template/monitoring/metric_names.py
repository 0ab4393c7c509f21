"""The Prometheus metrics the monitoring jobs export (the API's own are in
deployment/api/metrics.py). Rules and dashboards may use only these and the API's names: the
monitoring gate and tests/test_monitoring_rules.py check that."""

from __future__ import annotations

# Drift job (`python -m monitoring drift`): one sample per feature / model output.
DRIFT_FEATURE_PSI = "ml_drift_feature_psi"
DRIFT_FEATURE_KS = "ml_drift_feature_ks_statistic"
DRIFT_FEATURE_DRIFTED = "ml_drift_feature_drifted"
DRIFT_SHARE = "ml_drift_share"
DRIFT_DATASET_DRIFTED = "ml_drift_dataset_drifted"
DRIFT_PREDICTION_PSI = "ml_drift_prediction_psi"
DRIFT_PREDICTION_DRIFTED = "ml_drift_prediction_drifted"
DRIFT_ROWS = "ml_drift_rows"
DRIFT_LAST_RUN = "ml_drift_last_run_timestamp_seconds"

# Online quality job (`python -m monitoring quality`): per model version.
ONLINE_QUALITY = "ml_online_quality"
OFFLINE_QUALITY = "ml_offline_quality"
ONLINE_QUALITY_DROP = "ml_online_quality_drop_ratio"
ONLINE_LABELLED_ROWS = "ml_online_labelled_rows"
ONLINE_QUALITY_LAST_RUN = "ml_online_quality_last_run_timestamp_seconds"

JOB_METRICS = frozenset(
    value for name, value in dict(globals()).items() if name.isupper() and isinstance(value, str)
)
