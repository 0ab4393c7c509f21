"""Online quality: logged predictions joined with labels that arrive later, metrics per model
version, the drop against offline quality, and the Prometheus export."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
from data_fixtures import base_config, make_settings
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from deployment.project import Settings
from monitoring import metric_names, online_quality

ROOT = Path(__file__).resolve().parents[1]
CONFIG = base_config()
PROBLEM = CONFIG["problem_type"]
TARGET = CONFIG["target"]
ID = CONFIG["id_column"]


def logged_and_labels(
    version: str, n: int, accuracy: float, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`n` logged rows of `version`, right with probability `accuracy`, and their labels."""
    rng = np.random.default_rng(seed)
    ids = [f"{version}-{i}" for i in range(n)]
    if PROBLEM == "regression":
        truth = rng.gamma(2.0, 5.0, n)
        noise = rng.normal(0, (1 - accuracy) * 10, n)
        logged = pd.DataFrame({ID: ids, "model_version": version, "prediction": truth + noise})
        return logged, pd.DataFrame({ID: ids, TARGET: truth})
    classes = [str(c) for c in CONFIG["target_spec"]["allowed"]]
    truth = rng.choice(classes, n)
    right = rng.random(n) < accuracy
    wrong = np.array([classes[(classes.index(t) + 1) % len(classes)] for t in truth])
    pred = np.where(right, truth, wrong)
    logged = pd.DataFrame({ID: ids, "model_version": version, "prediction": pred})
    if PROBLEM == "binary_classification":
        positive = classes[1]
        score = np.where(pred == positive, 0.8, 0.2) + rng.normal(0, 0.05, n)
        logged["probability"] = np.clip(score, 0, 1)
    else:
        logged["probabilities"] = [
            {c: (0.8 if c == p else 0.2 / (len(classes) - 1)) for c in classes} for p in pred
        ]
    return logged, pd.DataFrame({ID: ids, TARGET: truth})


def project(root: Path) -> Settings:
    settings = make_settings(root)
    shutil.copy(ROOT / "configs/experiment.yaml", root / "configs/experiment.yaml")
    return settings


def test_metrics_per_version_from_joined_labels(tmp_path: Path) -> None:
    settings = project(tmp_path)
    good_log, good_labels = logged_and_labels("1", 400, 0.95, seed=1)
    bad_log, bad_labels = logged_and_labels("2", 400, 0.6, seed=2)
    unlabelled, _ = logged_and_labels("3", 100, 0.9, seed=3)
    logged = pd.concat([good_log, bad_log, unlabelled], ignore_index=True)
    labels = pd.concat([good_labels, bad_labels], ignore_index=True)
    result = online_quality.evaluate(settings, logged, labels)
    assert result["labelled_rows"] == 800
    versions = result["versions"]
    assert set(versions) == {"1", "2"}
    metric = result["primary_metric"]
    good, bad = versions["1"]["online"][metric], versions["2"]["online"][metric]
    assert good < bad if metric in ("rmse", "mae") else good > bad


def test_labels_files_are_read_and_joined_on_the_id(tmp_path: Path) -> None:
    settings = project(tmp_path)
    logged, labels = logged_and_labels("4", 120, 0.9, seed=4)
    (tmp_path / "data/labels").mkdir(parents=True)
    labels.iloc[:60].to_parquet(tmp_path / "data/labels/a.parquet")
    labels.iloc[60:].to_csv(tmp_path / "data/labels/b.csv", index=False)
    settings.overrides["monitoring"] = {"online_quality": {"labels_path": "data/labels/*"}}
    read = online_quality.read_labels(settings, "data/labels/*")
    assert len(read) == 120
    summary = online_quality.run(settings, {"logged_frame": logged})
    assert summary["labelled_rows"] == 120
    text = Path(summary["prometheus_file"]).read_text()
    families = {f.name: f for f in text_string_to_metric_families(text)}
    rows = families[metric_names.ONLINE_LABELLED_ROWS].samples
    assert [(s.labels["model_version"], s.value) for s in rows] == [("4", 120.0)]


def test_drop_ratio_is_exported_when_offline_metrics_exist() -> None:
    result = {
        "primary_metric": "m",
        "versions": {"5": {"labelled_rows": 99, "online": {"m": 0.8}, "offline": {"m": 0.9},
                           "drop_ratio": 0.111}},
    }  # fmt: skip
    text = generate_latest(online_quality.registry_of(result, now=1.0)).decode()
    families = {f.name: f for f in text_string_to_metric_families(text)}
    drop = families[metric_names.ONLINE_QUALITY_DROP].samples[0]
    assert drop.labels == {"model_version": "5", "metric": "m"} and drop.value == 0.111
