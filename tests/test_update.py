"""Releases are git tags: `copier update` from one tag to the next keeps the user's edits."""

from __future__ import annotations

import shutil
from pathlib import Path

import copier
import pytest
import yaml
from conftest import ROOT, git, render


def test_update_between_tags_keeps_edits_and_brings_template_changes(
    tmp_path: Path, template_copy: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    git(template_copy, "tag", "v1.0.0")
    project = tmp_path / "proj"
    copier.run_copy(
        str(template_copy), project, defaults=True, unsafe=True, vcs_ref="v1.0.0", quiet=True
    )
    # The user edits a generated file and commits.
    makefile = project / "Makefile"
    makefile.write_text(makefile.read_text() + "\nmine:  ## the user's own target\n\techo mine\n")
    git(project, "commit", "-qam", "add my target")
    commits_before = git(project, "rev-list", "--count", "HEAD")

    # The template improves its README and is released as v1.1.0.
    readme = template_copy / "template/README.md.jinja"
    readme.write_text(readme.read_text() + "\n## Support\n\nAsk the platform team.\n")
    git(template_copy, "commit", "-qam", "document support")
    git(template_copy, "tag", "v1.1.0")

    capfd.readouterr()
    copier.run_update(project, defaults=True, overwrite=True, unsafe=True, quiet=True)
    out = capfd.readouterr()

    assert "the user's own target" in makefile.read_text()
    assert "Ask the platform team." in (project / "README.md").read_text()
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["_commit"] == "v1.1.0"
    # The post-generation hook runs once per copy: not during the update's internal renders.
    assert "ml-scaffold:" not in out.out + out.err
    assert git(project, "rev-list", "--count", "HEAD") == commits_before


def test_a_generated_migration_runs_when_updating_across_its_version(
    tmp_path: Path,
    template_copy: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """A `Migration` in the schema becomes a `_migrations` entry that Copier runs on update:
    the answer is renamed in the project's answers file and the note is printed."""
    from ml_scaffold import copier_config, schema

    git(template_copy, "tag", "v1.0.0")
    project = tmp_path / "proj"
    copier.run_copy(
        str(template_copy), project, defaults=True, unsafe=True, vcs_ref="v1.0.0", quiet=True
    )
    # v1.1.0 renames the answer `description` to `summary` and notes it.
    monkeypatch.setattr(
        schema,
        "MIGRATIONS",
        (
            schema.Migration(
                "v1.1.0",
                "description is now summary",
                renames=(("description", "summary"),),
                note="NOTE-1.1: description is now summary",
                note_when=("execution_mode", ("standard",)),
            ),
        ),
    )
    config_path = template_copy / "copier.yml"
    config = yaml.safe_load(config_path.read_text())
    config["_migrations"] = copier_config.build()["_migrations"]
    config["summary"] = config.pop("description")
    config_path.write_text(yaml.safe_dump(config, sort_keys=False))
    for path in (template_copy / "template").rglob("*.jinja"):
        text = path.read_text()
        if "description" in text:
            path.write_text(text.replace("{{ description", "{{ summary"))
    git(template_copy, "commit", "-qam", "rename description to summary")
    git(template_copy, "tag", "v1.1.0")

    capfd.readouterr()
    copier.run_update(project, defaults=True, overwrite=True, unsafe=True, quiet=True)
    out = capfd.readouterr()
    assert "NOTE-1.1: description is now summary" in out.out + out.err
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["_commit"] == "v1.1.0"
    assert "description" not in answers
    assert answers["summary"] == schema.FREE_TEXT_DEFAULTS["description"]


def test_rendering_from_a_tag_records_it(tmp_path: Path, template_copy: Path) -> None:
    git(template_copy, "tag", "v2.0.0")
    project = render(tmp_path / "p", src=template_copy)
    assert yaml.safe_load((project / ".copier-answers.yml").read_text())["_commit"] == "v2.0.0"


# The state of this repository when the release procedure began: what a project made from the
# first release (v0.1.0) was rendered from. `copier update` must bring such a project to HEAD.
EARLIER_RELEASE = ("a9819c3", "v0.1.0")


def _template_repo_at(root: Path, commit: str, dst: Path) -> None:
    """Write `commit` of this repository into `dst` (a git repository) and commit it there."""
    import io
    import subprocess
    import tarfile

    for child in dst.iterdir():
        if child.name != ".git":
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    archive = subprocess.run(
        ["git", "archive", "--format=tar", commit], cwd=root, capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(dst, filter="data")
    git(dst, "add", "-A")
    git(dst, "commit", "-qm", f"template at {commit}", "--allow-empty")


@pytest.mark.slow
def test_a_project_from_an_earlier_release_updates_to_head_and_still_passes_its_tests(
    tmp_path: Path,
) -> None:
    """Render at the earlier real state (tagged v0.1.0 in a temporary copy), edit as a user
    would, update to this checkout's HEAD (tagged v0.2.0 there), then run `make test`."""
    import os
    import subprocess

    commit, old_tag = EARLIER_RELEASE
    repo = tmp_path / "template-repo"
    repo.mkdir()
    git(tmp_path, "init", "-q", "-b", "main", str(repo))
    _template_repo_at(ROOT, commit, repo)
    git(repo, "tag", old_tag)

    project = tmp_path / "proj"
    copier.run_copy(
        str(repo),
        project,
        data={"project_name": "Churn Model", "post_generation_gates": "none"},
        defaults=True,
        unsafe=True,
        vcs_ref=old_tag,
        quiet=True,
    )
    assert git(project, "rev-list", "--count", "HEAD").strip() == "1"  # the hook's first commit

    # The user's edits: code, a config value, a deleted document, new files.
    settings = project / "churn_model" / "settings.py"
    settings.write_text(
        settings.read_text()
        + '\n\ndef team_owner() -> str:\n    """Who answers for this model."""\n'
        + '    return "risk-analytics"\n'
    )
    data_config = project / "configs" / "data.yaml"
    # Edited in place, as in an editor: comments and layout stay (a YAML re-dump would rewrite
    # every comment line and conflict with any comment the template changes).
    text = data_config.read_text()
    assert "max_quarantine_fraction: 0.2\n" in text
    data_config.write_text(
        text.replace("max_quarantine_fraction: 0.2\n", "max_quarantine_fraction: 0.25\n")
    )
    (project / "docs" / "orchestration.md").unlink()  # one the gates do not require
    (project / "docs" / "decisions.md").write_text("# Decisions\n\n- We own the model.\n")
    (project / "tests" / "test_team.py").write_text(
        "from churn_model.settings import team_owner\n\n\n"
        "def test_team_owner() -> None:\n"
        '    assert team_owner() == "risk-analytics"\n'
    )
    git(project, "add", "-A")
    git(project, "commit", "-qm", "our edits")

    # The next release: this checkout's HEAD, tagged v0.2.0 in the same temporary repository.
    _template_repo_at(ROOT, "HEAD", repo)
    git(repo, "tag", "v0.2.0")
    copier.run_update(project, defaults=True, overwrite=True, unsafe=True, quiet=True)

    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["_commit"] == "v0.2.0"
    status = git(project, "status", "--porcelain")
    conflicted = [
        str(p.relative_to(project))
        for p in project.rglob("*")
        if p.is_file()
        and ".git" not in p.parts
        and (p.suffix == ".rej" or "<<<<<<< " in p.read_text(errors="ignore"))
    ]
    assert not conflicted, f"the update left conflicts in {conflicted}:\n{status}"
    assert "def team_owner()" in settings.read_text()
    assert yaml.safe_load(data_config.read_text())["quality"]["max_quarantine_fraction"] == 0.25
    assert not (project / "docs" / "orchestration.md").exists(), "a deleted document came back"
    assert (project / "docs" / "decisions.md").is_file()
    assert (project / "tests" / "test_team.py").is_file()
    # Everything the user did not touch is what a fresh render of v0.2.0 writes: the update
    # brought every template change in, and left nothing of v0.1.0 behind.
    fresh = tmp_path / "fresh"
    # With the project's recorded answers: an update keeps them even where a default changed
    # since (the standard preset's feature_store became feast after v0.1.0).
    recorded = yaml.safe_load((project / ".copier-answers.yml").read_text())
    copier.run_copy(
        str(repo),
        fresh,
        data={
            **{k: v for k, v in recorded.items() if not k.startswith("_")},
            "project_name": "Churn Model",
            "post_generation_gates": "none",
        },
        defaults=True,
        unsafe=True,
        vcs_ref="v0.2.0",
        skip_tasks=True,
        quiet=True,
    )
    edited = {"churn_model/settings.py", "configs/data.yaml", ".copier-answers.yml"}
    added = {"docs/decisions.md", "tests/test_team.py"}
    deleted = {"docs/orchestration.md"}

    def files(root: Path) -> set[str]:
        return {
            str(p.relative_to(root))
            for p in root.rglob("*")
            if p.is_file() and ".git" not in p.relative_to(root).parts
        }

    assert files(project) == (files(fresh) | added) - deleted
    for rel in files(fresh) - edited - deleted:
        assert (project / rel).read_bytes() == (fresh / rel).read_bytes(), rel
    git(project, "add", "-A")
    git(project, "commit", "-qm", "update to v0.2.0")

    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"} | {
        "UV_PYTHON_DOWNLOADS": "never",
        "MLFLOW_DISABLE_TELEMETRY": "true",
    }
    for target in ("setup", "test"):
        done = subprocess.run(
            ["make", target], cwd=project, env=env, capture_output=True, text=True, timeout=1800
        )
        assert done.returncode == 0, f"make {target}:\n{done.stdout[-4000:]}\n{done.stderr[-2000:]}"
