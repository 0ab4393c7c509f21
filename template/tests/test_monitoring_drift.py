"""Drift detection: the statistics, a drifted sample flagged and a clean one passed (generated
data against the reference statistics the validate step writes), prediction drift against the
champion, the HTML report and the Prometheus export."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from data_fixtures import base_config
from prometheus_client.parser import text_string_to_metric_families
from serving_support import champion

from data_ingestion.sample import generate
from data_quality.profile import reference_stats
from monitoring import metric_names, prediction_log
from monitoring.drift_detection import html_report, statistics, step
from monitoring.drift_detection.detector import Thresholds, detect
from monitoring.drift_detection.export import registry_of

CONFIG = base_config()
PROBLEM = CONFIG["problem_type"]
THRESHOLDS = Thresholds()


@pytest.fixture(scope="module")
def reference() -> dict:
    """Reference statistics of a training-sized sample, as `validate` saves them."""
    return reference_stats(generate(PROBLEM, 5000, seed=1), CONFIG)


def clean_sample(rows: int = 2000, seed: int = 2) -> pd.DataFrame:
    return generate(PROBLEM, rows, seed=seed)


def drifted_sample(rows: int = 2000) -> pd.DataFrame:
    """The same generator with two numeric features shifted and one category taking over."""
    frame = clean_sample(rows, seed=3)
    numeric = [n for n, s in CONFIG["features"].items() if s["type"] == "numeric"]
    categorical = [n for n, s in CONFIG["features"].items() if s["type"] == "categorical"]
    frame[numeric[0]] = frame[numeric[0]] * 2.0 + 10
    frame[numeric[1]] = frame[numeric[1]] * 3.0
    frame[categorical[0]] = CONFIG["features"][categorical[0]]["allowed"][0]
    return frame


def test_psi_is_zero_for_equal_distributions_and_grows_with_the_shift() -> None:
    assert statistics.psi([0.25] * 4, [0.25] * 4) == pytest.approx(0.0)
    small = statistics.psi([0.25] * 4, [0.3, 0.25, 0.25, 0.2])
    large = statistics.psi([0.25] * 4, [0.7, 0.1, 0.1, 0.1])
    assert 0 < small < 0.1 < 0.2 < large


def test_ks_compares_discrete_values_exactly_and_detects_a_shift() -> None:
    rng = np.random.default_rng(0)
    counts = rng.poisson(3, 20_000).astype(float)
    edges = np.unique(np.quantile(counts, np.linspace(0, 1, 11))).tolist()
    fractions = statistics.numeric_fractions(counts, edges)
    same = rng.poisson(3, 5000).astype(float)
    shifted = rng.poisson(4, 5000).astype(float)
    d_same = statistics.ks_statistic(same, edges, fractions)
    d_shift = statistics.ks_statistic(shifted, edges, fractions)
    assert d_same < 0.03 < 0.1 < d_shift
    assert statistics.ks_p_value(d_same, 5000, 20_000) > 0.01
    assert statistics.ks_p_value(d_shift, 5000, 20_000) < 1e-6


def test_unseen_categories_count_as_drift_material() -> None:
    bins, fractions = statistics.categorical_fractions(["a", "b", "zzz", "zzz"], ["a", "b"])
    assert bins == ["a", "b", statistics.OTHER]
    assert fractions.tolist() == [0.25, 0.25, 0.5]


def test_clean_sample_passes(reference: dict) -> None:
    report = detect(reference, clean_sample(), THRESHOLDS)
    assert report.status == "ok", [c.reasons for c in report.features if c.drifted]
    assert report.drifted_features == []
    assert max(c.psi for c in report.features) < 0.1


def test_drifted_sample_is_flagged_on_the_shifted_features(reference: dict) -> None:
    report = detect(reference, drifted_sample(), THRESHOLDS)
    numeric = [n for n, s in CONFIG["features"].items() if s["type"] == "numeric"]
    categorical = [n for n, s in CONFIG["features"].items() if s["type"] == "categorical"]
    assert report.status == "drift" and report.dataset_drift
    assert set(report.drifted_features) == {numeric[0], numeric[1], categorical[0]}
    shifted = next(c for c in report.features if c.name == numeric[0])
    assert shifted.ks_statistic > THRESHOLDS.ks_statistic and shifted.psi > THRESHOLDS.psi


def test_too_few_rows_give_no_verdict(reference: dict) -> None:
    report = detect(reference, clean_sample(rows=50), THRESHOLDS)
    assert report.status == "insufficient_data" and report.features == []


def test_thresholds_come_from_the_config(reference: dict) -> None:
    strict = Thresholds(psi=0.0001, ks_statistic=0.0001, ks_p_value=1.0, dataset_drift_share=0.1)
    assert detect(reference, clean_sample(), strict).status == "drift"


def test_report_html_and_prometheus_export(reference: dict) -> None:
    report = detect(reference, drifted_sample(), THRESHOLDS)
    page = html_report.render(report)
    assert "DRIFT DETECTED" in page and "<svg" in page and "<script" not in page
    for name in report.drifted_features:
        assert name in page
    text = registry_of(report, now=1700000000.0)
    from prometheus_client import generate_latest

    families = {f.name: f for f in text_string_to_metric_families(generate_latest(text).decode())}
    assert families[metric_names.DRIFT_DATASET_DRIFTED].samples[0].value == 1
    psi = {s.labels["feature"]: s.value for s in families[metric_names.DRIFT_FEATURE_PSI].samples}
    assert set(psi) == {c.name for c in report.features}
    assert families[metric_names.DRIFT_LAST_RUN].samples[0].value == 1700000000.0


def write_log(directory: Path, frame: pd.DataFrame, version: str, outputs: pd.DataFrame) -> None:
    day = pd.Timestamp.now(tz="UTC").date().isoformat()
    folder = directory / day
    folder.mkdir(parents=True, exist_ok=True)
    features = frame.drop(columns=[CONFIG["target"]]).astype(object)
    features = features.where(features.notna(), None)
    with (folder / "predictions-1.jsonl").open("w") as fh:
        for i, row in enumerate(features.to_dict(orient="records")):
            record = {"ts": "2025-01-01T00:00:00.000+00:00", "request_id": f"r{i}",
                      "model_name": "m", "model_version": version,
                      "features": {k: (str(v) if isinstance(v, pd.Timestamp) else v)
                                   for k, v in row.items()},
                      **outputs.iloc[i].to_dict()}  # fmt: skip
            fh.write(json.dumps(record, default=str) + "\n")


def test_prediction_log_reader_flattens_features(tmp_path: Path) -> None:
    frame = clean_sample(rows=30)
    write_log(tmp_path, frame, "7", pd.DataFrame({"prediction": ["x"] * 30}))
    logged = prediction_log.read(tmp_path, days=1)
    assert len(logged) == 30 and set(CONFIG["features"]) <= set(logged.columns)
    assert (logged["model_version"] == "7").all()
    assert prediction_log.read(tmp_path / "none", days=1).empty


def test_drift_step_on_the_log_flags_prediction_drift_of_the_served_version(
    tmp_path: Path,
) -> None:
    """The champion's logged outputs against its own outputs on the test split."""
    c = champion()
    settings = c.settings
    from monitoring.drift_detection import predictions

    predictor = predictions.load_predictor(settings, c.model_uri)
    frame = clean_sample(rows=600, seed=5)
    accepted, _ = predictor.schema.validate_frame(frame)
    honest = predictions.outputs_frame(predictor, accepted)
    log_dir = tmp_path / "log"
    write_log(log_dir, accepted.assign(**{CONFIG["target"]: 0}), c.version, honest)
    settings.overrides["monitoring"] = {
        "drift": {"prediction_log_dir": str(log_dir), "report_dir": str(tmp_path / "out"),
                  "prometheus_file": str(tmp_path / "out/drift.prom"), "min_rows": 100}
    }  # fmt: skip
    try:
        summary = step.run(settings, {})
        assert summary["prediction_drift"] is False, summary
        assert (tmp_path / "out/drift.html").is_file()
        assert "ml_drift_share" in (tmp_path / "out/drift.prom").read_text()

        # The same rows, with the outputs pushed to one value: the predictions drifted.
        skewed = honest.copy()
        skewed["prediction"] = skewed["prediction"].iloc[0]
        if "probability" in skewed:
            skewed["probability"] = 0.999
        write_log(log_dir, accepted.assign(**{CONFIG["target"]: 0}), c.version, skewed)
        report = json.loads(json.dumps(step.run(settings, {}), default=str))
        assert report["prediction_drift"] is True
        saved = json.loads((tmp_path / "out/drift.json").read_text())
        assert saved["context"]["model_version"] == c.version
    finally:
        settings.overrides.pop("monitoring")
