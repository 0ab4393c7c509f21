"""The answer schema: the one source of truth for questions, choices, presets and rules.

`copier.yml` is generated from this module (`python -m ml_scaffold.copier_config --write`) and a
test fails when the committed file disagrees with it. The CLI validates answers here before Copier
writes anything.
"""

from __future__ import annotations

import keyword
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    ValidationInfo,
    create_model,
    field_validator,
    model_validator,
)

from ml_scaffold.template_names import TEMPLATE_TOP_LEVEL

MODES = ("quick", "standard", "enterprise")

# What each execution mode renders, exactly: the execution_mode help, `ml-scaffold options` and
# docs/questionnaire.md all read this. Promise nothing here that the template does not render;
# tests/test_render.py holds the canary and overlay claims to the rendered file sets.
MODE_RENDERS: dict[str, str] = {
    "quick": (
        "data pipeline (ingestion, validation with quarantine, profile, features), training "
        "with the shortest tuning search (tracked, model card, explanations), and a basic "
        "deployment: the API and/or batch job with a Dockerfile, their Prometheus metrics and "
        "drift report, the orchestrator's data and training pipelines, CI, and the gates of "
        "those phases; no Kubernetes manifests, canary releases, continuous training (retraining "
        "triggers, rollback, audit log), experimentation, KServe, Kubeflow or cloud "
        "infrastructure"
    ),
    "standard": (
        "what quick renders with a longer tuning search, plus Kubernetes manifests (base, dev "
        "and prod overlays), continuous training (retraining triggers, promotion, rollback, "
        "audit log), canary releases of the API (Argo Rollouts analysis and rehearsal) and "
        "experimentation; presets a Feast feature store (offline: the validated Parquet layer, "
        "online: SQLite), which the API reads by entity id"
    ),
    "enterprise": (
        "what standard renders with the longest tuning search, plus a staging overlay; presets "
        "a PostgreSQL source (read incrementally; `make pipeline` starts a local server of the "
        "machine's binaries, the cloud's Terraform a managed one), Polars, Feast, Kubeflow "
        "Pipelines and cloud aws (infrastructure code and cloud delivery: see the cloud question)"
    ),
}


# What each offered cloud renders, exactly: the cloud help, `ml-scaffold options` and
# docs/questionnaire.md read this (a test requires an entry for every offered cloud). Promise
# nothing the template does not render.
CLOUD_RENDERS: dict[str, str] = {
    "local": (
        "no infrastructure code: Kubernetes base and overlays without cloud wiring, and CI "
        "that tests, lints and runs the gates"
    ),
    "aws": (
        "infra/terraform (encrypted versioned S3 bucket, ECR, EKS with a CPU and an optional "
        "GPU node group, IRSA role bound to the app's service account, Secrets Manager, RDS "
        "with data_source=postgres; S3 state bucket bootstrap; dev/staging/prod variable "
        "files), a kustomize component syncing Secrets Manager through External Secrets, a "
        "deploy workflow (OIDC to AWS, image push to ECR, terraform plan on pull requests and "
        "apply per environment behind its approval, kubectl apply -k, /ready smoke check), and "
        "`make infra-check` (terraform fmt, HCL parse, checkov); with data_source=object_store, "
        "s3:// ingestion through s3fs and a local moto S3 server for `make pipeline`"
    ),
    "gcp": (
        "infra/terraform (CMEK-encrypted versioned GCS bucket with public access prevention, "
        "Artifact Registry, private GKE with a CPU and an optional GPU node pool, a Google "
        "service account bound to the app's service account by Workload Identity, Secret "
        "Manager, Cloud SQL on a private IP with data_source=postgres; GCS state bucket and "
        "Workload Identity Federation bootstrap; dev/staging/prod variable files), a kustomize "
        "component syncing Secret Manager through External Secrets, a deploy workflow (OIDC "
        "to Google Cloud, image push to Artifact Registry, terraform plan on pull requests and "
        "apply per environment behind its approval, kubectl apply -k, /ready smoke check), and "
        "`make infra-check` (terraform fmt, HCL parse, checkov); with data_source=object_store, "
        "gs:// ingestion through gcsfs and a local gcp-storage-emulator for `make pipeline`"
    ),
    "azure": (
        "infra/terraform (private storage account with versioning and infrastructure "
        "encryption, ACR, private AKS with a CPU and an optional GPU node pool, a managed "
        "identity federated to the app's service account, Key Vault, PostgreSQL Flexible "
        "Server with data_source=postgres; azurerm state and deploy-identity bootstrap; "
        "dev/staging/prod variable files), a kustomize component syncing Key Vault through "
        "External Secrets, a deploy workflow (OIDC to Azure, image push to ACR, terraform plan "
        "on pull requests and apply per environment behind its approval, kubectl apply -k, "
        "/ready smoke check), and `make infra-check` (terraform fmt, HCL parse, checkov); with "
        "data_source=object_store, az:// ingestion through adlfs and a local Azurite for "
        "`make pipeline`"
    ),
}

