"""Online quality: the prediction log joined with ground-truth labels as they arrive, giving the
model's metrics per served version, next to the same metrics on its test split (offline).

Labels are CSV or Parquet files (`online_quality.labels_path`) holding the id column of
configs/data.yaml and the target; they join the logged rows on that id. Without an `id_column`
(rows keyed by a derived content hash, which callers do not send) no label can be joined. The
metrics are the ones `models.metrics` computes at evaluation, so online and offline numbers
compare directly.
"""

from __future__ import annotations

import glob
import json
import math
import time
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
from prometheus_client import CollectorRegistry, Gauge

from data_ingestion import contract
from models.metrics import METRICS, relative_improvement
from monitoring import config, metric_names, prediction_log
from monitoring.drift_detection.step import read_frame
from monitoring.textfile import publish


def read_labels(settings: Any, pattern: str) -> pd.DataFrame:
    """Every label file matching `pattern`: the id column and the target, last label wins."""
    id_col, target = contract.id_column(settings.data), contract.target_column(settings.data)
    files = sorted(glob.glob(str(config.project_path(settings, pattern))))
    if id_col is None:
        return pd.DataFrame(columns=[target])
    if not files:
        return pd.DataFrame(columns=[id_col, target])
    frames = [read_frame(config.project_path(settings, f))[[id_col, target]] for f in files]
    labels = pd.concat(frames, ignore_index=True).dropna(subset=[id_col, target])
    labels[id_col] = labels[id_col].astype(str)
    return labels.drop_duplicates(subset=[id_col], keep="last")


def join(
    logged: pd.DataFrame, labels: pd.DataFrame, id_col: str | None, target: str
) -> pd.DataFrame:
    """Logged rows that have a label (rows logged without an id cannot be joined)."""
    if id_col is None or logged.empty or labels.empty or id_col not in logged.columns:
        return pd.DataFrame(columns=[*logged.columns, "label"])
    keyed = logged.dropna(subset=[id_col]).assign(**{id_col: lambda f: f[id_col].astype(str)})
    renamed = labels.rename(columns={target: "label"})
    if target in keyed.columns and target != "label":
        keyed = keyed.drop(columns=[target])
    return keyed.merge(renamed, on=id_col, how="inner")


def _outputs(problem_type: str, rows: pd.DataFrame, classes: list[str]) -> SimpleNamespace:
    """What models.metrics' metric functions read, built from logged outputs."""
    if problem_type == "regression":
        return SimpleNamespace(
            y_true=rows["label"].to_numpy(dtype="float64"),
            pred=rows["prediction"].to_numpy(dtype="float64"),
        )
    y_true = rows["label"].astype(str).to_numpy()
    pred = rows["prediction"].astype(str).to_numpy()
    out = SimpleNamespace(y_true=y_true, pred=pred, classes=np.asarray(classes))
    if problem_type == "binary_classification":
        positive = classes[1]
        out.truth = (y_true == positive).astype(int)
        out.flagged = (pred == positive).astype(int)
        out.score = rows["probability"].to_numpy(dtype="float64")
    elif "probabilities" in rows.columns:
        out.proba = np.asarray(
            [[float((p or {}).get(c, 0.0)) for c in classes] for p in rows["probabilities"]]
        )
    return out


def metrics_of(problem_type: str, rows: pd.DataFrame, classes: list[str]) -> dict[str, float]:
    """Each metric of the problem type that the logged outputs allow (NaN ones left out)."""
    outputs = _outputs(problem_type, rows, classes)
    values: dict[str, float] = {}
    for name, fn in METRICS[problem_type].items():
        try:
            value = fn(outputs)
        except AttributeError:  # e.g. log_loss without logged class probabilities
            continue
        if not math.isnan(value):
            values[name] = value
    return values


