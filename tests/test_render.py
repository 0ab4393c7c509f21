"""Fast static checks over rendered projects: file sets, leftover Jinja, parseable files (for
every combination of choices), validators, hostile answers, trust, tasks and the hook."""

from __future__ import annotations

import itertools
import json
import re
import shutil
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import copier
import pytest
import yaml
from conftest import ROOT, git, render
from copier.errors import TaskError, UnsafeTemplateError
from template_model import TemplateModel

from ml_scaffold import schema

TEMPLATE = ROOT / "template"

# Every Jinja condition used in a template path (`{% if COND %}name{% endif %}`), as the
# predicate a file set is expected from. A new condition must be added here, so the expected file
# set per answers stays explicit rather than re-derived by Jinja.
PATH_CONDITIONS: dict[str, Callable[[dict[str, Any]], bool]] = {
    "ci_provider == 'github'": lambda a: a["ci_provider"] == "github",
    "ci_provider == 'gitlab'": lambda a: a["ci_provider"] == "gitlab",
    # The computed variables (schema.COMPUTED), restated here from the answers so a wrong
    # expression in the schema shows up as a wrong file set.
    "has_api": lambda a: a["deployment_mode"] != "batch",
    "has_batch": lambda a: a["deployment_mode"] != "realtime",
    "has_canary": lambda a: a["execution_mode"] != "quick" and a["deployment_mode"] != "batch",
    "has_kubernetes": lambda a: a["execution_mode"] != "quick",
    "has_continuous_training": lambda a: a["execution_mode"] != "quick",
    "has_volumes": lambda a: (
        a["execution_mode"] != "quick"
        and (
            a["deployment_mode"] != "realtime"
            or a["data_source"] == "postgres"
            or a["processing_engine"] == "spark"
        )
    ),
    "has_app_server and has_continuous_training": lambda a: (
        a["serving"] != "kserve"
        and a["deployment_mode"] != "batch"
        and a["execution_mode"] != "quick"
    ),
    # deployment/api renders for every real-time serving choice (its framework-neutral modules
    # serve KServe's predictor too); FastAPI and BentoML files, tests and bench are marked.
    "has_app_server": lambda a: a["serving"] != "kserve" and a["deployment_mode"] != "batch",
    "has_canary and serving != 'kserve'": lambda a: (
        a["execution_mode"] != "quick"
        and a["serving"] != "kserve"
        and a["deployment_mode"] != "batch"
    ),
    "has_api and serving == 'bentoml'": lambda a: (
        a["serving"] == "bentoml" and a["deployment_mode"] != "batch"
    ),
    "execution_mode != 'quick'": lambda a: a["execution_mode"] != "quick",
    "execution_mode == 'enterprise'": lambda a: a["execution_mode"] == "enterprise",
    "orchestrator == 'airflow'": lambda a: a["orchestrator"] == "airflow",
    "orchestrator == 'prefect'": lambda a: a["orchestrator"] == "prefect",
    "orchestrator == 'dagster'": lambda a: a["orchestrator"] == "dagster",
    "orchestrator == 'kubeflow'": lambda a: a["orchestrator"] == "kubeflow",
    "data_source == 'files'": lambda a: a["data_source"] == "files",
    "data_source == 'object_store'": lambda a: a["data_source"] == "object_store",
    # Each cloud's object-store tests run against that cloud's emulator.
    "data_source == 'object_store' and cloud in ['aws', 'azure']": lambda a: (
        a["data_source"] == "object_store" and a["cloud"] in ("aws", "azure")
    ),
    "data_source == 'object_store' and cloud == 'gcp'": lambda a: (
        a["data_source"] == "object_store" and a["cloud"] == "gcp"
    ),
    "data_source == 'postgres'": lambda a: a["data_source"] == "postgres",
    "feature_store == 'feast'": lambda a: a["feature_store"] == "feast",
    "feature_store == 'feast' and serving == 'fastapi'": lambda a: (
        a["feature_store"] == "feast" and a["serving"] == "fastapi"
    ),
    "feature_store == 'feast' and has_api and serving == 'fastapi'": lambda a: (
        a["feature_store"] == "feast"
        and a["serving"] == "fastapi"
        and a["deployment_mode"] != "batch"
    ),
    "feature_store == 'feast' and processing_engine == 'spark'": lambda a: (
        a["feature_store"] == "feast" and a["processing_engine"] == "spark"
    ),
    "processing_engine == 'polars'": lambda a: a["processing_engine"] == "polars",
    "processing_engine == 'spark'": lambda a: a["processing_engine"] == "spark",
    "has_batch and processing_engine == 'spark'": lambda a: (
        a["deployment_mode"] != "realtime" and a["processing_engine"] == "spark"
    ),
    "has_experimentation": lambda a: a["execution_mode"] != "quick",
    "has_experimentation and has_api": lambda a: (
        a["execution_mode"] != "quick" and a["deployment_mode"] != "batch"
    ),
    # The experiment's API tests: FastAPI serves the flag-chosen variant (experimentation/).
    "has_experimentation and has_api and serving == 'fastapi'": lambda a: (
        a["execution_mode"] != "quick"
        and a["serving"] == "fastapi"
        and a["deployment_mode"] != "batch"
    ),
    # Inside bench/ (itself conditional): the experiment's overhead benchmark, FastAPI only.
    "has_experimentation and serving == 'fastapi'": lambda a: (
        a["execution_mode"] != "quick" and a["serving"] == "fastapi"
    ),
    "serving == 'fastapi'": lambda a: a["serving"] == "fastapi",
    "serving == 'bentoml'": lambda a: a["serving"] == "bentoml",
    "serving == 'kserve'": lambda a: a["serving"] == "kserve",
    "serving != 'kserve'": lambda a: a["serving"] != "kserve",
    # Each cloud's Terraform is its own template folder rendering to infra/terraform.
    "cloud == 'aws'": lambda a: a["cloud"] == "aws",
    "cloud == 'gcp'": lambda a: a["cloud"] == "gcp",
    "cloud == 'azure'": lambda a: a["cloud"] == "azure",
    "cloud != 'local'": lambda a: a["cloud"] != "local",
}
CONDITIONAL_SEGMENT = re.compile(r"\{% if (.+?) %\}(.*?)\{% endif %\}")