# Why enterprise presets a cloud: its promise is infrastructure as code and delivery to a
# cluster, which a `local` project does not render. AWS is the preset because it is the cloud
# this template renders in full first; any other offered cloud (or local) can be answered.
ENTERPRISE_CLOUD_WHY = (
    "enterprise mode presets aws: its promise is infrastructure as code and cloud delivery, which "
    "cloud=local does not render; answer another cloud, or local to render none"
)


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    # A choice is offered only once it renders real, running code. Planned choices are part of
    # the design (presets and rules name them) but the questionnaire does not show them.
    offered: bool = True


@dataclass(frozen=True)
class Question:
    name: str
    help: str
    choices: tuple[Choice, ...] = ()
    default: str | None = None
    # Stack questions take their default from the execution-mode preset.
    preset: bool = False
    # Asked only when another answer has one of these values: (question, values).
    asked_when: tuple[str, tuple[str, ...]] | None = None
    # The value used when the question is not asked.
    skipped_default: str | None = None
    placeholder: str | None = None

    @property
    def offered(self) -> tuple[str, ...]:
        return tuple(c.value for c in self.choices if c.offered)

    @property
    def planned(self) -> tuple[str, ...]:
        return tuple(c.value for c in self.choices if not c.offered)


@dataclass(frozen=True)
class Rule:
    """`when_question` having one of `when_values` forbids `question` having one of `values`."""

    when_question: str
    when_values: tuple[str, ...]
    question: str
    values: tuple[str, ...]
    why: str

    def message(self, answers: dict[str, Any]) -> str:
        return (
            f"{self.question}={answers[self.question]!r} is incompatible with "
            f"{self.when_question}={answers[self.when_question]!r}: {self.why}"
        )


@dataclass(frozen=True)
class Computed:
    """A derived variable: a rule over the answers stated once and named.

    Copier gets it as a question that is never asked (`when: false`) whose default is
    `expression`; template paths and files read the name (`{% if has_api %}api{% endif %}`).
    The expression is Jinja and may read the answers and the computed variables before it.
    """

    name: str
    help: str
    expression: str


@dataclass(frozen=True)
class FieldCheck:
    """One validation of a free-text answer, written once.

    `kind` is `not_blank`, `matches` (the value must match `pattern`) or `not_in` (the value
    must not be one of `names`). `message` may name the value as `{value}`. Python evaluates it
    here (`field_problem`, used by `Answers` and the CLI prompts); `copier_config` turns it into
    the Jinja validator of copier.yml.
    """

    question: str
    kind: str
    message: str
    pattern: re.Pattern[str] | None = None
    names: frozenset[str] = frozenset()

    def problem(self, value: str) -> str | None:
        if self.kind == "not_blank":
            failed = not value.strip()
        elif self.kind == "matches":
            assert self.pattern is not None
            failed = not self.pattern.search(value)
        elif self.kind == "not_in":
            failed = value in self.names
        else:  # pragma: no cover - a typo in FIELD_CHECKS
            raise ValueError(f"unknown FieldCheck kind {self.kind!r}")
        return self.message.replace("{value}", value) if failed else None


@dataclass(frozen=True)
class Migration:
    """What `copier update` must do to a project made before `version` (a release tag).

    Add one whenever an answer is renamed (`renames`: old name -> new name, applied to the
    project's answers file before Copier reads it) or its meaning changes (`note`, printed to
    projects whose answer `note_when` matches). copier_config turns each into a `_migrations`
    entry that runs `hooks/migrate.py`; Copier runs it when updating across `version`.
    """

    version: str
    why: str
    renames: tuple[tuple[str, str], ...] = ()
    note: str = ""
    note_when: tuple[str, tuple[str, ...]] | None = None


