"""Releases are git tags: `copier update` from one tag to the next keeps the user's edits."""

from __future__ import annotations

from pathlib import Path

import copier
import pytest
import yaml
from conftest import git, render


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


def test_rendering_from_a_tag_records_it(tmp_path: Path, template_copy: Path) -> None:
    git(template_copy, "tag", "v2.0.0")
    project = render(tmp_path / "p", src=template_copy)
    assert yaml.safe_load((project / ".copier-answers.yml").read_text())["_commit"] == "v2.0.0"