TEMPLATE_PATHS = sorted(
    str(path.relative_to(TEMPLATE)).removesuffix(".jinja")
    for path in TEMPLATE.rglob("*")
    if path.is_file()
    and "__pycache__" not in path.parts
    and "{{_copier_conf.answers_file}}" not in str(path)
)


_expected: dict[tuple[Any, ...], frozenset[str]] = {}


def expected_files(answers: dict[str, Any]) -> frozenset[str]:
    # The file set follows from the slug and the truth of each path condition.
    key = (answers["project_slug"], *(holds(answers) for holds in PATH_CONDITIONS.values()))
    if key not in _expected:
        _expected[key] = frozenset(_expected_files(answers))
    return _expected[key]


def _expected_files(answers: dict[str, Any]) -> set[str]:
    out = {".copier-answers.yml"}
    for rel in TEMPLATE_PATHS:
        rel = rel.replace("{{project_slug}}", answers["project_slug"])

        def segment(match: re.Match[str]) -> str:
            condition, name = match.groups()
            assert condition in PATH_CONDITIONS, f"add {condition!r} to PATH_CONDITIONS"
            return name if PATH_CONDITIONS[condition](answers) else ""

        rel = CONDITIONAL_SEGMENT.sub(segment, rel)
        parts = rel.split("/")
        if all(parts):  # an empty segment means the condition dropped the file
            out.add(rel)
    return out


