"""Training end to end on a small sample: tracked, reproducible, registered, loadable."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import mlflow
import pandas as pd
import pytest
import yaml
from conftest import (
    FAST_EXPERIMENT,
    ROOT,
    Settings,
    Trained,
    model_settings,
    run_step,
    tracking_env,
)
from mlflow import MlflowClient

from data_ingestion import contract
from data_ingestion.sample import generate
from models import data
from models.train_step import fit_rows, search_all, search_rows
from models.tuning import SearchResult


def test_pipeline_trains_tracks_and_promotes(trained: Trained) -> None:
    settings, state = trained.settings, trained.state
    training, evaluation = state["training"], state["evaluation"]
    metric = training["primary_metric"]
    assert set(training["cv"]) == {"baseline", "linear", "lightgbm"}
    assert evaluation["relative_improvement"] > 0.10
    assert state["registration"]["aliases"] == ["challenger", "champion"]

    run = MlflowClient().get_run(training["run_id"])
    manifest = json.loads((settings.data_dir / "features/manifest.json").read_text())
    assert run.data.tags["dataset_hash"] == manifest["dataset_hash"]
    assert run.data.metrics[f"test_{metric}"] == pytest.approx(evaluation["model"][metric])
    best = training["cv"][training["best_family"]]
    assert run.data.metrics[f"cv_{metric}_std"] == pytest.approx(best["std"])
    assert run.data.params["best_family"] == training["best_family"]
    # Every development row fits the model (below fit.max_rows): logged as not sampled.
    assert (
        run.data.metrics["rows_fit"]
        == training["rows_fit"]
        == sum(training["rows"][n] for n in ("train", "valid"))
    )
    assert run.data.metrics["fit_sampled"] == 0

    results = json.loads(
        (settings.root / f"experiments/results/{training['run_id']}.json").read_text()
    )
    searched = {s["family"]: s for s in results["searches"]}
    assert searched["linear"]["n_trials"] == searched["lightgbm"]["n_trials"] == 4
    assert len(searched["lightgbm"]["cv_scores"]) == 3


@pytest.mark.slow
def test_same_seed_gives_the_same_metrics(trained: Trained) -> None:
    splits = data.load(trained.settings, trained.state)

    def outcome(results: list[SearchResult]) -> list[tuple[str, list[float], dict]]:
        return [(r.family, r.cv_scores, r.params) for r in results]

    first = outcome(search_all(trained.settings, splits))
    again = outcome(search_all(trained.settings, splits))
    assert first == again
    assert first[1][1] == trained.state["training"]["cv"]["linear"]["scores"]

    one_trial = {"n_trials": 1, "timeout_seconds": 600}
    reseeded = model_settings(trained.settings.root / "reseeded", seed=7, search=one_trial)
    other = outcome(search_all(reseeded, splits))
    assert other[2][1] != first[2][1]


@pytest.mark.slow
def test_champion_loads_in_a_fresh_process(trained: Trained, tmp_path: Path) -> None:
    name = trained.state["registration"]["model_name"]
    splits = data.load(trained.settings, trained.state)
    X_test, _ = splits.xy(splits.test)
    X_test.head(50).to_parquet(tmp_path / "rows.parquet")
    script = textwrap.dedent(
        f"""
        import json, sys
        import pandas as pd
        from models.tracking import load_model
        model = load_model("models:/{name}@champion")
        rows = pd.read_parquet(sys.argv[1])
        print(json.dumps([str(p) for p in model.predict(rows)]))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "rows.parquet")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    in_process = [str(p) for p in trained.state["model"].predict(X_test.head(50))]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == in_process


def test_evaluate_alone_reloads_the_models_from_mlflow(trained: Trained) -> None:
    from models.evaluate_step import run as evaluate

    state: dict = {}
    summary = evaluate(trained.settings, state)
    metric = trained.state["training"]["primary_metric"]
    assert state["evaluation"]["model"] == pytest.approx(trained.state["evaluation"]["model"])
    assert summary[f"test_{metric}"] == round(trained.state["evaluation"]["model"][metric], 4)


