"""The ml-scaffold CLI, through typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, git
from typer.testing import CliRunner

from ml_scaffold import schema
from ml_scaffold.cli import app

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def new(dest: Path, *args: str, template: Path = ROOT):
    return invoke("new", dest, "--defaults", "--template", template, "--vcs-ref", "HEAD", *args)


def test_new_with_defaults_renders_and_runs_static_gates(tmp_path: Path) -> None:
    dest = tmp_path / "proj"
    result = new(dest, "--mode", "quick", "--set", "project_name=Churn Model")
    assert result.exit_code == 0, result.output
    answers = yaml.safe_load((dest / ".copier-answers.yml").read_text())
    assert answers["execution_mode"] == "quick"
    assert answers["project_slug"] == "churn_model"
    assert (dest / "churn_model").is_dir()
    assert (
        json.loads((dest / "reports/quality_gates.json").read_text())["requirements"]["status"]
        == "pass"
    )
    assert "Created" in result.output


def test_new_reads_an_answers_file_and_set_overrides_it(tmp_path: Path) -> None:
    answers_file = tmp_path / "answers.yml"
    answers_file.write_text(
        "_commit: v0.0.1\nproject_name: From File\nci_provider: gitlab\nproblem_type: regression\n"
    )
    dest = tmp_path / "proj"
    result = new(
        dest,
        "--answers-file",
        answers_file,
        "--set",
        "problem_type=multiclass_classification",
        "--gates",
        "none",
    )
    assert result.exit_code == 0, result.output
    answers = yaml.safe_load((dest / ".copier-answers.yml").read_text())
    assert answers["ci_provider"] == "gitlab"
    assert answers["problem_type"] == "multiclass_classification"
    assert (dest / ".gitlab-ci.yml").is_file() and not (dest / ".github").exists()
    assert not (dest / "reports").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--set", "project_slug=json"], "project_slug 'json'"),
        (["--set", "author_email=nope"], "author_email 'nope'"),
        (["--mode", "quick", "--set", "cloud=gcp"], "cloud='gcp' is incompatible"),
        (["--mode", "quick", "--set", "serving=kserve"], "with execution_mode='quick'"),
        (
            ["--set", "serving=kserve", "--set", "deployment_mode=batch"],
            "deployment_mode='batch' does not apply with serving='kserve'",
        ),
        (["--mode", "turbo"], "execution_mode='turbo' is not a choice"),
        (["--gates", "sometimes"], "post_generation_gates='sometimes'"),
        (["--set", "colour=blue"], "no such question"),
        (["--set", "no-equals-sign"], "KEY=VALUE"),
    ],
)
def test_new_rejects_bad_input_before_writing(
    tmp_path: Path, args: list[str], message: str
) -> None:
    dest = tmp_path / "proj"
    result = new(dest, *args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not dest.exists()


def test_new_refuses_a_non_empty_destination(tmp_path: Path) -> None:
    dest = tmp_path / "proj"
    dest.mkdir()
    (dest / "keep.txt").write_text("mine")
    result = new(dest)
    assert result.exit_code == 2
    assert "not an empty directory" in result.output
    assert sorted(p.name for p in dest.iterdir()) == ["keep.txt"]


def test_new_rejects_a_bad_answers_file(tmp_path: Path) -> None:
    bad = tmp_path / "answers.yml"
    bad.write_text("- just\n- a list\n")
    result = new(tmp_path / "proj", "--answers-file", bad)
    assert result.exit_code == 2 and "mapping" in result.output


def test_new_asks_what_is_not_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without --defaults every question not given is asked, in questionnaire order."""
    import questionary

    asked: list[str] = []

    class Prompt:
        def __init__(self, message: str, default: str) -> None:
            self.message, self.default = message, default

        def ask(self) -> str:
            asked.append(self.message)
            return self.default

    monkeypatch.setattr(questionary, "select", lambda msg, choices, default: Prompt(msg, default))
    monkeypatch.setattr(questionary, "text", lambda msg, default, validate: Prompt(msg, default))
    dest = tmp_path / "proj"
    result = invoke(
        "new",
        dest,
        "--template",
        ROOT,
        "--vcs-ref",
        "HEAD",
        "--set",
        "project_name=Asked",
        "--gates",
        "none",
    )
    assert result.exit_code == 0, result.output
    helps = [
        q.help for q in schema.QUESTIONS if q.name not in {"project_name", "post_generation_gates"}
    ]
    assert asked == helps


def test_gates_command_runs_the_projects_gates(tmp_path: Path) -> None:
    dest = tmp_path / "proj"
    assert new(dest, "--gates", "none").exit_code == 0
    result = invoke("gates", dest, "--phase", "requirements", "--static", "--json")
    assert result.exit_code == 0, result.output
    assert not (dest / ".venv").exists()
    report = json.loads((dest / "reports/quality_gates.json").read_text())
    assert list(report) == ["requirements"] and report["requirements"]["status"] == "pass"

    (dest / "docs/tech-stack.md").unlink()
    failed = invoke("gates", dest, "--phase", "requirements", "--static")
    assert failed.exit_code == 1


