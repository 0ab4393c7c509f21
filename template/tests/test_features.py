"""Feature engineering: the pipeline, its transformers, the split and the features step."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from data_fixtures import (
    ENGINES,
    SLOW_WHEN_SPARK,
    as_engine,
    base_config,
    make_settings,
    to_pandas,
    with_data,
)

from data_ingestion import contract
from data_ingestion import step as ingest
from data_ingestion.sample import generate
from data_quality import step as validate_step
from data_quality.validate import storage_dtypes, validate
from feature_engineering import step as features_step
from feature_engineering.pipeline import build_feature_pipeline, split_xy
from feature_engineering.split import load_manifest, load_splits, split_dataset
from feature_engineering.transformers import DateParts, EntityAggregates

CONFIG = base_config()
PROBLEM = CONFIG["problem_type"]
ID, TS = contract.id_column(CONFIG), contract.timestamp_column(CONFIG)
TARGET = contract.target_column(CONFIG)


@pytest.fixture(scope="module")
def validated() -> pd.DataFrame:
    return storage_dtypes(validate(generate(PROBLEM, 1500, seed=31), CONFIG).accepted)


def test_pipeline_turns_validated_columns_into_a_finite_numeric_matrix(
    validated: pd.DataFrame,
) -> None:
    x, _ = split_xy(validated, CONFIG)
    assert TARGET not in x.columns
    pipeline = build_feature_pipeline(CONFIG).fit(x)
    matrix = pipeline.transform(x)
    names = pipeline.get_feature_names_out()
    assert matrix.shape == (len(x), len(names))
    assert np.isfinite(matrix).all()
    assert any("_mean_" in n for n in names) and any(n.endswith("_rows") for n in names)
    # Keys are no features: neither the row id nor the timestamp or its date parts.
    assert not any(ID in n or TS in n for n in names)
    assert ID not in x.columns and TS not in x.columns


def test_no_key_feeds_the_model_unless_listed_under_features(validated: pd.DataFrame) -> None:
    """The date parts of the timestamp reach the model only when it is listed as a feature."""
    assert contract.input_columns(CONFIG) == [
        contract.entity_column(CONFIG),
        *contract.features(CONFIG),
    ]
    listed = {**CONFIG, "features": {**CONFIG["features"], TS: {"type": "timestamp"}}}
    x, _ = split_xy(validated, listed)
    assert TS in x.columns and ID not in x.columns
    names = build_feature_pipeline(listed).fit(x).get_feature_names_out()
    assert f"date_{TS}__{TS}_month" in names
    # Without aggregated features the entity key is no input either.
    plain = {
        **CONFIG,
        "features": {n: {**s, "aggregate": False} for n, s in CONFIG["features"].items()},
    }
    assert contract.input_columns(plain) == list(CONFIG["features"])


def test_pipeline_handles_nulls_unknown_categories_and_new_entities(
    validated: pd.DataFrame,
) -> None:
    x, _ = split_xy(validated, CONFIG)
    pipeline = build_feature_pipeline(CONFIG).fit(x)
    odd = x.head(3).copy()
    odd["monthly_charges"] = np.nan
    odd["region"] = "atlantis"
    odd["plan"] = None
    odd[contract.entity_column(CONFIG)] = "never-seen"
    assert np.isfinite(pipeline.transform(odd)).all()


def test_fitted_pipeline_pickles_and_gives_the_same_output(validated: pd.DataFrame) -> None:
    x, _ = split_xy(validated, CONFIG)
    pipeline = build_feature_pipeline(CONFIG).fit(x)
    restored = pickle.loads(pickle.dumps(pipeline))
    np.testing.assert_array_equal(restored.transform(x), pipeline.transform(x))


def test_fitted_pipeline_round_trips_through_skops(validated: pd.DataFrame) -> None:
    """skops stores data, not code: it must be able to hold the pipeline saved with the model."""
    import skops.io

    x, _ = split_xy(validated, CONFIG)
    pipeline = build_feature_pipeline(CONFIG).fit(x)
    data = skops.io.dumps(pipeline)
    trusted = skops.io.get_untrusted_types(data=data)
    assert {t for t in trusted if not t.startswith("feature_engineering.")} <= {"numpy.dtype"}
    restored = skops.io.loads(data, trusted=trusted)
    np.testing.assert_allclose(restored.transform(x), pipeline.transform(x))


def test_pipeline_can_output_a_dataframe_with_feature_names(validated: pd.DataFrame) -> None:
    x, _ = split_xy(validated, CONFIG)
    pipeline = build_feature_pipeline(CONFIG).set_output(transform="pandas").fit(x)
    out = pipeline.transform(x)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == list(pipeline.get_feature_names_out())


def test_entity_aggregates_learn_per_entity_means_and_fall_back_to_the_global_mean() -> None:
    train = pd.DataFrame({"who": ["a", "a", "b"], "v": [1.0, 3.0, np.nan]})
    agg = EntityAggregates().fit(train)
    out = agg.transform(pd.DataFrame({"who": ["a", "b", "zz"], "v": [0.0, 0.0, 0.0]}))
    np.testing.assert_allclose(out, [[2.0, 2.0], [1.0, 2.0], [0.0, 2.0]])
    assert list(agg.get_feature_names_out()) == ["who_rows", "who_mean_v"]


def test_date_parts() -> None:
    ts = pd.DataFrame({"t": pd.to_datetime(["2024-12-28 13:00", None])})
    parts = DateParts().fit(ts)
    out = parts.transform(ts)
    np.testing.assert_array_equal(out[0], [12, 5, 13, 1, 363])
    np.testing.assert_array_equal(out[1], out[0])  # a missing timestamp gets the median's parts
    assert list(parts.get_feature_names_out()) == [
        "t_month",
        "t_day_of_week",
        "t_hour",
        "t_is_weekend",
        "t_day_of_year",
    ]


def test_split_is_a_partition_and_deterministic(validated: pd.DataFrame) -> None:
    first = split_dataset(validated, CONFIG, seed=5)
    second = split_dataset(validated, CONFIG, seed=5)
    ids = [set(first[name][ID]) for name in ("train", "valid", "test")]
    assert sum(map(len, ids)) == len(validated) == len(set().union(*ids))
    for name in first:
        pd.testing.assert_frame_equal(first[name], second[name])
    assert abs(len(first["test"]) / len(validated) - 0.15) < 0.01


@SLOW_WHEN_SPARK
@pytest.mark.parametrize("strategy", ["stratified", "time", "random"])
def test_every_engine_splits_alike(validated: pd.DataFrame, strategy: str) -> None:
    if strategy == "stratified" and PROBLEM == "regression":  # strata need classes
        validated = validated.assign(**{TARGET: (validated[TARGET] > validated[TARGET].median())})
    config = {**CONFIG, "split": {**CONFIG["split"], "strategy": strategy}}
    expected = split_dataset(validated, config, seed=5)
    for engine_name in ENGINES:
        parts = split_dataset(as_engine(validated, engine_name), config, seed=5)
        for name, frame in parts.items():
            pd.testing.assert_frame_equal(to_pandas(frame), expected[name], check_dtype=False)


def test_stratified_split_keeps_class_shares(validated: pd.DataFrame) -> None:
    if PROBLEM == "regression":
        validated = validated.assign(**{TARGET: (validated[TARGET] > validated[TARGET].median())})
    config = {**CONFIG, "split": {**CONFIG["split"], "strategy": "stratified"}}
    parts = split_dataset(validated, config, seed=1)
    overall = validated[TARGET].value_counts(normalize=True)
    for frame in parts.values():
        shares = frame[TARGET].value_counts(normalize=True)
        assert (shares - overall).abs().max() < 0.03


def test_time_split_puts_the_newest_rows_in_test(validated: pd.DataFrame) -> None:
    config = {**CONFIG, "split": {**CONFIG["split"], "strategy": "time"}}
    parts = split_dataset(validated, config, seed=1)
    assert parts["train"][TS].max() <= parts["valid"][TS].min()
    assert parts["valid"][TS].max() <= parts["test"][TS].min()


@SLOW_WHEN_SPARK
@pytest.mark.parametrize("strategy", [None, "stratified", "random"])
def test_split_without_a_timestamp_is_deterministic_and_alike_on_every_engine(
    validated: pd.DataFrame, strategy: str | None
) -> None:
    """No timestamp column: the default split is stratified (classification) or random
    (regression), seeded, and each engine puts the same rows in each part."""
    if strategy == "stratified" and PROBLEM == "regression":
        pytest.skip("strata need classes")
    data = validated.drop(columns=[TS])
    config = {k: v for k, v in CONFIG.items() if k not in ("timestamp_column", "split")}
    if strategy:
        config["split"] = {"strategy": strategy}
    expected = split_dataset(data, config, seed=5)
    assert split_dataset(data, config, seed=6)["test"][ID].tolist() != expected["test"][ID].tolist()
    for engine_name in ENGINES:
        parts = split_dataset(as_engine(data, engine_name), config, seed=5)
        for name, frame in parts.items():
            pd.testing.assert_frame_equal(to_pandas(frame), expected[name], check_dtype=False)
    if PROBLEM != "regression" and strategy is None:  # the default keeps the class shares
        overall = data[TARGET].value_counts(normalize=True)
        shares = expected["test"][TARGET].value_counts(normalize=True)
        assert (shares - overall).abs().max() < 0.03
    with pytest.raises(contract.DataContractError, match="timestamp_column"):
        split_dataset(data, {**config, "split": {"strategy": "time"}}, seed=5)


def test_split_refuses_bad_options(validated: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="strategy"):
        split_dataset(validated, {**CONFIG, "split": {"strategy": "alphabetical"}}, seed=1)
    with pytest.raises(ValueError, match="fractions"):
        split_dataset(validated, {**CONFIG, "split": {"test_fraction": 0.9}}, seed=1)


def run_data_steps(root: Path) -> tuple[dict, dict]:
    settings = make_settings(root, faults={"nulls": 3})
    state: dict = {}
    ingest.run(settings, state)
    validate_step.run(settings, state)
    return features_step.run(settings, state), state


def test_features_step_writes_splits_and_a_manifest(tmp_path: Path) -> None:
    summary, state = run_data_steps(tmp_path)
    settings = make_settings(tmp_path)
    splits = load_splits(settings)
    manifest = load_manifest(settings)
    assert set(state["splits"]) == {"train", "valid", "test"}
    assert all(Path(p).is_file() for p in state["splits"].values())
    assert state["dataset_hash"] == manifest["dataset_hash"]
    assert manifest["rows"] == {name: len(frame) for name, frame in splits.items()}
    assert sum(manifest["rows"].values()) == 597
    assert summary["features_out"] == len(manifest["feature_names"])
    assert TARGET in splits["train"].columns


def test_same_seed_gives_the_same_dataset_hash(tmp_path: Path) -> None:
    first, _ = run_data_steps(tmp_path / "a")
    second, _ = run_data_steps(tmp_path / "b")
    assert first["dataset_hash"] == second["dataset_hash"]
    other = make_settings(tmp_path / "c", seed=99)
    ingest.run(other, {})
    validate_step.run(other, {})
    assert features_step.run(other, {})["dataset_hash"] != first["dataset_hash"]


def test_features_step_runs_alone_from_disk(tmp_path: Path) -> None:
    run_data_steps(tmp_path)
    settings = with_data(make_settings(tmp_path), split={**CONFIG["split"], "seed": 3})
    state: dict = {}
    features_step.run(settings, state)
    manifest = json.loads((tmp_path / "data/features/manifest.json").read_text())
    assert manifest["split"]["seed"] == 3
    assert state["dataset_hash"] == manifest["dataset_hash"]


def test_load_splits_before_the_features_step_says_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="features"):
        load_splits(make_settings(tmp_path))
