"""copier.yml is generated from the schema and must agree with it."""

import re
from pathlib import Path

import pytest
import yaml

from ml_scaffold import copier_config, schema

ROOT = Path(__file__).resolve().parents[1]


def load() -> dict:
    return yaml.safe_load((ROOT / "copier.yml").read_text())


def test_committed_copier_yml_is_generated_from_the_schema() -> None:
    assert (ROOT / "copier.yml").read_text() == copier_config.render(), (
        "copier.yml disagrees with src/ml_scaffold/schema.py: "
        "run `uv run python -m ml_scaffold.copier_config --write`"
    )
    assert copier_config.main(["--check"]) == 0


def test_settings_block_comes_before_the_questions() -> None:
    keys = list(load())
    settings = [k for k in keys if k.startswith("_")]
    assert keys[: len(settings)] == settings
    assert keys[len(settings) :] == [q.name for q in schema.QUESTIONS] + [
        c.name for c in schema.COMPUTED
    ]


def test_every_question_has_help_and_offered_choices_only() -> None:
    config = load()
    for q in schema.QUESTIONS:
        entry = config[q.name]
        assert entry["help"] == q.help
        if q.choices:
            assert list(entry["choices"].values()) == list(q.offered)


def test_settings() -> None:
    config = load()
    assert config["_subdirectory"] == "template"
    assert config["_answers_file"] == ".copier-answers.yml"
    assert config["_envops"]["undefined"] == "jinja2.StrictUndefined"
    assert config["_min_copier_version"]
    (task,) = config["_tasks"]
    assert isinstance(task["command"], list), "tasks must be in list form: no shell"
    assert task["command"][0] == "{{ _copier_python }}"
    assert "_copier_operation == 'copy'" in task["when"]


def test_validators_exist_for_checked_questions_and_reachable_rules() -> None:
    config = load()
    for name in ("project_name", "project_slug", "author_email"):
        assert name in config[name]["validator"]
    for rule in schema.RULES:
        reachable = any(
            v in schema.QUESTION_BY_NAME[rule.question].offered for v in rule.values
        ) and any(
            v in schema.QUESTION_BY_NAME[rule.when_question].offered for v in rule.when_values
        )
        validator = config[rule.question].get("validator", "")
        assert (rule.why in validator) == reachable, rule


def _validator_says(question: str, value: str) -> str | None:
    """What copier.yml's validator of `question` says about `value` (None when it passes)."""
    import jinja2
    from copier._jinja_ext import YieldExtension

    env = jinja2.sandbox.SandboxedEnvironment(
        extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension", YieldExtension]
    )
    text = env.from_string(load()[question]["validator"]).render({question: value}).strip()
    return text or None


@pytest.mark.parametrize(
    ("question", "value"),
    [
        ("project_name", "   "),
        ("project_name", "Churn"),
        ("project_slug", "churn_model"),
        ("project_slug", "Not-A-Slug"),
        ("project_slug", "class"),
        ("project_slug", "prefect_flows"),
        ("project_slug", "reports"),
        ("author_email", "a@b.co"),
        ("author_email", "not-an-email"),
    ],
)
def test_copier_validators_say_what_the_schema_says(question: str, value: str) -> None:
    """The validators are written once (schema.FIELD_CHECKS); copier.yml's Jinja is generated
    from them and must give the same verdict and message as the CLI and the model."""
    assert _validator_says(question, value) == schema.field_problem(question, value)


