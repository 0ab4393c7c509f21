"""Gate `data_pipeline`: the data contract is present, accepted rows are 100 % schema-compliant,
completeness meets its threshold, quarantine counts reconcile, the data tests pass, and the
orchestrator loads the pipeline definitions.

Static checks use only the standard library; full checks need the project installed and the
data produced by `make pipeline`: without that data they did not run (`not_run`, saying so), and
the phase is `incomplete`, never `pass`.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from quality_gates.core import (
    FAIL,
    NOT_RUN,
    PASS,
    Check,
    Context,
    PhaseGate,
    matching_files,
    measured,
    run_tests,
)

PHASE = "data_pipeline"
# id_column and timestamp_column are optional: rows get a content-hash id, and without a
# timestamp every run reloads the source and the split is not time-based.
CONTRACT_KEYS = ("source", "target", "features")
RUN_PIPELINE = "run `make pipeline` (or the ingest, validate and features steps) first"


def _no_data(name: str, what: str, threshold: float | None = None) -> Check:
    """The check could not run: the pipeline has not produced its input yet."""
    return Check(name, NOT_RUN, f"no pipeline output yet: {what} missing: {RUN_PIPELINE}", None,
                 threshold)  # fmt: skip


def check_data_contract(ctx: Context) -> Check:
    """configs/data.yaml exists and names every top-level key of the contract."""
    path = ctx.root / "configs/data.yaml"
    if not path.is_file():
        return Check("data contract", FAIL, "configs/data.yaml is missing")
    text = path.read_text(encoding="utf-8")
    keys = set(re.findall(r"^([a-z_]+):", text, re.M))
    missing = [k for k in CONTRACT_KEYS if k not in keys]
    if missing:
        return Check("data contract", FAIL, "configs/data.yaml lacks: " + ", ".join(missing))
    features = re.search(r"^features:\n((?:[ \t]+\S.*\n?)+)", text, re.M)
    count = len(re.findall(r"^[ \t]+[A-Za-z_][\w]*:", features.group(1), re.M)) if features else 0
    if count == 0:
        return Check("data contract", FAIL, "configs/data.yaml lists no feature")
    return Check("data contract", PASS, f"configs/data.yaml names {count} features")


def check_data_tests_present(ctx: Context) -> Check:
    patterns = ctx.setting(PHASE, "tests")
    found = sorted({p for pattern in patterns for p in ctx.root.glob(pattern)})
    if not found:
        return Check("data tests present", FAIL, "no test file matches " + ", ".join(patterns))
    return Check("data tests present", PASS, f"{len(found)} test files")


def _report(ctx: Context) -> dict[str, Any] | None:
    path = ctx.root / "reports/data_quality.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def check_schema_compliance(ctx: Context) -> Check:
    """Re-validate the accepted rows (data/validated) against the schema from the contract."""
    from data_quality.validate import validate

    path = ctx.root / "data/validated/data.parquet"
    threshold = float(ctx.setting(PHASE, "schema_compliance_min"))
    if not path.is_file():
        return _no_data("schema compliance", "data/validated/data.parquet", threshold)
    accepted = _read_with_engine(ctx, path)
    result = validate(accepted, _data_config(ctx))
    share = len(result.accepted) / len(accepted) if len(accepted) else 0.0
    detail = f"{len(result.accepted)} of {len(accepted)} accepted rows pass the schema again"
    return measured("schema compliance", round(share, 6), threshold, at_least=True, detail=detail)


def check_completeness(ctx: Context) -> Check:
    """The least complete contract column of the accepted data."""
    from data_ingestion import contract
    from data_quality.profile import completeness

    path = ctx.root / "data/validated/data.parquet"
    threshold = float(ctx.setting(PHASE, "completeness_min"))
    if not path.is_file():
        return _no_data("completeness", "data/validated/data.parquet", threshold)
    accepted = _read_with_engine(ctx, path)
    if not len(accepted):
        return Check("completeness", FAIL, "no accepted row", 0.0, threshold)
    per_column = completeness(accepted, contract.contract_columns(_data_config(ctx)))
    worst = min(per_column, key=per_column.__getitem__)
    detail = f"lowest: {worst}"
    return measured("completeness", per_column[worst], threshold, at_least=True, detail=detail)


def check_quarantine_reconciles(ctx: Context) -> Check:
    """rows in = accepted + quarantined, in the report and in the files on disk."""
    from data_ingestion.layers import Layers
    from data_ingestion.raw_layer import load_manifest

    report = _report(ctx)
    if report is None:
        return _no_data("quarantine reconciles", "reports/data_quality.json")
    layers = Layers(ctx.root / "data")
    manifest = load_manifest(layers) or {"loads": []}
    raw_rows = sum(load["rows"] for load in manifest["loads"])
    on_disk = {
        "accepted": _parquet_rows(layers.validated),
        "quarantined": _parquet_rows(layers.quarantine),
    }
    problems = []
    if report["rows_in"] != report["rows_accepted"] + report["rows_quarantined"]:
        problems.append("report: rows_in != accepted + quarantined")
    if raw_rows != report["rows_in"]:
        problems.append(f"raw manifest has {raw_rows} rows, report says {report['rows_in']} in")
    if on_disk["accepted"] != report["rows_accepted"]:
        problems.append(f"{on_disk['accepted']} rows in data/validated, report differs")
    if on_disk["quarantined"] != report["rows_quarantined"]:
        problems.append(f"{on_disk['quarantined']} rows in data/quarantine, report differs")
    if problems:
        return Check("quarantine reconciles", FAIL, "; ".join(problems))
    detail = (
        f"{report['rows_in']} in = {report['rows_accepted']} accepted "
        f"+ {report['rows_quarantined']} quarantined"
    )
    return Check("quarantine reconciles", PASS, detail)


def check_source_reconciles(ctx: Context) -> list[Check]:
    """A database source: a query against the server counts the source's rows up to the
    watermark, and they must equal the raw layer's rows. Other sources have no such check."""
    config = _data_config(ctx)
    if (config.get("source") or {}).get("type") != "postgres":
        return []
    name = "source reconciles with raw layer"
    try:
        from data_ingestion.postgres import connection, reconcile
    except ModuleNotFoundError as exc:
        return [Check(name, FAIL, f"source.type is postgres but {exc.name} is not installed")]
    try:
        found = reconcile.counts(config, ctx.root, ctx.root / "data")
    except Exception as exc:  # unreachable, refused, missing table: the message names it
        source = config["source"]
        server = connection.describe(connection.conninfo(source, ctx.root))
        detail = " ".join(str(exc).split())[:300]
        return [Check(name, FAIL, f"{server} ({connection.where(source, ctx.root)}): {detail}")]
    detail = (
        f"{found['relation']} on {found['server']}: {found['source_rows']} rows up to the "
        f"watermark {found['watermark']}, raw layer {found['raw_rows']}"
    )
    if not found["raw_rows"]:
        return [Check(name, FAIL, f"{detail}: {RUN_PIPELINE}")]
    status = PASS if found["source_rows"] == found["raw_rows"] else FAIL
    return [Check(name, status, detail)]


