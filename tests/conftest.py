"""Shared fixtures: render the template from this checkout with Copier's Python API."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True, scope="session")
def _isolated_copier_settings(tmp_path_factory: pytest.TempPathFactory) -> None:
    """No user-level Copier settings (trusted repos, defaults) may leak into the tests."""
    settings = tmp_path_factory.mktemp("copier-settings") / "settings.yml"
    settings.write_text("{}\n")
    os.environ["COPIER_SETTINGS_PATH"] = str(settings)
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("GIT_AUTHOR_NAME", "ml-scaffold tests")
    os.environ.setdefault("GIT_AUTHOR_EMAIL", "tests@example.com")
    os.environ.setdefault("GIT_COMMITTER_NAME", "ml-scaffold tests")
    os.environ.setdefault("GIT_COMMITTER_EMAIL", "tests@example.com")


def render(dst: Path, src: Path | str = ROOT, *, tasks: bool = False, **data: Any) -> Path:
    """Render the template at HEAD (tasks skipped unless asked) and return the project dir."""
    import copier

    copier.run_copy(
        str(src),
        dst,
        data=data,
        defaults=True,
        unsafe=True,
        vcs_ref="HEAD",
        skip_tasks=not tasks,
        quiet=True,
    )
    return dst


def git(cwd: Path, *args: str) -> str:
    out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return out.stdout


@pytest.fixture
def template_copy(tmp_path: Path) -> Path:
    """A throwaway git repository holding this template, to tag and change in a test."""
    dst = tmp_path / "template-repo"
    tracked = git(ROOT, "ls-files", "-z").split("\0")
    for rel in filter(None, tracked):
        src = ROOT / rel
        if src.is_file():
            (dst / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst / rel)
    git(dst.parent, "init", "-q", "-b", "main", str(dst))
    git(dst, "add", "-A")
    git(dst, "commit", "-qm", "template v1")
    return dst


# The installed projects are the suite's long poles; the spark project's is the longest (Spark
# jobs in most of its tests). xdist's worksteal splits the collection between the workers and then
# steals from the end of a busy worker's queue: starting the long ones first keeps the last
# minutes from being one project on one worker while the other sits idle.
def _longest_first(item: pytest.Item) -> int:
    if item.get_closest_marker("slow") is None:
        return 2
    return 0 if "spark" in item.nodeid else 1


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=_longest_first)  # stable: the order within each group is kept