def _c(value: str, label: str, offered: bool = True) -> Choice:
    return Choice(value, label, offered)


QUESTIONS: tuple[Question, ...] = (
    Question("project_name", "Human-readable project name.", placeholder="Churn Predictor"),
    Question(
        "project_slug",
        "Python package name: lowercase letters, digits and underscores; not a keyword, "
        "not a standard-library or dependency module.",
    ),
    Question("description", "One sentence on what the model predicts and for whom."),
    Question("author_name", "Author or owning team."),
    Question("author_email", "Contact email of the author or team."),
    Question(
        "python_version",
        "Python version of the generated project.",
        (_c("3.11", "Python 3.11"), _c("3.12", "Python 3.12"), _c("3.13", "Python 3.13")),
        default="3.11",
    ),
    Question(
        "license",
        "License of the generated project.",
        (
            _c("MIT", "MIT"),
            _c("Apache-2.0", "Apache 2.0"),
            _c("BSD-3-Clause", "BSD 3-Clause"),
            _c("Proprietary", "Proprietary (all rights reserved)"),
        ),
        default="MIT",
    ),
    Question(
        "execution_mode",
        "What the project renders. "
        + " ".join(f"{mode}: {renders}." for mode, renders in MODE_RENDERS.items())
        + " The mode also presets the defaults of the stack questions that follow.",
        (
            _c("quick", "Quick: data pipeline, training, API/batch + Dockerfile; no Kubernetes"),
            _c("standard", "Standard: quick + Kubernetes, continuous training, canary, A/B"),
            _c("enterprise", "Enterprise: standard + longest tuning, staging overlay"),
        ),
        default="standard",
    ),
    Question(
        "problem_type",
        "What the model predicts; decides the sample data, models and metrics.",
        (
            _c("binary_classification", "Binary classification (e.g. churn)"),
            _c("multiclass_classification", "Multiclass classification (e.g. segment)"),
            _c("regression", "Regression (e.g. customer lifetime value)"),
        ),
        default="binary_classification",
    ),
    Question(
        "data_source",
        "Where training data comes from: a generated sample dataset, local CSV/Parquet files, "
        "a PostgreSQL table, or an object store (S3/GCS/Azure).",
        (
            _c("sample", "Generated sample dataset"),
            _c("files", "CSV / Parquet files"),
            _c("postgres", "PostgreSQL table or query"),
            _c("object_store", "Object store (S3 / GCS / Azure Blob)"),
        ),
        preset=True,
    ),
    Question(
        "processing_engine",
        "DataFrame engine of the data pipeline.",
        (
            _c("pandas", "pandas"),
            _c("polars", "Polars (larger data, streaming)"),
            _c("spark", "Apache Spark (local mode or cluster)"),
        ),
        preset=True,
    ),
    Question(
        "feature_store",
        "Feature store for offline/online features.",
        (_c("none", "None (Parquet feature layer)"), _c("feast", "Feast (SQLite online store)")),
        preset=True,
    ),
    Question(
        "experiment_tracking",
        "Experiment tracking and model registry.",
        (_c("mlflow", "MLflow (sqlite by default)"),),
        preset=True,
    ),
    Question(
        "serving",
        "How the model is served.",
        (
            _c("fastapi", "FastAPI service"),
            _c("bentoml", "BentoML service"),
            _c("kserve", "KServe InferenceService"),
        ),
        preset=True,
    ),
    Question(
        "deployment_mode",
        "Real-time API, scheduled batch scoring, or both.",
        (
            _c("realtime", "Real-time API"),
            _c("batch", "Batch scoring job"),
            _c("hybrid", "Both"),
        ),
        preset=True,
        # A KServe InferenceService only serves real-time requests: nothing to ask.
        asked_when=("serving", ("fastapi", "bentoml")),
        skipped_default="realtime",
    ),
    Question(
        "orchestrator",
        "Orchestrator that schedules the pipelines.",
        (
            _c("airflow", "Apache Airflow 3"),
            _c("prefect", "Prefect 3"),
            _c("dagster", "Dagster"),
            _c("kubeflow", "Kubeflow Pipelines v2"),
        ),
        preset=True,
    ),
    Question(
        "cloud",
        "Target cloud for storage and infrastructure code. "
        + " ".join(f"{cloud}: {renders}." for cloud, renders in CLOUD_RENDERS.items())
        + f" The {ENTERPRISE_CLOUD_WHY}.",
        (
            _c("local", "Local only"),
            _c("aws", "AWS"),
            _c("gcp", "Google Cloud"),
            _c("azure", "Azure"),
        ),
        preset=True,
    ),
    Question(
        "ci_provider",
        "CI system of the generated project.",
        (_c("github", "GitHub Actions"), _c("gitlab", "GitLab CI")),
        default="github",
    ),
    Question(
        "post_generation_gates",
        "Quality gates run right after generation. static: checks that need nothing "
        "installed (seconds). full: the first steps 'make setup', 'make lint', 'make test-all', "
        "'make pipeline', then every gate (minutes). none: skip.",
        (
            _c("static", "Static checks only"),
            _c("full", "Install and run every gate"),
            _c("none", "Do not run gates"),
        ),
        default="static",
    ),
)