def test_computed_variables_are_never_asked_and_compute_like_the_schema() -> None:
    import jinja2

    config = load()
    env = jinja2.Environment()  # noqa: S701 - renders booleans, not HTML
    for row in (
        {"execution_mode": "quick", "deployment_mode": "hybrid", "serving": "fastapi"},
        {"execution_mode": "standard", "deployment_mode": "realtime", "serving": "kserve"},
        {"execution_mode": "enterprise", "deployment_mode": "batch", "serving": "bentoml"},
        {"execution_mode": "standard", "deployment_mode": "realtime", "data_source": "postgres"},
        {"execution_mode": "standard", "deployment_mode": "realtime", "processing_engine": "spark"},
    ):
        row = {"data_source": "sample", "processing_engine": "pandas", "serving": "fastapi", **row}
        context = dict(row)
        for item in schema.COMPUTED:
            entry = config[item.name]
            assert entry["when"] is False and entry["type"] == "bool" and entry["help"]
            context[item.name] = env.from_string(entry["default"]).render(context) == "True"
        assert {c.name: context[c.name] for c in schema.COMPUTED} == schema.computed_values(row)


def test_template_names_are_read_from_the_template_tree(tmp_path: Path) -> None:
    """The reserved top-level names come from the template itself; renders nothing."""
    import shutil

    from ml_scaffold.template_names import TEMPLATE_TOP_LEVEL

    template = ROOT / "template"
    assert schema.template_top_level_names(template) == TEMPLATE_TOP_LEVEL
    for name in ("prefect_flows", "dagster_defs", "kfp_pipelines", "canary_deployment"):
        assert name in schema.RESERVED_SLUGS
    # Every top-level folder or module of the tree, conditional or not, is reserved.
    for entry in template.iterdir():
        plain = re.sub(r"\{%.*?%\}", "", entry.name).removesuffix(".jinja")
        if entry.is_dir() and schema.SLUG_RE.match(plain):
            assert schema.slug_problem(plain), plain
    # A new conditional folder is picked up with no list to edit.
    copy = tmp_path / "template"
    shutil.copytree(template, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "{% if orchestrator == 'flyte' %}flyte_workflows{% endif %}").mkdir()
    (copy / "{% if has_api %}serving_shim.py{% endif %}.jinja").write_text("")
    names = schema.template_top_level_names(copy)
    assert {"flyte_workflows", "serving_shim"} <= set(names)


def test_migrations_run_the_migrate_hook_before_an_update(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = load()
    assert [m["version"] for m in config.get("_migrations", [])] == [
        m.version for m in schema.MIGRATIONS
    ]
    monkeypatch.setattr(
        schema,
        "MIGRATIONS",
        (
            schema.Migration(
                "v9.0.0",
                "renamed",
                renames=(("ci_provider", "ci_system"),),
                note="quick changed",
                note_when=("execution_mode", ("quick",)),
            ),
        ),
    )
    (entry,) = copier_config.build()["_migrations"]
    assert entry["version"] == "v9.0.0"
    assert "_stage == 'before'" in entry["when"]
    command = entry["command"]
    assert isinstance(command, list), "migrations in list form: no shell"
    assert command[1].endswith("/hooks/migrate.py")
    assert command[command.index("--rename") + 1] == "ci_provider=ci_system"
    assert command[command.index("--note") + 1] == "quick changed"
    assert command[command.index("--note-when") + 1] == "execution_mode=quick"


def test_migrate_hook_renames_an_answer_and_notes_a_changed_meaning(tmp_path: Path) -> None:
    import subprocess
    import sys

    answers = tmp_path / ".copier-answers.yml"
    answers.write_text("_commit: v0.1.0\nexecution_mode: quick\nold_name: kept\n")
    hook = ROOT / "hooks" / "migrate.py"
    common = [sys.executable, str(hook), "--answers-file", str(answers), "--version", "v9.0.0"]
    done = subprocess.run(
        [
            *common,
            "--rename",
            "old_name=new_name",
            "--note",
            "NOTE",
            "--note-when",
            "execution_mode=quick",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "NOTE" in done.stdout and "'old_name' is now 'new_name'" in done.stdout
    assert yaml.safe_load(answers.read_text()) == {
        "_commit": "v0.1.0",
        "execution_mode": "quick",
        "new_name": "kept",
    }
    other = subprocess.run(
        [*common, "--note", "NOTE", "--note-when", "execution_mode=standard"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "NOTE" not in other.stdout
