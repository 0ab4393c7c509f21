"""Ingestion: raw loads and their manifest, the watermark, files sources, retries, errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from data_fixtures import (
    ENGINES,
    SLOW_WHEN_SPARK,
    base_config,
    make_settings,
    to_pandas,
    with_data,
)

from data_ingestion import contract, engine, row_ids, sources
from data_ingestion import step as ingest
from data_ingestion.layers import Layers, content_hash, read_json
from data_ingestion.raw_layer import read_raw
from data_ingestion.retry import with_retries
from data_ingestion.sample import generate

CONFIG = base_config()
PROBLEM = CONFIG["problem_type"]
TS = contract.timestamp_column(CONFIG)
ID = contract.id_column(CONFIG)


def no_sleep(_: float) -> None:
    return None


def write_csv(path: Path, df: pd.DataFrame) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("engine_name", ENGINES)
def test_sample_ingest_writes_a_raw_load_with_a_content_hash(
    tmp_path: Path, engine_name: str
) -> None:
    settings = with_data(make_settings(tmp_path), engine=engine_name)
    state: dict = {}
    summary = ingest.run(settings, state, sleep=no_sleep)
    manifest = read_json(Layers(settings.data_dir).raw_manifest)
    raw = read_raw(Layers(settings.data_dir), engine_name)
    assert summary["rows_new"] == summary["rows_read"] == len(raw) == 600
    assert manifest["loads"][0]["content_hash"] == content_hash(raw)
    assert (settings.data_dir / manifest["loads"][0]["path"]).is_file()
    assert pd.Timestamp(manifest["watermark"]) == pd.Timestamp(to_pandas(raw)[TS].max())
    assert state["dataset_version"] == manifest["dataset_version"]


def test_second_ingest_of_the_same_source_loads_nothing_new(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    first = ingest.run(settings, {}, sleep=no_sleep)
    second = ingest.run(settings, {}, sleep=no_sleep)
    assert second["rows_new"] == 0
    assert second["rows_at_or_before_watermark"] == 600
    assert second["loads"] == 1
    assert second["dataset_version"] == first["dataset_version"]


def test_a_changed_source_starts_the_raw_layer_over(tmp_path: Path) -> None:
    first = ingest.run(make_settings(tmp_path), {}, sleep=no_sleep)
    second = ingest.run(make_settings(tmp_path, seed=8), {}, sleep=no_sleep)
    assert second["loads"] == 1
    assert second["rows_new"] == 600
    assert second["dataset_version"] != first["dataset_version"]
    assert any("source changed" in note for note in second["notes"])


def test_a_full_refresh_source_replaces_the_raw_layer_every_run(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, incremental=False)
    ingest.run(settings, {}, sleep=no_sleep)
    second = ingest.run(settings, {}, sleep=no_sleep)
    assert second["rows_new"] == 600 and second["loads"] == 1
    assert any("full reload" in note for note in second["notes"])
    assert len(read_raw(Layers(settings.data_dir))) == 600


@pytest.mark.parametrize("engine_name", ENGINES)
def test_files_are_loaded_incrementally_after_the_watermark(
    tmp_path: Path, engine_name: str
) -> None:
    df = generate(PROBLEM, 900, seed=4)
    write_csv(tmp_path / "landing/part-1.csv", df.iloc[:500])
    settings = with_data(
        make_settings(tmp_path, type="files", path="landing/*.csv", format="csv"),
        engine=engine_name,
    )

    first = ingest.run(settings, {}, sleep=no_sleep)
    assert first["rows_new"] == 500
    assert pd.Timestamp(first["watermark"]) == df[TS].iloc[499]

    # A later file: 100 rows older than the watermark (late arrivals) and 400 new rows.
    write_csv(tmp_path / "landing/part-2.csv", df.iloc[400:900])
    second = ingest.run(settings, {}, sleep=no_sleep)
    assert second["rows_read"] == 500  # part-1 was read before: skipped by its content hash
    assert second["rows_new"] == 400
    assert second["rows_at_or_before_watermark"] == 100
    assert second["loads"] == 2
    assert pd.Timestamp(second["watermark"]) == df[TS].max()
    raw = read_raw(Layers(settings.data_dir))
    assert sorted(raw[ID]) == sorted(df[ID])

    third = ingest.run(settings, {}, sleep=no_sleep)
    assert third["rows_read"] == 0 and third["rows_new"] == 0 and third["loads"] == 2


@pytest.mark.parametrize("engine_name", ENGINES)
def test_parquet_files_by_glob(tmp_path: Path, engine_name: str) -> None:
    df = generate(PROBLEM, 300, seed=5)
    (tmp_path / "in").mkdir()
    df.iloc[:150].to_parquet(tmp_path / "in/a.parquet")
    df.iloc[150:].to_parquet(tmp_path / "in/b.parquet")
    settings = with_data(
        make_settings(tmp_path, type="files", path="in/*.parquet", format="parquet"),
        engine=engine_name,
    )
    summary = ingest.run(settings, {}, sleep=no_sleep)
    assert summary["rows_new"] == 300
    raw = read_raw(Layers(settings.data_dir))
    assert sorted(raw[ID]) == sorted(df[ID])
    manifest = read_json(Layers(settings.data_dir).raw_manifest)
    assert len(manifest["files"]) == 2


def test_sample_if_missing_writes_the_sample_where_the_path_points(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path, type="files", path="data/landing/*.csv", format="csv", sample_if_missing=True
    )
    summary = ingest.run(settings, {}, sleep=no_sleep)
    assert (tmp_path / "data/landing/sample.csv").is_file()
    assert summary["rows_new"] == 600
    assert "wrote the sample" in summary["notes"][0]


def test_a_path_matching_nothing_is_a_clear_error(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path, type="files", path="nowhere/*.csv", format="csv", sample_if_missing=False
    )
    with pytest.raises(FileNotFoundError, match="matches no file"):
        ingest.run(settings, {}, sleep=no_sleep)


@pytest.mark.parametrize("engine_name", ENGINES)
def test_an_unreadable_file_is_a_clear_error(tmp_path: Path, engine_name: str) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in/broken.parquet").write_bytes(b"this is not parquet")
    settings = with_data(
        make_settings(tmp_path, type="files", path="in/*.parquet", format="parquet"),
        engine=engine_name,
    )
    with pytest.raises(sources.SourceReadError, match="broken.parquet"):
        ingest.run(settings, {}, sleep=no_sleep)


@pytest.mark.parametrize("engine_name", ENGINES)
def test_a_file_missing_a_contract_column_is_a_clear_error(
    tmp_path: Path, engine_name: str
) -> None:
    df = generate(PROBLEM, 50, seed=1).drop(columns=[contract.target_column(CONFIG)])
    write_csv(tmp_path / "in/a.csv", df)
    settings = with_data(
        make_settings(tmp_path, type="files", path="in/a.csv", format="csv"), engine=engine_name
    )
    with pytest.raises(contract.DataContractError) as error:
        ingest.run(settings, {}, sleep=no_sleep)
    # The column, its role in the contract, the file and the fix.
    message = str(error.value)
    assert f"'{contract.target_column(CONFIG)}' (`target`)" in message
    assert str(tmp_path / "in/a.csv") in message and "rename the column" in message
    assert not (settings.data_dir / "raw/load=000001").exists()


# What "your own table, as it comes" looks like: no id, no timestamp, no entity column.
KEYS = ("id_column", "timestamp_column", "entity_column")


def keyless(settings: Any) -> Any:
    """The same project with no key column in its contract."""
    return with_data(settings, **dict.fromkeys(KEYS))


def own_table(rows: int = 60, seed: int = 1) -> pd.DataFrame:
    """A table as exported from elsewhere: features and target only, with a repeated row, a
    missing value and an integer column."""
    keys = [CONFIG[k] for k in KEYS if CONFIG.get(k)]
    df = generate(PROBLEM, rows, seed=seed).drop(columns=keys)
    df.loc[5] = df.loc[4]  # a row that repeats: two observations, two ids
    df.loc[7, "monthly_charges"] = None
    return df


@SLOW_WHEN_SPARK
def test_rows_without_an_id_get_a_stable_content_hash_id_on_every_engine(tmp_path: Path) -> None:
    df = own_table()
    path = write_csv(tmp_path / "a.csv", df)
    config = {**CONFIG, **dict.fromkeys(KEYS)}
    ids = {}
    for engine_name in ENGINES:
        frames = engine.frames(engine_name)
        for attempt in range(2):  # same rows, same ids from run to run
            frame = row_ids.with_row_ids(frames.read_file(str(path), "csv"), config, "a.csv")
            ids[engine_name, attempt] = frames.column(frame, contract.ROW_ID).tolist()
    first = ids["pandas", 0]
    assert all(found == first for found in ids.values())
    assert len(set(first)) == len(df)  # the repeated row gets a second id
    assert all(len(i) == 16 for i in first)
    # A changed value changes that row's id only; the order of the columns does not matter.
    changed = df.copy()
    changed.loc[10, "tenure_months"] += 1
    changed = changed[list(reversed(changed.columns))]
    again = row_ids.row_ids(pd.read_csv(write_csv(tmp_path / "b.csv", changed)))
    assert [i for i, (a, b) in enumerate(zip(first, again, strict=True)) if a != b] == [10]


def test_a_source_with_a_row_id_column_of_its_own_must_name_it(tmp_path: Path) -> None:
    write_csv(tmp_path / "in/a.csv", own_table().assign(**{contract.ROW_ID: 1}))
    settings = keyless(make_settings(tmp_path, type="files", path="in/a.csv", format="csv"))
    with pytest.raises(contract.DataContractError, match=f"id_column: {contract.ROW_ID}"):
        ingest.run(settings, {}, sleep=no_sleep)


@pytest.mark.parametrize("engine_name", ENGINES)
def test_without_a_timestamp_every_run_reloads_the_files(tmp_path: Path, engine_name: str) -> None:
    """No timestamp, no watermark: each run replaces the raw layer with the files as they are."""
    write_csv(tmp_path / "in/a.csv", own_table(40))
    settings = with_data(
        keyless(make_settings(tmp_path, type="files", path="in/*.csv", format="csv")),
        engine=engine_name,
    )
    frames = engine.frames(engine_name)
    first = ingest.run(settings, {}, sleep=no_sleep)
    assert first["rows_new"] == 40 and first["watermark"] is None
    ids = frames.column(read_raw(Layers(settings.data_dir), engine_name), contract.ROW_ID)
    again = ingest.run(settings, {}, sleep=no_sleep)
    assert again["rows_new"] == 40 and again["loads"] == 1
    assert any("full reload" in note for note in again["notes"])
    assert again["dataset_version"] == first["dataset_version"]
    write_csv(tmp_path / "in/b.csv", own_table(10, seed=2))
    grown = ingest.run(settings, {}, sleep=no_sleep)
    raw = read_raw(Layers(settings.data_dir), engine_name)
    assert grown["rows_new"] == len(raw) == 50 and grown["loads"] == 1
    assert frames.column(raw, contract.ROW_ID).tolist()[:40] == ids.tolist()


def test_a_failing_read_leaves_the_raw_layer_as_it_was(tmp_path: Path) -> None:
    first = ingest.run(make_settings(tmp_path), {}, sleep=no_sleep)
    df = generate(PROBLEM, 50, seed=1).drop(columns=[contract.timestamp_column(CONFIG)])
    write_csv(tmp_path / "in/a.csv", df)
    moved = make_settings(tmp_path, type="files", path="in/a.csv", format="csv")
    with pytest.raises(contract.DataContractError):
        ingest.run(moved, {}, sleep=no_sleep)
    manifest = read_json(Layers(moved.data_dir).raw_manifest)
    assert manifest["dataset_version"][:12] == first["dataset_version"]
    assert len(read_raw(Layers(moved.data_dir))) == 600


def test_transient_read_errors_are_retried_with_exponential_backoff(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_csv(tmp_path / "in/a.csv", generate(PROBLEM, 80, seed=1))
    real_read = sources._read
    calls: list[str] = []

    def flaky(path: str, fmt: str, engine_name: str) -> pd.DataFrame:
        calls.append(path)
        if len(calls) <= 2:
            raise TimeoutError("source timed out")
        return real_read(path, fmt, engine_name)

    monkeypatch.setattr(sources, "_read", flaky)
    sleeps: list[float] = []
    settings = make_settings(
        tmp_path,
        type="files",
        path="in/a.csv",
        format="csv",
        retries={"attempts": 4, "backoff_seconds": 0.25, "max_backoff_seconds": 8.0},
    )
    summary = ingest.run(settings, {}, sleep=sleeps.append)
    assert summary["rows_new"] == 80
    assert len(calls) == 3
    assert sleeps == [0.25, 0.5]


def test_retries_give_up_after_the_last_attempt_and_cap_the_backoff() -> None:
    sleeps: list[float] = []

    def always_failing() -> None:
        raise ConnectionResetError("peer reset")

    with pytest.raises(ConnectionResetError):
        with_retries(
            always_failing,
            attempts=5,
            backoff_seconds=1.0,
            max_backoff_seconds=3.0,
            sleep=sleeps.append,
        )
    assert sleeps == [1.0, 2.0, 3.0, 3.0]


def test_permanent_errors_are_not_retried() -> None:
    sleeps: list[float] = []
    calls: list[int] = []

    def missing() -> None:
        calls.append(1)
        raise FileNotFoundError("gone")

    with pytest.raises(FileNotFoundError):
        with_retries(missing, attempts=3, sleep=sleeps.append)
    assert calls == [1] and sleeps == []