QUESTION_BY_NAME: dict[str, Question] = {q.name: q for q in QUESTIONS}
STACK_QUESTIONS: tuple[str, ...] = tuple(q.name for q in QUESTIONS if q.preset)

# The ideal stack per mode. Where a preset names a planned choice, the effective default is the
# question's first offered choice until that choice is offered (see `preset_defaults`).
MODE_PRESETS: dict[str, dict[str, str]] = {
    "quick": {
        "data_source": "sample",
        "processing_engine": "pandas",
        "feature_store": "none",
        "experiment_tracking": "mlflow",
        "serving": "fastapi",
        "deployment_mode": "realtime",
        "orchestrator": "airflow",
        "cloud": "local",
    },
    "standard": {
        "data_source": "sample",
        "processing_engine": "pandas",
        "feature_store": "feast",
        "experiment_tracking": "mlflow",
        "serving": "fastapi",
        "deployment_mode": "hybrid",
        "orchestrator": "airflow",
        "cloud": "local",
    },
    "enterprise": {
        # Real data infrastructure: a database source (RDS/Cloud SQL/Flexible Server in the
        # cloud's Terraform) feeding the Feast store. The engine is polars, not spark: spark
        # needs a JVM on the user's machine, and in local mode it is 6-13x slower than polars
        # on the data steps (docs/benchmarks.md); a cluster user answers spark (Feast then
        # reads through its Spark offline store).
        "data_source": "postgres",
        "processing_engine": "polars",
        "feature_store": "feast",
        "experiment_tracking": "mlflow",
        "serving": "fastapi",
        "deployment_mode": "hybrid",
        # "Kubernetes orchestration": pipelines as KFP components running the project's image.
        "orchestrator": "kubeflow",
        "cloud": "aws",
    },
}

MODE_SUMMARY: dict[str, str] = MODE_RENDERS

RULES: tuple[Rule, ...] = (
    Rule(
        "execution_mode",
        ("quick",),
        "serving",
        ("kserve",),
        "quick mode deploys simply, without a Kubernetes serving platform",
    ),
    Rule(
        "execution_mode",
        ("quick",),
        "orchestrator",
        ("kubeflow",),
        "quick mode does not run Kubernetes orchestration",
    ),
    Rule(
        "execution_mode",
        ("quick",),
        "cloud",
        ("aws", "gcp", "azure"),
        "quick renders no Kubernetes overlays or infrastructure code; choose standard",
    ),
    Rule(
        "data_source",
        ("object_store",),
        "cloud",
        ("local",),
        "the object-store protocol (s3, gs, az) comes from the chosen cloud",
    ),
)

QUESTION_ORDER = {q.name: i for i, q in enumerate(QUESTIONS)}
for _rule in RULES:  # the rule's validator sits on the question asked later
    assert QUESTION_ORDER[_rule.when_question] < QUESTION_ORDER[_rule.question], _rule