def rendered_files(root: Path) -> set[str]:
    return {
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


# An opening `{{` or `{%` is a leftover; closing ones alone are ordinary Python (`}}` ends
# nested dicts, `%}` ends an f-string percent format).
JINJA_MARKERS = re.compile(r"\{%|(?<!\$)\{\{")
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def content_problem(rel: str, text: str) -> str | None:
    """Why a rendered file is broken (leftover Jinja, does not parse), or None."""
    suffix = Path(rel).suffix
    if suffix == ".j2":  # runtime Jinja templates of the project (model cards)
        return None
    # GitHub Actions expressions `${{ ... }}` are kept on purpose.
    leftover = JINJA_MARKERS.findall(re.sub(r"\$\{\{.*?\}\}", "", text))
    if leftover:
        return f"leftover Jinja in {rel}: {leftover}"
    try:
        if suffix in {".yml", ".yaml"}:
            list(yaml.load_all(text, Loader=YAML_LOADER))
        elif suffix == ".toml":
            tomllib.loads(text)
        elif suffix in {".json", ".ipynb"}:
            json.loads(text)
        elif suffix == ".py":
            compile(text, rel, "exec")
    except (yaml.YAMLError, tomllib.TOMLDecodeError, ValueError, SyntaxError) as exc:
        return f"{rel} does not parse: {type(exc).__name__}: {exc}"
    return None


def assert_clean_and_parseable(root: Path) -> None:
    for rel in rendered_files(root):
        problem = content_problem(rel, (root / rel).read_text(encoding="utf-8"))
        assert problem is None, problem


def valid_rows(options: dict[str, tuple[str, ...]]) -> list[dict[str, str]]:
    """Every combination of `options` a user can answer."""
    names = list(options)
    return [
        row
        for vs in itertools.product(*options.values())
        # Combinations the schema's rules forbid are never rendered, so never expected.
        if not schema.check_rules(row := dict(zip(names, vs, strict=True)))
        # A question that is not asked has one value (e.g. deployment_mode with kserve).
        and all(
            schema.is_asked(q.name, row) or row[q.name] == q.skipped_default
            for q in schema.QUESTIONS
            if q.name in row and q.skipped_default is not None
        )
    ]


def pairwise(
    options: dict[str, tuple[str, ...]], candidates: list[dict[str, str]]
) -> list[dict[str, str]]:
    """A small covering set: every pair of values of every two questions that some valid row
    (`candidates`) holds appears once. Greedy over a spread sample of the candidates; a pair the
    sample lacks is taken from the first candidate that holds it."""
    pairs = list(itertools.combinations(list(options), 2))
    uncovered = {(a, row[a], b, row[b]) for row in candidates for a, b in pairs}
    pool = candidates[:: max(1, len(candidates) // 3000)]
    rows: list[dict[str, str]] = []

    def gain(row: dict[str, str], todo: set[tuple[str, str, str, str]]) -> int:
        return sum((a, row[a], b, row[b]) in todo for a, b in pairs)

    while uncovered:
        best = max(pool, key=lambda row, todo=uncovered: gain(row, todo))
        if not gain(best, uncovered):
            a, va, b, vb = min(uncovered)
            best = next(r for r in candidates if r[a] == va and r[b] == vb)
        rows.append(best)
        uncovered = uncovered - {(a, best[a], b, best[b]) for a, b in pairs}
    return rows


MATRIX_QUESTIONS = [
    q.name
    for q in schema.QUESTIONS
    if len(q.offered) > 1 and q.name != "post_generation_gates"  # gates do not change files
]
MATRIX_OPTIONS = {name: schema.QUESTION_BY_NAME[name].offered for name in MATRIX_QUESTIONS}
EVERY_COMBINATION = valid_rows(MATRIX_OPTIONS)
MATRIX = pairwise(MATRIX_OPTIONS, EVERY_COMBINATION)


@pytest.mark.parametrize("answers", MATRIX, ids=lambda a: "-".join(a.values()))
def test_render_matrix(tmp_path: Path, answers: dict[str, str]) -> None:
    full = schema.Answers(**schema.complete({**answers, "project_slug": "demo_proj"})).model_dump()
    project = render(tmp_path / "p", **full)
    assert rendered_files(project) == expected_files(full)
    assert_clean_and_parseable(project)
    # A folder whose files a combination skips must be skipped too (its name carries the
    # condition), not left behind empty: quick once kept an empty deployment/k8s.
    empty = [
        str(d.relative_to(project))
        for d in project.rglob("*")
        if d.is_dir() and not any(d.iterdir())
    ]
    assert [d for d in empty if not d.startswith(".git")] == []
    # The in-process model that checks every combination writes exactly what Copier wrote.
    modelled = dict(MODEL.project(full))
    assert set(modelled) == rendered_files(project) - {".copier-answers.yml"}
    for rel, text in modelled.items():
        assert (project / rel).read_text(encoding="utf-8") == text, rel
    recorded = yaml.safe_load((project / ".copier-answers.yml").read_text())
    for key, value in full.items():
        if schema.is_asked(key, full):
            assert recorded[key] == value, key
    assert (
        f'requires-python = ">={full["python_version"]}"'
        in (project / "pyproject.toml").read_text()
    )


def test_matrix_covers_every_offered_choice() -> None:
    for name in MATRIX_QUESTIONS:
        assert {row[name] for row in MATRIX} == set(schema.QUESTION_BY_NAME[name].offered)


MODEL = TemplateModel(TEMPLATE)


def combination_contexts(model: TemplateModel, rows: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Each row completed as Copier completes it, with the computed variables templates read."""
    return [model.context(schema.complete({**row, "project_slug": "demo_proj"})) for row in rows]


def distinct(contexts: list[dict[str, Any]], variables: tuple[str, ...]) -> list[dict[str, Any]]:
    """One context per distinct value of `variables` among `contexts`."""
    seen: dict[tuple[Any, ...], dict[str, Any]] = {}
    for context in contexts:
        seen.setdefault(tuple(context[v] for v in variables), context)
    return list(seen.values())


def combination_failures(model: TemplateModel, rows: list[dict[str, str]]) -> list[str]:
    """What is wrong with each combination's render: file set, leftover Jinja, unparseable files.

    Checking every combination row by row is ~0.2 s a row (hundreds of thousands of rows), so
    the check is factored exactly: a file's path and content depend only on the answers it reads
    (`TemplateModel.variables_of`), and the file set only on the answers the paths read. Each
    distinct value of those answers among the rows is checked once, which covers every row.
    """
    contexts = combination_contexts(model, rows)
    failures: list[str] = []

    def named(context: dict[str, Any], variables: tuple[str, ...]) -> str:
        return str({v: context[v] for v in variables if v in rows[0] or v.startswith("has_")})

    path_variables = model._all_path_variables
    for context in distinct(contexts, path_variables):
        files = {rel for rel, _ in model.paths(context)} | {".copier-answers.yml"}
        if files != expected_files(context):
            failures.append(
                f"{named(context, path_variables)}: file set differs from the path conditions"
            )
    by_variables: dict[tuple[str, ...], list[str]] = {}
    for source in model.sources:
        by_variables.setdefault(model.variables_of(source), []).append(source)
    # Fewer contexts to scan for the files that do not read the answers few files read: one
    # context per distinct value of everything else holds every projection such files need.
    keys = tuple(contexts[0])
    levels: list[tuple[frozenset[str], list[dict[str, Any]]]] = [(frozenset(), contexts)]
    for dropped in (("python_version", "license"), ("problem_type",), ("ci_provider",)):
        ignored = levels[-1][0] | set(dropped)
        kept = tuple(k for k in keys if k not in ignored)
        levels.append((ignored, distinct(levels[-1][1], kept)))
    problems: dict[tuple[str, tuple[Any, ...]], str | None] = {}
    for variables, sources in by_variables.items():
        pool = next(ctxs for ignored, ctxs in reversed(levels) if not ignored & set(variables))
        for context in distinct(pool, variables):
            for source in sources:
                rel = model.path_of(source, context)
                if rel is None:
                    continue
                key = (rel, model.content_key(source, context))
                if key not in problems:
                    problems[key] = content_problem(rel, model.content_of(source, context))
                if problems[key]:
                    failures.append(f"{named(context, variables)}: {problems[key]}")
            if len(failures) >= 20:
                return failures
    return failures


def mode_rows(mode: str) -> list[dict[str, str]]:
    """Every combination in one execution mode (the combination checks run a mode at a time)."""
    return [row for row in EVERY_COMBINATION if row["execution_mode"] == mode]


def template_copy(tmp_path: Path) -> Path:
    """A copy of the template, for a test to break and show that a check finds it."""
    copy = tmp_path / "template"
    shutil.copytree(TEMPLATE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


@pytest.mark.parametrize("mode", schema.QUESTION_BY_NAME["execution_mode"].offered)
def test_every_combination_renders_the_expected_clean_files(mode: str) -> None:
    """Every combination of the offered choices (the matrix above samples them), rendered by the
    model that the matrix holds to Copier's output."""
    rows = mode_rows(mode)
    assert len(rows) > 1000
    failures = combination_failures(MODEL, rows)
    assert not failures, "\n".join(failures)


def test_the_combination_check_finds_a_file_broken_for_one_combination(tmp_path: Path) -> None:
    broken = template_copy(tmp_path)
    target = broken / "configs/data.yaml.jinja"
    only = {"problem_type": "regression", "orchestrator": "prefect", "ci_provider": "gitlab"}
    condition = " and ".join(f"{k} == '{v}'" for k, v in only.items())
    target.write_text(target.read_text() + f"{{% if {condition} %}}oops: [unclosed\n{{% endif %}}")
    failures = combination_failures(TemplateModel(broken), EVERY_COMBINATION)
    assert failures
    assert all("configs/data.yaml does not parse" in f for f in failures)
    for failure in failures:
        assert all(f"'{k}': '{v}'" in failure for k, v in only.items())


@pytest.mark.parametrize(
    ("data", "question"),
    [
        ({"project_name": "   "}, "project_name"),
        ({"project_slug": "Not-A-Slug"}, "project_slug"),
        ({"project_slug": "json"}, "project_slug"),
        ({"project_slug": "class"}, "project_slug"),
        ({"project_slug": "pandas"}, "project_slug"),
        ({"project_slug": "prefect_flows", "orchestrator": "prefect"}, "prefect_flows"),
        ({"author_email": "not-an-email"}, "author_email"),
        ({"python_version": "3.9"}, "python_version"),
        ({"problem_type": "clustering"}, "problem_type"),
    ],
)
def test_invalid_answers_name_the_question_and_leave_nothing(
    tmp_path: Path, data: dict[str, str], question: str
) -> None:
    dst = tmp_path / "p"
    with pytest.raises(ValueError, match=question):
        render(dst, **data)
    assert not dst.exists()


HOSTILE = [
    'x"; touch pwned; echo "',
    "$(touch pwned)",
    "`touch pwned` 'quoted' \"double\" back\\slash & <tag> # not a comment: yes",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_shell_metacharacters_are_inert_and_files_stay_valid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    monkeypatch.chdir(tmp_path)
    answers = {
        "project_name": text,
        "project_slug": "safe_slug",
        "description": text,
        "author_name": text,
        "author_email": "x$(touch${IFS}pwned)@example.com",
    }
    # Tasks run: the hook and the static gates see the answers too.
    project = render(tmp_path / "p", tasks=True, **answers)
    assert not list(tmp_path.rglob("pwned")), "an answer was executed by a shell"
    assert_clean_and_parseable(project)
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["description"] == text
    assert pyproject["project"]["authors"][0]["name"] == text
    recorded = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert recorded["description"] == text and recorded["project_name"] == text
    assert text in (project / "README.md").read_text()
    report = json.loads((project / "reports/quality_gates.json").read_text())
    assert report["requirements"]["status"] == "pass"


def test_copy_without_trust_fails_with_the_unsafe_error(tmp_path: Path) -> None:
    dst = tmp_path / "p"
    with pytest.raises(UnsafeTemplateError):
        copier.run_copy(str(ROOT), dst, defaults=True, vcs_ref="HEAD", quiet=True)
    assert not dst.exists()
    readme = (ROOT / "README.md").read_text()
    assert "--trust" in readme and "_tasks" in readme


def test_skip_tasks_renders_without_running_the_hook(tmp_path: Path) -> None:
    project = render(tmp_path / "p")
    assert not (project / ".git").exists()
    assert not (project / "reports").exists()


def test_hook_initialises_git_and_runs_static_gates(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    project = render(tmp_path / "p", tasks=True)
    assert git(project, "log", "--oneline").strip().count("\n") == 0  # exactly one commit
    assert git(project, "status", "--porcelain").strip() == ""
    report = json.loads((project / "reports/quality_gates.json").read_text())
    assert report["requirements"]["status"] == "pass"
    # No model exists yet: every phase with checks that need one is incomplete, never pass.
    later = [p for p in report if p != "requirements"]
    assert {report[p]["status"] for p in later} == {"incomplete"}
    assert all(report[p]["counts"]["not_run"] for p in later)
    out = capfd.readouterr().out
    assert "model_training: pass" not in out
    assert "model_training: incomplete" in out
    assert "Checked statically and complete: requirements." in out
    assert f"{', '.join(later)} need the installed project" in out
    assert "make pipeline" in out and "passed." not in out


def test_gates_none_runs_no_gate(tmp_path: Path) -> None:
    project = render(tmp_path / "p", tasks=True, post_generation_gates="none")
    assert (project / ".git").exists()
    assert not (project / "reports").exists()


def _break_requirements(template_repo: Path) -> None:
    doc = template_repo / "template/docs/ml-requirements.md.jinja"
    doc.write_text(doc.read_text().replace("## Operational metrics", "## Ops"))
    git(template_repo, "commit", "-qam", "break a gate")


def test_failing_gate_is_reported_and_never_deletes_files(
    tmp_path: Path, template_copy: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    _break_requirements(template_copy)
    project = render(tmp_path / "p", src=template_copy, tasks=True)
    out = capfd.readouterr().out
    assert "QUALITY GATES FAILED" in out
    assert (project / "README.md").is_file()
    report = json.loads((project / "reports/quality_gates.json").read_text())
    assert report["requirements"]["status"] == "fail"


def test_failing_gate_exits_non_zero_when_copier_keeps_files(
    tmp_path: Path, template_copy: Path
) -> None:
    _break_requirements(template_copy)
    dst = tmp_path / "p"
    with pytest.raises(TaskError):
        copier.run_copy(
            str(template_copy),
            dst,
            defaults=True,
            unsafe=True,
            vcs_ref="HEAD",
            quiet=True,
            cleanup_on_error=False,
        )
    assert (dst / "README.md").is_file()


@pytest.mark.parametrize(
    ("provider", "workflow", "schema_name"),
    [
        ("github", ".github/workflows/ci.yml", "vendor.github-workflows"),
        ("gitlab", ".gitlab-ci.yml", "vendor.gitlab-ci"),
    ],
)
def test_ci_workflow_is_lint_clean(
    tmp_path: Path, provider: str, workflow: str, schema_name: str
) -> None:
    import subprocess
    import sys

    project = render(tmp_path / "p", ci_provider=provider)
    bin_dir = Path(sys.executable).parent
    checks = [[str(bin_dir / "check-jsonschema"), "--builtin-schema", schema_name, workflow]]
    if provider == "github":
        checks.append([str(bin_dir / "actionlint"), workflow])
    for cmd in checks:
        result = subprocess.run(cmd, cwd=project, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
    text = (project / workflow).read_text()
    for step in ("make setup", "make lint", "make test-all", "make pipeline", "make gates"):
        assert step in text


def test_static_gates_need_only_the_standard_library(tmp_path: Path) -> None:
    """`python -S` hides site-packages: the static gates must still run and pass."""
    import subprocess
    import sys

    project = render(tmp_path / "p")
    result = subprocess.run(
        [sys.executable, "-S", "-m", "quality_gates", "--static", "--json"],
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["requirements"]["status"] == "pass"
    assert all(r["status"] in {"pass", "incomplete"} for r in report.values())


@pytest.mark.parametrize("mode", schema.MODES)
def test_each_mode_renders_what_its_help_says(mode: str) -> None:
    """The mode help (schema.MODE_RENDERS) against the files the mode renders."""
    answers = schema.complete({"execution_mode": mode, "project_slug": "demo_proj"})
    files = {rel for rel, _ in MODEL.paths(answers)}
    says = schema.MODE_RENDERS[mode]
    canary = any(rel.startswith("canary_deployment/") for rel in files)
    assert canary == (mode != "quick")
    # enterprise renders "what standard renders" plus its own.
    assert ("canary releases of the API" in says or mode == "enterprise") == canary
    overlays = {rel.split("/")[3] for rel in files if rel.startswith("deployment/k8s/overlays/")}
    assert overlays == {"quick": set(), "standard": {"dev", "prod"}}.get(
        mode, {"dev", "prod", "staging"}
    )
    assert ("staging overlay" in says) == ("staging" in overlays)
    # quick: the seeds' quick scope, and nothing of Kubernetes or continuous training.
    kubernetes = any(rel.startswith("deployment/k8s/") for rel in files)
    continuous = {"continuous_training/", "rollback/", "configs/continuous_training.yaml"}
    ct_files = {rel for rel in files if any(rel.startswith(c) for c in continuous)}
    assert kubernetes == bool(ct_files) == (mode != "quick")
    if mode == "quick":
        assert "no Kubernetes manifests" in says and "continuous training" in says
        assert not {"tests/test_k8s.py", "quality_gates/continuous_training.py"} & files
        for rendered in ("data_ingestion/", "data_quality/", "feature_engineering/", "models/"):
            assert any(rel.startswith(rendered) for rel in files), rendered
        assert "deployment/docker/Dockerfile" in files
    else:
        assert "Kubernetes manifests" in says or "what standard renders" in says
        assert {"tests/test_k8s.py", "quality_gates/continuous_training.py"} <= files
    # Every stack choice the mode presets beyond quick's is named in its help.
    for question in ("data_source", "processing_engine", "feature_store", "orchestrator", "cloud"):
        preset = schema.MODE_PRESETS[mode][question]
        if preset != schema.MODE_PRESETS["quick"][question]:
            assert preset.lower()[:6] in says.lower(), f"{mode} presets {question}={preset}"
    help_text = schema.QUESTION_BY_NAME["execution_mode"].help
    for claim in ("IaC", "governance", "data infrastructure"):
        assert claim not in help_text, f"execution_mode help promises {claim}"
    assert says in help_text


@pytest.mark.parametrize("cloud", schema.QUESTION_BY_NAME["cloud"].offered)
def test_each_cloud_renders_what_its_help_says(cloud: str) -> None:
    """schema.CLOUD_RENDERS (the cloud help and `ml-scaffold options`) against the files."""
    assert set(schema.CLOUD_RENDERS) == set(schema.QUESTION_BY_NAME["cloud"].offered)
    says = schema.CLOUD_RENDERS[cloud]
    assert says in schema.QUESTION_BY_NAME["cloud"].help
    source = "postgres" if cloud != "local" else "sample"
    answers = schema.complete(
        {"execution_mode": "enterprise", "cloud": cloud, "data_source": source, "project_slug": "p"}
    )
    files = {rel for rel, _ in MODEL.paths(answers)}
    infra = {rel for rel in files if rel.startswith("infra/terraform/")}
    assert bool(infra) == ("infra/terraform" in says)
    assert ("infra-check" in says) == ("tests/test_infra.py" in files)
    deploy = ".github/workflows/deploy.yml" in files
    assert ("deploy workflow" in says) == deploy
    if cloud == "aws":
        main = MODEL.content_of(dict(MODEL.paths(answers))["infra/terraform/main.tf"], answers)
        for module in ("storage", "registry", "cluster", "workload_identity", "secrets"):
            assert f'module "{module}"' in main
        assert 'module "database"' in main and "RDS with data_source=postgres" in says
        assert "deployment/k8s/cloud/externalsecret.yaml" in files
    stored = schema.complete({**answers, "data_source": "object_store"})
    if cloud != "local":
        local_emulator = "data_ingestion/local_store.py" in {r for r, _ in MODEL.paths(stored)}
        assert local_emulator and "local" in says.split("object_store", 1)[1]


def test_enterprise_presets_a_cloud_and_the_help_says_why() -> None:
    assert schema.preset_defaults("enterprise")["cloud"] == "aws"
    assert schema.ENTERPRISE_CLOUD_WHY in schema.QUESTION_BY_NAME["cloud"].help
    assert {schema.preset_defaults(m)["cloud"] for m in ("quick", "standard")} == {"local"}


def test_no_combination_renders_a_top_level_name_a_slug_may_take() -> None:
    """Every top-level folder and module of every combination is a reserved slug, so no slug
    can collide with one (paths only: no file is rendered)."""
    taken: set[str] = set()
    contexts = combination_contexts(MODEL, EVERY_COMBINATION)
    for answers in distinct(contexts, MODEL._all_path_variables):
        for rel, _ in MODEL.paths(answers):
            top, *rest = rel.split("/")
            name = top if rest else top.removesuffix(".py") if top.endswith(".py") else ""
            if name and name != "demo_proj" and schema.SLUG_RE.match(name):
                taken.add(name)
    assert "prefect_flows" in taken
    assert taken <= schema.RESERVED_SLUGS, sorted(taken - schema.RESERVED_SLUGS)


def test_the_requirements_document_restates_the_canary_limits_unchanged() -> None:
    """docs/ml-requirements.md states the p99 latency and error rate that the canary analysis
    (canary_deployment.analysis.Criteria) aborts on: the template ties them, so a limit edited in
    one place is caught here. In a project the document is the user's and `make gates` judges it."""
    answers = schema.complete({"project_slug": "demo_proj"})
    files = dict(MODEL.paths(answers))
    doc = MODEL.content_of(files["docs/ml-requirements.md"], answers)
    analysis = MODEL.content_of(files["canary_deployment/analysis.py"], answers)
    p99 = re.search(r"latency \(p95 / p99\) \| < [0-9.]+ ms / < ([0-9.]+) ms", doc)
    errors = re.search(r"Error rate \(5xx\) \| < ([0-9.]+) %", doc)
    assert p99 and errors, "docs/ml-requirements.md no longer states the p99 or error rate"
    criteria = {
        m.group(1): float(m.group(2))
        for m in re.finditer(r"^    (max_\w+): float = ([0-9.]+)", analysis, re.M)
    }
    assert float(p99.group(1)) / 1000 == pytest.approx(criteria["max_p99_seconds"]), (
        f"docs/ml-requirements.md p99 {p99.group(1)} ms, Criteria.max_p99_seconds "
        f"{criteria['max_p99_seconds']} s"
    )
    assert float(errors.group(1)) / 100 == pytest.approx(criteria["max_error_rate"]), (
        f"docs/ml-requirements.md error rate {errors.group(1)} %, Criteria.max_error_rate "
        f"{criteria['max_error_rate']}"
    )


@pytest.mark.parametrize("slug", ["aaa_first", "zzz_last"])
def test_imports_are_sorted_whatever_the_slug_sorts_next_to(tmp_path: Path, slug: str) -> None:
    """ruff's isort orders first-party packages by name, and the project's package is named by
    the slug: a rendered project passes `ruff check` whether its slug sorts before or after the
    template's own packages (a slug before data_ingestion once failed a fresh `make lint`)."""
    import subprocess
    import sys

    rows = [{"execution_mode": mode} for mode in schema.MODES] + [
        {"processing_engine": "spark", "orchestrator": "dagster", "serving": "bentoml"},
        {"data_source": "postgres", "orchestrator": "kubeflow", "cloud": "aws"},
        {"data_source": "object_store", "cloud": "gcp", "orchestrator": "prefect"},
        {"processing_engine": "polars", "deployment_mode": "batch", "feature_store": "feast"},
        {"data_source": "object_store", "cloud": "azure", "serving": "kserve"},
    ]
    for i, row in enumerate(rows):
        answers = schema.complete({**row, "project_slug": slug})
        root = tmp_path / str(i)
        for rel, text in MODEL.project(answers):
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text, encoding="utf-8")
        lint = subprocess.run(
            [sys.executable, "-m", "ruff", "check", "--no-cache", "--select", "I", "."],
            cwd=root, capture_output=True, text=True,
        )  # fmt: skip
        assert lint.returncode == 0, f"{row}: {lint.stdout[-3000:]}"