def test_no_champion_when_the_gate_fails(
    trained: Trained, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A copy of the trained project whose gate demands the impossible."""
    copy = tmp_path / "copy"
    shutil.copytree(trained.settings.root, copy)
    pyproject = copy / "pyproject.toml"
    text = pyproject.read_text()
    assert "min_relative_improvement = 0.10" in text
    pyproject.write_text(
        text.replace("min_relative_improvement = 0.10", "min_relative_improvement = 1000.0")
    )
    tracking_env(monkeypatch, copy)
    from models.register_step import run as register

    settings = Settings(root=copy, overrides=trained.settings.overrides)
    state: dict = {}
    summary = register(settings, state)
    assert summary["aliases"] == ["challenger"]
    assert summary["not_promoted_because"] == ["beats baseline"]
    assert state["registration"]["promoted"] is False
    client = MlflowClient(tracking_uri=f"sqlite:///{copy / 'mlflow.db'}")
    name = summary["model"]
    assert int(client.get_model_version_by_alias(name, "champion").version) == 1
    assert int(client.get_model_version_by_alias(name, "challenger").version) == summary["version"]


def test_tracking_artifacts_stay_inside_the_project(trained: Trained) -> None:
    experiment = mlflow.get_experiment(trained.state["training"]["experiment_id"])
    assert experiment.artifact_location == (trained.settings.root / "mlruns").as_uri()
    assert any(p.is_dir() for p in (trained.settings.root / "mlruns").iterdir())


def test_search_uses_a_seeded_sample_of_large_data() -> None:
    X = pd.DataFrame({"x": range(1000)})
    y = pd.Series(range(1000))
    experiment = {"seed": 5, "search": {"max_rows": 300}}
    X_small, y_small = search_rows(X, y, experiment)
    assert len(X_small) == 300 and X_small.index.equals(y_small.index)
    assert search_rows(X, y, experiment)[0].index.equals(X_small.index)
    assert search_rows(X, y, {"seed": 5, "search": {"max_rows": 5000}})[0] is X


def test_the_fit_takes_a_stratified_sample_above_its_bound() -> None:
    y = pd.Series([0] * 900 + [1] * 100)
    X = pd.DataFrame({"x": range(1000)})
    experiment = {"seed": 5, "problem_type": "binary_classification", "fit": {"max_rows": 200}}
    X_fit, y_fit = fit_rows(X, y, experiment)
    assert len(X_fit) == 200 and X_fit.index.equals(y_fit.index)
    assert y_fit.sum() == 20  # the minority class keeps its 10 % share
    assert fit_rows(X, y, experiment)[0].index.equals(X_fit.index)  # seeded
    assert fit_rows(X, y, {**experiment, "fit": {"max_rows": None}})[0] is X
    assert fit_rows(X, y, {**experiment, "fit": {"max_rows": 1000}})[0] is X


def model_inputs(model_uri: str) -> list[str]:
    """The input columns of a logged model, as its MLflow signature records them."""
    return mlflow.models.get_model_info(model_uri).signature.inputs.input_names()


def test_no_key_column_is_a_model_input_unless_listed(trained: Trained) -> None:
    """The id and the timestamp (nor its date parts) are not among the champion's inputs."""
    config = trained.settings.data
    name = trained.state["registration"]["model_name"]
    inputs = model_inputs(f"models:/{name}@champion")
    assert inputs == contract.input_columns(config)
    keys = [contract.id_column(config), contract.timestamp_column(config)]
    assert not set(keys) & set(inputs)
    features = json.loads((trained.settings.data_dir / "features/manifest.json").read_text())
    assert not [n for n in features["feature_names"] if any(str(k) in n for k in keys)]


@pytest.mark.slow
def test_a_csv_without_id_and_timestamp_trains_to_a_champion(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Your own table as it comes: a CSV of features and target, no id, timestamp or entity
    column, and a contract that names only the target and the features."""
    base = yaml.safe_load((ROOT / "configs/data.yaml").read_text())
    keys = [base[k] for k in ("id_column", "timestamp_column", "entity_column") if base.get(k)]
    root = tmp_path / "own"
    model_settings(root)  # the project files training reads
    table = generate(base["problem_type"], 1000, seed=11).drop(columns=keys)
    (root / "data/landing").mkdir(parents=True)
    table.to_csv(root / "data/landing/export.csv", index=False)
    own = {
        "problem_type": base["problem_type"],
        "engine": base["engine"],
        "source": {"type": "files", "path": "data/landing/*.csv", "format": "csv"},
        "target": base["target"],
        "target_spec": base["target_spec"],
        "features": base["features"],
    }
    (root / "configs/data.yaml").write_text(yaml.safe_dump(own, sort_keys=False))
    tracking_env(monkeypatch, root)
    fast = {**FAST_EXPERIMENT, "search": {"n_trials": 2, "timeout_seconds": 600}}
    settings = Settings(root=root, overrides={"experiment": fast})
    state: dict = {}
    previous = mlflow.get_tracking_uri()
    try:
        for step in ("ingest", "validate", "features", "train", "evaluate", "explain", "register"):
            run_step(step, settings, state)
        inputs = model_inputs(state["training"]["model_uri"])
    finally:  # the steps point MLflow at this project's store: give the other tests theirs back
        mlflow.set_tracking_uri(previous)

    assert state["registration"]["aliases"] == ["challenger", "champion"]
    manifest = json.loads((root / "data/features/manifest.json").read_text())
    strategy = "random" if base["problem_type"] == "regression" else "stratified"
    assert manifest["split"]["strategy"] == strategy
    assert sum(manifest["rows"].values()) == 1000
    assert inputs == list(base["features"])  # no id, no timestamp, no row order