# Rules over the answers that several template paths and files share, each stated once. Copier
# gets them as never-asked questions (see copier_config), tests/template_model.py evaluates the
# same expressions, and the template names them: `{% if has_api %}api{% endif %}`.
COMPUTED: tuple[Computed, ...] = (
    Computed(
        "has_api",
        "A real-time prediction endpoint is deployed.",
        "deployment_mode in ['realtime', 'hybrid']",
    ),
    Computed(
        "has_batch",
        "A batch scoring job is deployed.",
        "deployment_mode in ['batch', 'hybrid']",
    ),
    Computed(
        "has_app_server",
        "The endpoint is the project's own HTTP app (FastAPI or BentoML), not KServe's server.",
        "has_api and serving != 'kserve'",
    ),
    Computed(
        "has_kubernetes",
        "Kubernetes manifests (base and overlays) deploy the image; quick deploys the image alone.",
        "execution_mode != 'quick'",
    ),
    Computed(
        "has_volumes",
        "A Kubernetes workload keeps data on a volume claim (the batch job's predictions, the "
        "PostgreSQL ingest's raw layer, the Spark job's data): the cloud overlays encrypt them.",
        "has_kubernetes and (deployment_mode in ['batch', 'hybrid'] or data_source == 'postgres' "
        "or processing_engine == 'spark')",
    ),
    Computed(
        "has_continuous_training",
        "Continuous training: retraining triggers, promotion, rollback and their audit log.",
        "execution_mode != 'quick'",
    ),
    Computed(
        "has_canary",
        "Canary releases (Argo Rollouts analysis, rehearsal) of the real-time endpoint.",
        "has_kubernetes and has_api",
    ),
    Computed(
        "has_experimentation",
        "Experimentation: A/B design, assignment, flags, rollout guardrails and analysis.",
        "execution_mode != 'quick'",
    ),
)

# Module names a project slug must not take: Python keywords, the standard library, the
# top-level folders and modules any combination of answers renders (read from the template tree,
# see `template_top_level_names`; a new folder is reserved when `copier_config --write` runs and a
# test fails until it has), the folders the project writes at run time and the dependencies it
# imports.
RUNTIME_FOLDERS = ("data", "reports", "mlruns", "mlartifacts", "build")
DEPENDENCY_MODULES = (
    "numpy",
    "pandas",
    "polars",
    "pyarrow",
    "sklearn",
    "scipy",
    "lightgbm",
    "optuna",
    "mlflow",
    "shap",
    "pandera",
    "yaml",
    "fastapi",
    "uvicorn",
    "pydantic",
    "prometheus_client",
    "airflow",
    "prefect",
    "dagster",
    "kfp",
    "feast",
    "bentoml",
    "kserve",
    "pyspark",
    "pytest",
    "matplotlib",
    "httpx",
    "skops",
    "joblib",
    "typer",
    "copier",
    "ml_scaffold",
)
# Removed from the standard library in 3.12/3.13 but still importable on 3.11: listed so that
# the reserved set (and so copier.yml) is the same whichever Python generates it.
REMOVED_STDLIB = (
    "aifc",
    "asynchat",
    "asyncore",
    "audioop",
    "cgi",
    "cgitb",
    "chunk",
    "crypt",
    "distutils",
    "imghdr",
    "imp",
    "lib2to3",
    "mailcap",
    "msilib",
    "nis",
    "nntplib",
    "ossaudiodev",
    "pipes",
    "smtpd",
    "sndhdr",
    "spwd",
    "sunau",
    "telnetlib",
    "uu",
    "xdrlib",
)
SLUG_RE = re.compile(r"^[a-z][a-z0-9_]*$")
# Only names a slug could take (lowercase, no leading underscore) are listed.
RESERVED_SLUGS: frozenset[str] = frozenset(
    name
    for name in (
        set(keyword.kwlist)
        | set(keyword.softkwlist)
        | set(sys.stdlib_module_names)
        | set(REMOVED_STDLIB)
        | set(TEMPLATE_TOP_LEVEL)
        | set(RUNTIME_FOLDERS)
        | set(DEPENDENCY_MODULES)
    )
    if SLUG_RE.match(name)
)

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

_JINJA_TAG = re.compile(r"\{%.*?%\}")


def template_top_level_names(template_dir: Path) -> tuple[str, ...]:
    """Every top-level folder and module that some combination of answers renders.

    A conditional name (`{% if orchestrator == 'prefect' %}prefect_flows{% endif %}`) renders
    its literal text when the condition holds, so the literal is taken whatever the condition;
    names that read an answer (`{{project_slug}}`) are the project's own.
    """
    names = set()
    for entry in template_dir.iterdir():
        name = _JINJA_TAG.sub("", entry.name.removesuffix(".jinja"))
        if "{{" in name or name in {"__pycache__"}:
            continue
        if entry.is_dir():
            names.add(name)
        elif name.endswith(".py"):
            names.add(name.removesuffix(".py"))
    return tuple(sorted(n for n in names if SLUG_RE.match(n)))


