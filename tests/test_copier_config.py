"""copier.yml is generated from the schema and must agree with it."""

from pathlib import Path

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
    assert keys[len(settings) :] == [q.name for q in schema.QUESTIONS]


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