def check_spark_reconciles(ctx: Context) -> list[Check]:
    """processing_engine spark: Spark counts the raw loads and the validate step's output, and
    rows in = accepted + quarantined must hold, with the report's figures. Other engines: none."""
    if _data_config(ctx).get("engine") != "spark":
        return []
    name = "spark output reconciles"
    report = _report(ctx)
    if report is None:
        return [_no_data(name, "reports/data_quality.json")]
    from data_ingestion.layers import Layers
    from data_quality import spark_reconcile

    try:
        found = spark_reconcile.counts(Layers(ctx.root / "data"))
    except FileNotFoundError as exc:
        return [Check(name, FAIL, str(exc))]
    problems = spark_reconcile.problems(found, report)
    detail = "; ".join(problems) or (
        f"Spark counts {found['raw']} in = {found['accepted']} accepted "
        f"+ {found['quarantined']} quarantined"
    )
    return [Check(name, FAIL if problems else PASS, detail)]


def check_feature_store(ctx: Context) -> list[Check]:
    """A Feast feature store (`feature_store` in configs/data.yaml): the registry holds the
    contract's views, and the online store answers for a known entity with what the offline
    source says is its latest state. Projects without one have no such check."""
    config = _data_config(ctx)
    if not config.get("feature_store"):
        return []
    name = "feature store answers"
    try:
        from feature_store.definitions import ROWS_TO_DATE
        from feature_store.online import FeatureStoreUnavailable, OnlineFeatures
    except ModuleNotFoundError as exc:
        return [Check(name, FAIL, f"feature_store is configured but {exc.name} is not installed")]
    import pyarrow.parquet as pq

    data = ctx.root / "data"
    online = OnlineFeatures(SimpleNamespace(data=config, data_dir=data, reports_dir=data.parent))
    store = online.store
    source = store.source("aggregates")
    if not source.exists() or not store.registry.is_file():  # on spark, a Parquet folder
        return [_no_data(name, f"{source.relative_to(ctx.root)} or the registry")]
    aggregates = pq.read_table(source, columns=[store.entity, store.timestamp, ROWS_TO_DATE])
    frame = aggregates.to_pandas().sort_values(store.timestamp)
    newest = frame.iloc[-1]
    entity, expected = newest[store.entity], int(newest[ROWS_TO_DATE])
    try:
        views = {v.name for v in online._open().list_feature_views()}
        missing = [v for v in (store.features_view, store.aggregates_view) if v not in views]
        if missing:
            return [Check(name, FAIL, f"registry {store.registry} lacks " + ", ".join(missing))]
        found = online.lookup(entity)
    except FeatureStoreUnavailable as exc:
        return [Check(name, FAIL, str(exc))]
    where = f"{store.entity} {entity!r} (newest event in {source.name})"
    if found is None:
        return [Check(name, FAIL, f"online store has no features for {where}: materialize")]
    if found[ROWS_TO_DATE] != expected:
        detail = f"online {ROWS_TO_DATE} {found[ROWS_TO_DATE]} for {where}, offline {expected}"
        return [Check(name, FAIL, detail + ": the online store is stale (materialize)")]
    detail = f"registry has {len(views)} views; online store answers for {where}"
    return [Check(name, PASS, detail)]