def slugify(name: str) -> str:
    """The default project_slug for a project name (mirrors the Jinja default in copier.yml)."""
    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    return slug


FIELD_CHECKS: tuple[FieldCheck, ...] = (
    FieldCheck("project_name", "not_blank", "project_name must not be empty"),
    FieldCheck(
        "project_slug",
        "matches",
        "project_slug must start with a lowercase letter and hold only lowercase "
        "letters, digits and underscores",
        pattern=SLUG_RE,
    ),
    FieldCheck(
        "project_slug",
        "not_in",
        "project_slug '{value}' is a Python keyword, a standard-library or dependency module, "
        "or a top-level folder or module the template renders for some answers "
        "(e.g. prefect_flows with orchestrator=prefect); choose another name",
        names=RESERVED_SLUGS,
    ),
    FieldCheck(
        "author_email",
        "matches",
        "author_email '{value}' is not an email address like name@example.com",
        pattern=EMAIL_RE,
    ),
)


def field_problem(name: str, value: str) -> str | None:
    """Why `value` is not a valid answer to free-text question `name`, or None."""
    for check in FIELD_CHECKS:
        if check.question == name and (problem := check.problem(value)):
            return problem
    return None


def slug_problem(slug: str) -> str | None:
    """Why `slug` is not a valid project_slug, or None."""
    return field_problem("project_slug", slug)


def email_problem(email: str) -> str | None:
    return field_problem("author_email", email)


def preset_defaults(mode: str) -> dict[str, str]:
    """Effective defaults of the stack questions for `mode` (offered choices only)."""
    out = {}
    for name in STACK_QUESTIONS:
        q = QUESTION_BY_NAME[name]
        wanted = MODE_PRESETS[mode][name]
        out[name] = wanted if wanted in q.offered else q.offered[0]
    return out


def default_for(name: str, answers: dict[str, Any]) -> str:
    """Default of question `name` given the answers before it."""
    q = QUESTION_BY_NAME[name]
    if q.skipped_default is not None and not is_asked(name, answers):
        return q.skipped_default
    if q.preset:
        # An invalid mode is reported by `Answers`; defaults still need a preset meanwhile.
        mode = answers.get("execution_mode", "standard")
        return preset_defaults(mode if mode in MODES else "standard")[name]
    if name == "project_slug":
        return slugify(answers.get("project_name", "ml_project")) or "ml_project"
    if q.default is not None:
        return q.default
    return FREE_TEXT_DEFAULTS[name]


FREE_TEXT_DEFAULTS: dict[str, str] = {
    "project_name": "ML Project",
    "description": "An end-to-end machine-learning pipeline generated by ml-scaffold.",
    "author_name": "ML Team",
    "author_email": "ml-team@example.com",
}


def is_asked(name: str, answers: dict[str, Any]) -> bool:
    cond = QUESTION_BY_NAME[name].asked_when
    return cond is None or answers.get(cond[0]) in cond[1]