def offline_metrics(settings: Any, version: str) -> dict[str, float]:
    """The version's test-split metrics, as the evaluate step logged them in MLflow."""
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=settings.tracking_uri)
    name = str(settings.experiment["registry"]["model_name"])
    try:
        run_id = client.get_model_version(name, version).run_id
        logged = client.get_run(run_id).data.metrics
    except Exception:  # an unregistered or deleted version has no offline metrics
        return {}
    return {k.removeprefix("test_"): v for k, v in logged.items() if k.startswith("test_")}


def evaluate(settings: Any, logged: pd.DataFrame, labels: pd.DataFrame) -> dict[str, Any]:
    """Per model version: labelled rows, online metrics, offline metrics and the drop."""
    section = config.load(settings)["online_quality"]
    data = settings.data
    id_col, target = contract.id_column(data), contract.target_column(data)
    problem_type = str(data["problem_type"])
    metric = str(settings.experiment["primary_metric"])
    classes = [str(c) for c in (contract.target_spec(data).get("allowed") or [])]
    joined = join(logged, labels, id_col, target)
    versions: dict[str, Any] = {}
    for version, rows in joined.groupby("model_version"):
        entry: dict[str, Any] = {"labelled_rows": len(rows)}
        if len(rows) >= int(section["min_labelled_rows"]):
            online = metrics_of(problem_type, rows, classes)
            offline = offline_metrics(settings, str(version))
            entry.update(online=online, offline=offline)
            if metric in online and metric in offline:
                drop = -relative_improvement(online[metric], offline[metric], metric)
                entry["drop_ratio"] = round(drop, 6)
        versions[str(version)] = entry
    return {
        "primary_metric": metric,
        "logged_rows": len(logged),
        "labelled_rows": len(joined),
        "versions": versions,
    }


def registry_of(result: dict[str, Any], now: float | None = None) -> CollectorRegistry:
    m = metric_names
    registry = CollectorRegistry()
    labels = ["model_version", "metric"]
    online = Gauge(m.ONLINE_QUALITY, "Metric on labelled live rows", labels, registry=registry)
    offline = Gauge(m.OFFLINE_QUALITY, "Metric on the test split", labels, registry=registry)
    drop = Gauge(
        m.ONLINE_QUALITY_DROP,
        "How much worse online is than offline (share)",
        labels,
        registry=registry,
    )
    rows = Gauge(m.ONLINE_LABELLED_ROWS, "Labelled live rows", ["model_version"], registry=registry)
    for version, entry in result["versions"].items():
        rows.labels(version).set(entry["labelled_rows"])
        for name, value in entry.get("online", {}).items():
            online.labels(version, name).set(value)
        for name, value in entry.get("offline", {}).items():
            offline.labels(version, name).set(value)
        if "drop_ratio" in entry:
            drop.labels(version, result["primary_metric"]).set(entry["drop_ratio"])
    Gauge(
        m.ONLINE_QUALITY_LAST_RUN,
        "When the online quality job last ran (Unix time)",
        registry=registry,
    ).set(time.time() if now is None else now)
    return registry


def run(settings: Any, state: dict[str, Any]) -> dict[str, Any]:
    """Step `quality`: join, compute, write reports/monitoring/online_quality.json and metrics."""
    sections = config.load(settings)
    section = sections["online_quality"]
    logged = state.get("logged_frame")
    if logged is None:
        directory = config.project_path(settings, sections["drift"]["prediction_log_dir"])
        logged = prediction_log.read(directory, None)
    labels = read_labels(settings, str(section["labels_path"]))
    result = evaluate(settings, logged, labels)
    out = config.project_path(settings, sections["drift"]["report_dir"]) / "online_quality.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    published = publish(
        registry_of(result),
        config.project_path(settings, section["prometheus_file"]),
        job="online_quality",
    )
    state["online_quality"] = result
    return {
        "labelled_rows": result["labelled_rows"],
        "versions": {
            v: e.get("online", {}).get(result["primary_metric"])
            for v, e in result["versions"].items()
        },
        "report": str(out),
        "prometheus_file": published["file"],
    }