def check_data_tests(ctx: Context) -> Check:
    patterns = ctx.setting(PHASE, "tests")
    timeout = int(ctx.setting(PHASE, "tests_timeout_seconds"))
    return run_tests(ctx.root, "data tests pass", matching_files(ctx.root, patterns), timeout)


# The orchestrator's definitions, loaded the way its scheduler loads them, in a fresh interpreter
# of the project: `python -c SCRIPT <folder> <heavy module>...`. Each script prints one JSON line,
# {"pipelines": [...], "errors": {where: why}}; a definition file that takes a second or more to
# load, or imports a heavy module while loading, is an error (schedulers load them again and again).
# Every loader body runs between the same opening and closing lines: it fills `pipelines` and
# `errors`, and an exception it raises becomes the folder's error.
_LOADER_OPENING = """
import json, os, sys, tempfile
sys.path.insert(0, os.path.dirname(sys.argv[1]))
errors, pipelines = {}, []
try:
"""
_LOADER_CLOSING = """
except Exception as exc:
    message = " ".join(str(exc).split())[:300]
    errors[os.path.basename(sys.argv[1])] = f"{type(exc).__name__}: {message}"
heavy = [m for m in sys.argv[2:] if m in sys.modules]
if heavy:
    errors["imports"] = "imported while loading: " + ", ".join(heavy)
print(json.dumps({"pipelines": sorted(pipelines), "errors": errors}))
"""


def _loader(body: str) -> str:
    inner = textwrap.indent(textwrap.dedent(body).strip(), "    ")
    return _LOADER_OPENING + inner + _LOADER_CLOSING


ORCHESTRATION_LOADERS: dict[str, tuple[str, str]] = {
    "airflow": (
        "airflow_dags",
        _loader(
            """
            home = tempfile.mkdtemp(prefix="airflow-home-")
            os.environ.update(AIRFLOW_HOME=home, AIRFLOW__CORE__LOAD_EXAMPLES="False",
                              AIRFLOW__CORE__DAGS_FOLDER=sys.argv[1])
            from airflow.dag_processing.dagbag import DagBag
            bag = DagBag(dag_folder=sys.argv[1])
            for file, error in bag.import_errors.items():
                errors[os.path.relpath(file, sys.argv[1])] = error
            for stat in bag.dagbag_stats:
                seconds = stat.duration.total_seconds()
                if seconds >= 1.0:
                    errors[stat.file] = f"parsed in {seconds:.2f} s (limit 1 s)"
            pipelines = list(bag.dag_ids)
            """
        ),
    ),
    "dagster": (
        "dagster_defs",
        _loader(
            """
            from dagster import Definitions
            from dagster_defs import defs
            Definitions.validate_loadable(defs)
            jobs = defs.resolve_all_job_defs()
            pipelines = [j.name for j in jobs if not j.name.startswith("__")]
            """
        ),
    ),
    "prefect": (
        "prefect_flows",
        _loader(
            """
            from prefect import Flow
            from prefect_flows.deployments import deployments
            from prefect_flows.flows import FLOWS
            wrong = [name for name, f in FLOWS.items() if not isinstance(f, Flow) or f.name != name]
            if wrong:
                errors["prefect_flows.flows"] = "not a flow named after its pipeline: " + ", ".join(
                    wrong
                )
            pipelines = [d.name for d in deployments()]
            """
        ),
    ),
    "kubeflow": (
        "kfp_pipelines",
        _loader(
            """
            import yaml
            from kfp import compiler
            from kfp_pipelines.pipelines import PIPELINES
            out = tempfile.mkdtemp(prefix="kfp-")
            for name, pipeline in PIPELINES.items():
                path = os.path.join(out, name + ".yaml")
                compiler.Compiler().compile(pipeline, package_path=path)
                with open(path, encoding="utf-8") as fh:
                    # The pipeline first, then its Kubernetes settings.
                    spec = next(yaml.safe_load_all(fh))
                if not spec.get("root", {}).get("dag", {}).get("tasks"):
                    errors[name] = "compiled to a pipeline with no task"
                else:
                    pipelines.append(name)
            """
        ),
    ),
}
# Imported by the steps when they run, never while an orchestrator loads the definitions.
HEAVY_MODULES = ("pandas", "sklearn", "lightgbm", "mlflow", "optuna", "shap", "matplotlib")
ORCHESTRATED_PIPELINES = ("data_pipeline", "training")