class _AnswersRules(BaseModel):
    """Validation shared by every field of `Answers`; errors name the question and the problem."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        # The defaults are the questionnaire's (`default_for`), never a second copy: an
        # unanswered deployment_mode in standard mode is 'hybrid' here as in copier.yml.
        if not isinstance(data, dict):
            return data
        filled = dict(data)
        for q in QUESTIONS:
            if q.name not in filled:
                filled[q.name] = default_for(q.name, filled)
        return filled

    @field_validator("*")
    @classmethod
    def _check(cls, v: Any, info: ValidationInfo) -> Any:
        assert info.field_name is not None
        q = QUESTION_BY_NAME[info.field_name]
        if not q.choices:
            if problem := field_problem(q.name, v):
                raise ValueError(problem)
            return v
        if v in q.planned:
            raise ValueError(
                f"{q.name}={v!r} is planned but not offered yet (it does not render running "
                f"code yet); offered: {', '.join(q.offered)}"
            )
        if v not in q.offered:
            raise ValueError(f"{q.name}={v!r} is not a choice; offered: {', '.join(q.offered)}")
        return v

    @model_validator(mode="after")
    def _rules(self) -> _AnswersRules:
        data = self.model_dump()
        for q in QUESTIONS:  # a question not asked keeps the value it has when skipped
            skipped = q.skipped_default is not None and not is_asked(q.name, data)
            if skipped and data[q.name] != q.skipped_default:
                other = q.asked_when[0] if q.asked_when else ""
                raise ValueError(
                    f"{q.name}={data[q.name]!r} does not apply with {other}={data[other]!r}: "
                    f"{q.name} is not asked then and is {q.skipped_default!r}"
                )
        for rule in RULES:
            if data[rule.when_question] in rule.when_values and data[rule.question] in rule.values:
                raise ValueError(rule.message(data))
        return self


# Validated answers: one string field per question, in questionnaire order, with no default of
# its own (see `_AnswersRules._defaults`).
Answers = create_model(  # type: ignore[call-overload]
    "Answers",
    __base__=_AnswersRules,
    __doc__="Validated answers. Errors name the question and the problem.",
    **{q.name: (str, ...) for q in QUESTIONS},
)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        "v0.2.0",
        "execution_mode=quick renders the seeds' quick scope: fewer files than in v0.1.0",
        note=(
            "execution_mode=quick no longer renders Kubernetes manifests (deployment/k8s), "
            "continuous training (continuous_training/, rollback/, configs/continuous_training"
            ".yaml, the orchestrator's continuous_training pipeline) or their gate phase; "
            "copier update deletes the copies you did not edit. To keep them, update with "
            "--data execution_mode=standard."
        ),
        note_when=("execution_mode", ("quick",)),
    ),
)


def computed_values(answers: dict[str, Any]) -> dict[str, bool]:
    """The computed variables for `answers`, as Copier computes them for a render."""
    import jinja2

    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)  # noqa: S701
    context = dict(answers)
    out: dict[str, bool] = {}
    for item in COMPUTED:
        context[item.name] = out[item.name] = bool(
            env.compile_expression(item.expression)(**context)
        )
    return out


def check_rules(answers: dict[str, Any]) -> list[str]:
    """Rule violations among `answers`, planned choices included (used to test the design)."""
    return [
        rule.message(answers)
        for rule in RULES
        if answers.get(rule.when_question) in rule.when_values
        and answers.get(rule.question) in rule.values
    ]


def complete(given: dict[str, Any]) -> dict[str, Any]:
    """Fill every unanswered question with its default, in questionnaire order."""
    answers: dict[str, Any] = {}
    for q in QUESTIONS:
        if q.name in given:
            answers[q.name] = given[q.name]
        else:
            answers[q.name] = default_for(q.name, answers)
    unknown = set(given) - set(QUESTION_BY_NAME)
    if unknown:
        raise ValueError(f"unknown question(s): {', '.join(sorted(unknown))}")
    return answers


def options() -> dict[str, Any]:
    """Everything a user may choose: questions, presets and rules (for `ml-scaffold options`)."""
    return {
        "questions": [
            {
                "name": q.name,
                "help": q.help,
                "choices": list(q.offered),
                "planned": list(q.planned),
                "default": (
                    "<from execution_mode preset>"
                    if q.preset
                    else q.default or FREE_TEXT_DEFAULTS.get(q.name, "<derived>")
                ),
                **(
                    {"asked_when": {q.asked_when[0]: list(q.asked_when[1])}} if q.asked_when else {}
                ),
            }
            for q in QUESTIONS
        ],
        "clouds": dict(CLOUD_RENDERS),
        "modes": {
            m: {
                "summary": MODE_SUMMARY[m],
                "preset": MODE_PRESETS[m],
                "effective": preset_defaults(m),
            }
            for m in MODES
        },
        "rules": [
            {
                "if": {r.when_question: list(r.when_values)},
                "forbids": {r.question: list(r.values)},
                "why": r.why,
            }
            for r in RULES
        ],
    }


__all__ = [
    "Answers",
    "COMPUTED",
    "Choice",
    "Computed",
    "FIELD_CHECKS",
    "FieldCheck",
    "MIGRATIONS",
    "MODE_RENDERS",
    "CLOUD_RENDERS",
    "Migration",
    "MODES",
    "MODE_PRESETS",
    "QUESTIONS",
    "QUESTION_BY_NAME",
    "RULES",
    "Question",
    "Rule",
    "check_rules",
    "complete",
    "computed_values",
    "field_problem",
    "options",
    "preset_defaults",
    "slug_problem",
    "email_problem",
]
