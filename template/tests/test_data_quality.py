"""Validation: every injected fault ends in quarantine (with its check named) or a clear error;
rows in = accepted + quarantined; reports, profile and reference statistics are written.

Each test runs on every engine under test (pandas, and the engine configs/data.yaml names):
the same faults must give the same quarantine on each."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

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
from data_ingestion.faults import inject_faults
from data_ingestion.sample import generate
from data_quality import step as validate_step
from data_quality.schema import build_schema
from data_quality.validate import FAILED_CHECKS, REASONS, storage_dtypes, validate

CONFIG = base_config()
PROBLEM = CONFIG["problem_type"]
ID = contract.id_column(CONFIG)

# fault kind -> a piece of the failing check's name
EXPECTED_CHECK = {
    "wrong_type": "type(numeric)",
    "nulls": "not_nullable",
    "out_of_range": "less_than_or_equal_to",
    "duplicate_ids": "field_uniqueness",
    "unknown_category": "isin",
    "bad_timestamp": "type(timestamp)",
}
# fault kind -> what the quarantine reason says was wrong (faults.py puts these values)
EXPECTED_REASON = {
    "wrong_type": "'n/a' is not a number",
    "nulls": "missing value (the column is not nullable)",
    "out_of_range": "is above the maximum",
    "duplicate_ids": "duplicate id",
    "unknown_category": "'__unknown__' is not an allowed value (one of ",
    "bad_timestamp": "'not a date' is not a timestamp (ISO 8601)",
}


def on(engine_name: str, settings: Any) -> Any:
    """The same project with the data steps run by `engine_name`."""
    return with_data(settings, engine=engine_name)


@pytest.mark.parametrize("engine_name", ENGINES)
@pytest.mark.parametrize("kind", sorted(EXPECTED_CHECK))
def test_each_injected_fault_ends_in_quarantine_with_its_check(kind: str, engine_name: str) -> None:
    clean = generate(PROBLEM, 800, seed=21)
    broken, hit = inject_faults(clean, CONFIG, {kind: 7}, seed=3)
    result = validate(as_engine(broken, engine_name), CONFIG)
    accepted, quarantined = to_pandas(result.accepted), to_pandas(result.quarantined)

    assert len(accepted) + len(quarantined) == len(broken)
    assert sorted(quarantined[ID]) == sorted(hit[kind])
    assert len(quarantined) == 7
    assert quarantined[FAILED_CHECKS].str.contains(EXPECTED_CHECK[kind], regex=False).all()
    # The reason names the column and what was wrong with the value, not only the rule.
    assert quarantined[REASONS].str.contains(EXPECTED_REASON[kind], regex=False).all()
    assert quarantined[REASONS].str.match(r"^\w+: ").all()
    if kind != "duplicate_ids":  # a duplicate's first occurrence is accepted
        assert not set(hit[kind]) & set(accepted[ID])
    assert accepted[ID].is_unique


@pytest.mark.parametrize("engine_name", ENGINES)
def test_all_faults_at_once_are_each_caught(engine_name: str) -> None:
    faults = {kind: 0.01 for kind in EXPECTED_CHECK}
    broken, hit = inject_faults(generate(PROBLEM, 1000, seed=2), CONFIG, faults, seed=1)
    result = validate(as_engine(broken, engine_name), CONFIG)
    assert len(result.quarantined) == sum(len(ids) for ids in hit.values()) == 60
    assert len(result.accepted) == 940
    assert result.rows_in == len(broken)


@SLOW_WHEN_SPARK
def test_every_engine_quarantines_the_same_rows_for_the_same_reasons() -> None:
    faults = {kind: 0.02 for kind in EXPECTED_CHECK}
    broken, _ = inject_faults(generate(PROBLEM, 1000, seed=5), CONFIG, faults, seed=4)
    outcomes = {}
    for engine_name in ENGINES:
        quarantined = to_pandas(validate(as_engine(broken, engine_name), CONFIG).quarantined)
        columns = (quarantined[ID], quarantined[FAILED_CHECKS], quarantined[REASONS])
        outcomes[engine_name] = sorted(zip(*columns, strict=True))
    assert len(outcomes["pandas"]) == 120
    assert all(outcome == outcomes["pandas"] for outcome in outcomes.values())


@pytest.mark.parametrize("engine_name", ENGINES)
def test_a_missing_column_is_a_clear_error_not_a_silent_drop(engine_name: str) -> None:
    broken, hit = inject_faults(generate(PROBLEM, 100, seed=1), CONFIG, {"missing_column": True})
    with pytest.raises(contract.DataContractError, match=hit["missing_column"][0]):
        validate(as_engine(broken, engine_name), CONFIG)


@pytest.mark.parametrize("engine_name", ENGINES)
def test_accepted_rows_are_typed_and_pass_the_schema_again(engine_name: str) -> None:
    broken, _ = inject_faults(generate(PROBLEM, 500, seed=8), CONFIG, {"wrong_type": 5})
    result = validate(as_engine(broken, engine_name), CONFIG)
    # pandera cannot check a Spark frame: Spark's accepted rows are checked as pandas frames.
    checked = to_pandas(result.accepted) if engine_name == "spark" else result.accepted
    build_schema(CONFIG, engine_name=engine_name).validate(checked)
    accepted = to_pandas(storage_dtypes(result.accepted))
    assert len(accepted) == 495
    assert pd.api.types.is_float_dtype(accepted["tenure_months"])
    assert pd.api.types.is_datetime64_any_dtype(accepted[contract.timestamp_column(CONFIG)])


@pytest.mark.parametrize("engine_name", ENGINES)
def test_future_timestamps_are_quarantined(engine_name: str) -> None:
    df = generate(PROBLEM, 200, seed=4)
    ts = contract.timestamp_column(CONFIG)
    df.loc[3, ts] = pd.Timestamp.now() + pd.Timedelta(days=30)
    quarantined = to_pandas(validate(as_engine(df, engine_name), CONFIG).quarantined)
    assert quarantined[ID].tolist() == [df.loc[3, ID]]
    assert "not_in_future" in quarantined[FAILED_CHECKS].iloc[0]


@pytest.mark.parametrize("engine_name", ENGINES)
def test_validate_step_writes_reports_that_reconcile(tmp_path: Path, engine_name: str) -> None:
    faults = {"out_of_range": 4, "unknown_category": 3, "duplicate_ids": 2}
    settings = on(engine_name, make_settings(tmp_path, faults=faults))
    ingest.run(settings, {})
    state: dict = {}
    summary = validate_step.run(settings, state)

    report = json.loads((settings.reports_dir / "data_quality.json").read_text())
    assert report["engine"] == engine_name
    assert report["rows_in"] == 600
    assert report["rows_quarantined"] == 9 == summary["rows_quarantined"]
    assert report["rows_in"] == report["rows_accepted"] + report["rows_quarantined"]
    assert set(report["completeness"]) == set(contract.contract_columns(CONFIG))
    assert all(0.0 <= v <= 1.0 for v in report["completeness"].values())

    accepted = pd.read_parquet(state["validated"])
    quarantined = pd.read_parquet(settings.data_dir / "quarantine/quarantine.parquet")
    assert len(accepted) == 591 and len(quarantined) == 9
    assert quarantined[FAILED_CHECKS].str.len().gt(0).all()

    profile = json.loads((settings.reports_dir / "data_profile.json").read_text())
    assert profile["rows"] == 591
    assert profile["freshness"]["newest"] is not None
    reference = json.loads((settings.data_dir / "reference/stats.json").read_text())
    assert set(contract.features(CONFIG)) <= set(reference["columns"])
    numeric = reference["columns"][contract.numeric_features(CONFIG)[0]]
    assert abs(sum(numeric["bin_fractions"]) - 1.0) < 1e-6
    categorical = reference["columns"][contract.categorical_features(CONFIG)[0]]
    assert abs(sum(categorical["frequencies"]) - 1.0) < 1e-3


@pytest.mark.parametrize("engine_name", ENGINES)
def test_text_in_a_numeric_csv_column_is_quarantined_end_to_end(
    tmp_path: Path, engine_name: str
) -> None:
    df = generate(PROBLEM, 300, seed=6)
    df["support_calls"] = df["support_calls"].astype(object)
    df.loc[[10, 250], "support_calls"] = "several"  # row 250: after a type-guessing window
    (tmp_path / "in").mkdir()
    df.to_csv(tmp_path / "in/a.csv", index=False)
    settings = on(engine_name, make_settings(tmp_path, type="files", path="in/a.csv", format="csv"))
    ingest.run(settings, {})
    summary = validate_step.run(settings, {})
    assert summary["rows_quarantined"] == 2
    # the text is no number (type) and leaves a gap in a column that may not be null
    assert summary["failures_by_check"] == {
        "support_calls:type(numeric)": 2,
        "support_calls:not_nullable": 2,
    }
    quarantined = pd.read_parquet(settings.data_dir / "quarantine/quarantine.parquet")
    # One reason per bad value: what it was, not the null its conversion left behind.
    assert quarantined[REASONS].tolist() == ["support_calls: 'several' is not a number"] * 2


def test_faults_and_validation_that_need_a_key_say_which() -> None:
    keyless = {**CONFIG, "id_column": None, "timestamp_column": None}
    df = generate(PROBLEM, 100, seed=1)
    for kind, key in (("duplicate_ids", "id_column"), ("bad_timestamp", "timestamp_column")):
        with pytest.raises(ValueError, match=f"{kind} needs {key}"):
            inject_faults(df, keyless, {kind: 2})
    # Raw data ingested before id_column was removed has no derived row id: ingest again.
    with pytest.raises(contract.DataContractError, match="run the `ingest` step again"):
        validate(df, keyless)


@pytest.mark.parametrize("engine_name", ENGINES)
def test_a_table_without_keys_is_validated_by_its_row_ids(tmp_path: Path, engine_name: str) -> None:
    """No id, timestamp or entity column: rows are named by their derived ids, the profile has
    no freshness, and the reasons are the same words."""
    keys = ("id_column", "timestamp_column", "entity_column")
    df = generate(PROBLEM, 300, seed=6).drop(columns=[CONFIG[k] for k in keys])
    df["support_calls"] = df["support_calls"].astype(object)
    df.loc[10, "support_calls"] = "n/a!"
    (tmp_path / "in").mkdir()
    df.to_csv(tmp_path / "in/a.csv", index=False)
    settings = with_data(
        on(engine_name, make_settings(tmp_path, type="files", path="in/a.csv", format="csv")),
        **dict.fromkeys(keys),
    )
    ingest.run(settings, {})
    summary = validate_step.run(settings, {})
    assert summary["rows_quarantined"] == 1 and summary["rows_accepted"] == 299
    quarantined = pd.read_parquet(settings.data_dir / "quarantine/quarantine.parquet")
    assert quarantined[REASONS].tolist() == ["support_calls: 'n/a!' is not a number"]
    assert len(quarantined[contract.ROW_ID].iloc[0]) == 16
    accepted = pd.read_parquet(settings.data_dir / "validated/data.parquet")
    assert accepted[contract.ROW_ID].is_unique
    profile = json.loads((settings.reports_dir / "data_profile.json").read_text())
    assert profile["freshness"]["newest"] is None and profile["unique_ids"] == 299


@pytest.mark.parametrize("engine_name", ENGINES)
def test_timestamps_in_a_configured_format_are_read(tmp_path: Path, engine_name: str) -> None:
    df = generate(PROBLEM, 200, seed=6)
    ts = contract.timestamp_column(CONFIG)
    df[ts] = df[ts].dt.strftime("%d/%m/%Y %H:%M:%S")
    (tmp_path / "in").mkdir()
    df.to_csv(tmp_path / "in/a.csv", index=False)
    settings = on(engine_name, make_settings(tmp_path, type="files", path="in/a.csv", format="csv"))
    ingest.run(with_data(settings, timestamp_format="%d/%m/%Y %H:%M:%S"), {})
    summary = validate_step.run(with_data(settings, timestamp_format="%d/%m/%Y %H:%M:%S"), {})
    assert summary["rows_accepted"] == 200
    # Without the format the day-first text is no ISO 8601 timestamp: quarantined, not guessed.
    with pytest.raises(validate_step.DataQualityError):
        validate_step.run(settings, {})
    report = json.loads((settings.reports_dir / "data_quality.json").read_text())
    assert report["failures_by_check"][f"{ts}:type(timestamp)"] == 200


@pytest.mark.parametrize("engine_name", ENGINES)
def test_too_many_quarantined_rows_fail_the_step_after_reporting(
    tmp_path: Path, engine_name: str
) -> None:
    settings = with_data(
        make_settings(tmp_path, faults={"unknown_category": 0.5}),
        quality={"max_quarantine_fraction": 0.1},
        engine=engine_name,
    )
    ingest.run(settings, {})
    with pytest.raises(validate_step.DataQualityError, match="max_quarantine_fraction"):
        validate_step.run(settings, {})
    report = json.loads((settings.reports_dir / "data_quality.json").read_text())
    assert report["rows_quarantined"] == 300


def test_validate_without_raw_data_says_to_ingest_first(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="ingest"):
        validate_step.run(make_settings(tmp_path), {})