def load_orchestration(ctx: Context) -> tuple[dict[str, Any] | None, str]:
    """Load the chosen orchestrator's definitions in a fresh interpreter of the project.

    Returns ({"pipelines": [...], "errors": {...}}, "") or (None, why it could not run).
    """
    orchestrator = ctx.answers.get("orchestrator", "")
    if orchestrator not in ORCHESTRATION_LOADERS:
        return None, f"no loader for orchestrator {orchestrator!r}"
    folder, script = ORCHESTRATION_LOADERS[orchestrator]
    if not (ctx.root / folder).is_dir():
        return None, f"{folder}/ is missing"
    done = subprocess.run(
        [sys.executable, "-c", script, str(ctx.root / folder), *HEAVY_MODULES],
        cwd=ctx.root,
        capture_output=True,
        text=True,
        timeout=int(ctx.setting(PHASE, "orchestration_timeout_seconds")),
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode or not lines:
        tail = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()[-1]
        return None, f"{orchestrator}: loading {folder}/ failed: {tail}"
    return json.loads(lines[-1]), ""


def check_orchestration_loads(ctx: Context) -> Check:
    """The chosen orchestrator loads the pipeline definitions without errors."""
    name = "orchestration definitions load"
    loaded, failure = load_orchestration(ctx)
    if loaded is None:
        return Check(name, FAIL, failure)
    orchestrator = ctx.answers["orchestrator"]
    folder = ORCHESTRATION_LOADERS[orchestrator][0]
    expected = list(ORCHESTRATED_PIPELINES)
    if ctx.answers.get("deployment_mode") in ("batch", "hybrid"):
        expected.append("batch_inference")
    missing = [p for p in expected if p not in loaded["pipelines"]]
    problems = [f"{k}: {str(v).strip().splitlines()[-1]}" for k, v in loaded["errors"].items()]
    if loaded["pipelines"] or not problems:  # nothing loaded: the errors say why
        problems += [f"pipeline {p} not defined" for p in missing]
    pipelines = ", ".join(loaded["pipelines"]) or "none"
    if problems:
        detail = f"{orchestrator}: " + "; ".join(problems) + f" (loaded: {pipelines})"
        return Check(name, FAIL, detail)
    return Check(name, PASS, f"{orchestrator} loads {folder}/: {pipelines}")


def _data_config(ctx: Context) -> dict[str, Any]:
    import yaml

    with (ctx.root / "configs/data.yaml").open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _read_with_engine(ctx: Context, path: Path) -> Any:
    """A data layer read by the engine of configs/data.yaml (pandas or polars)."""
    from data_ingestion import engine

    return engine.frames(engine.name(_data_config(ctx))).read_parquet([path])


def _parquet_rows(path: Path) -> int | None:
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).metadata.num_rows if path.is_file() else None


GATE = PhaseGate(
    static_checks=[check_data_contract, check_data_tests_present],
    full_checks=[
        check_schema_compliance,
        check_completeness,
        check_quarantine_reconciles,
        check_source_reconciles,
        check_spark_reconciles,
        check_feature_store,
        check_data_tests,
        check_orchestration_loads,
    ],
)