def test_gates_command_rejects_a_non_project(tmp_path: Path) -> None:
    result = invoke("gates", tmp_path)
    assert result.exit_code == 2 and "quality_gates" in result.output


def test_update_refuses_a_dirty_tree(tmp_path: Path) -> None:
    dest = tmp_path / "proj"
    assert new(dest, "--gates", "none").exit_code == 0
    (dest / "README.md").write_text("edited, not committed\n")
    result = invoke("update", dest)
    assert result.exit_code == 2
    assert "uncommitted changes" in result.output


def test_update_refuses_a_non_project(tmp_path: Path) -> None:
    result = invoke("update", tmp_path)
    assert result.exit_code == 2 and ".copier-answers.yml" in result.output


def test_update_changes_an_answer_and_keeps_edits(tmp_path: Path, template_copy: Path) -> None:
    git(template_copy, "tag", "v1.0.0")
    dest = tmp_path / "proj"
    assert new(dest, "--gates", "none", template=template_copy).exit_code == 0
    readme = dest / "README.md"
    readme.write_text(readme.read_text() + "\nOur team's notes.\n")
    git(dest, "commit", "-qam", "notes")
    result = invoke("update", dest, "--set", "ci_provider=gitlab", "--vcs-ref", "HEAD")
    assert result.exit_code == 0, result.output
    assert (dest / ".gitlab-ci.yml").is_file()
    assert not (dest / ".github/workflows/ci.yml").exists()
    assert "Our team's notes." in readme.read_text()


def test_update_rejects_a_bad_answer(tmp_path: Path) -> None:
    dest = tmp_path / "proj"
    assert new(dest, "--gates", "none").exit_code == 0
    result = invoke("update", dest, "--set", "problem_type=ranking")
    assert result.exit_code == 2 and "problem_type='ranking'" in result.output


def test_options_json_lists_questions_modes_and_rules() -> None:
    result = invoke("options", "--json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data == json.loads(json.dumps(schema.options()))


def test_options_text_names_every_question() -> None:
    result = invoke("options")
    assert result.exit_code == 0
    for q in schema.QUESTIONS:
        assert q.name in result.output
    assert "forbids" in result.output
    for cloud, renders in schema.CLOUD_RENDERS.items():  # what each cloud renders
        assert f"  {cloud}: {renders}" in result.output


def test_new_from_a_clone_renders_this_checkout_at_head(tmp_path: Path) -> None:
    """Without --template, a clone renders itself at HEAD and says so."""
    dest = tmp_path / "proj"
    result = invoke("new", dest, "--defaults", "--gates", "none")
    assert result.exit_code == 0, result.output
    head = git(ROOT, "rev-parse", "--short", "HEAD").strip()
    assert f"this checkout {ROOT} @ HEAD (commit {head}" in result.output
    recorded = yaml.safe_load((dest / ".copier-answers.yml").read_text())
    assert Path(recorded["_src_path"]).resolve() == ROOT


def test_an_installed_release_renders_the_canonical_template_at_its_tag(
    tmp_path: Path, template_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ml_scaffold
    from ml_scaffold import __version__

    git(template_copy, "tag", f"v{__version__}")
    monkeypatch.setattr(ml_scaffold, "checkout_root", lambda: None)
    monkeypatch.setattr(ml_scaffold, "CANONICAL_TEMPLATE", str(template_copy))
    dest = tmp_path / "proj"
    result = invoke("new", dest, "--defaults", "--gates", "none")
    assert result.exit_code == 0, result.output
    assert f"{template_copy} @ v{__version__}" in result.output
    recorded = yaml.safe_load((dest / ".copier-answers.yml").read_text())
    assert recorded["_commit"] == f"v{__version__}"


@pytest.mark.parametrize(
    ("canonical", "named"),
    [
        ("file:///nonexistent/ml-scaffold.git", "file:///nonexistent/ml-scaffold.git"),
        ("/nonexistent/ml-scaffold", "/nonexistent/ml-scaffold"),
        ("TEMPLATE_COPY", "has no ref 'v"),  # the release's tag does not exist there
    ],
)
def test_an_unreachable_source_fails_naming_it_and_template(
    tmp_path: Path,
    template_copy: Path,
    monkeypatch: pytest.MonkeyPatch,
    canonical: str,
    named: str,
) -> None:
    import ml_scaffold

    source = str(template_copy) if canonical == "TEMPLATE_COPY" else canonical
    monkeypatch.setattr(ml_scaffold, "checkout_root", lambda: None)
    monkeypatch.setattr(ml_scaffold, "CANONICAL_TEMPLATE", source)
    dest = tmp_path / "proj"
    result = invoke("new", dest, "--defaults", "--gates", "none")
    assert result.exit_code == 1, result.output
    assert named in result.output and source in result.output
    assert "--template" in result.output
    assert not dest.exists()


def test_a_slug_colliding_with_a_stack_folder_is_refused_before_writing(tmp_path: Path) -> None:
    dest = tmp_path / "proj"
    result = new(dest, "--set", "orchestrator=prefect", "--set", "project_slug=prefect_flows")
    assert result.exit_code == 2, result.output
    assert "project_slug 'prefect_flows'" in result.output
    assert not dest.exists()
