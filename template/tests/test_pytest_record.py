"""The gates reuse `make test`'s results only for whole files on an unchanged source tree."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from quality_gates import pytest_record
from quality_gates.core import FAIL, PASS, run_tests

TESTS = {
    "tests/test_a.py": "def test_one():\n    pass\n\n\ndef test_two():\n    pass\n",
    "tests/test_b.py": "def test_fine():\n    pass\n\n\ndef test_broken():\n    assert 1 == 2\n",
    "tests/test_c.py": "import pytest\n\n\n@pytest.mark.skip\ndef test_later():\n    pass\n",
    # Passes under `make test` (-m "not slow"); fails whole, as `make test-all` runs it.
    "tests/test_d.py": (
        "import pytest\n\n\ndef test_fast():\n    pass\n\n\n"
        "@pytest.mark.slow\ndef test_slow_part():\n    assert 1 == 2\n"
    ),
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A git work tree whose pytest loads the recorder, as a generated project's does."""
    (tmp_path / "pyproject.toml").write_text(
        '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n'
        'addopts = "-p quality_gates.pytest_record"\n'
        'markers = ["slow: left out by make test"]\n'
    )
    (tmp_path / ".gitignore").write_text("reports/\n__pycache__/\n.pytest_cache/\n")
    for rel, text in TESTS.items():
        (tmp_path / rel).parent.mkdir(exist_ok=True)
        (tmp_path / rel).write_text(text)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    return tmp_path


def pytest_in(root: Path, *args: str) -> int:
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args]
    # The project's other pytest plugins (hypothesis, schemathesis, ...) only slow this down.
    env = os.environ | {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    return subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True).returncode


def test_a_whole_run_is_recorded_per_file_and_reused_by_the_gates(project: Path) -> None:
    assert pytest_in(project) == 1
    a = pytest_record.lookup(project, ["tests/test_a.py"])
    assert a is not None and (a["passed"], a["failed"]) == (2, 0)
    b = pytest_record.lookup(project, ["tests/test_b.py", "tests/test_c.py"])
    assert b is not None and (b["passed"], b["failed"], b["skipped"]) == (1, 1, 1)
    assert b["failures"] == ["tests/test_b.py::test_broken"]

    reused = run_tests(project, "tests", ["tests/test_a.py"], timeout=60)
    assert reused.status == PASS and "not re-run" in reused.detail
    failed = run_tests(project, "tests", ["tests/test_b.py"], timeout=60)
    assert failed.status == FAIL and "test_broken" in failed.detail


@pytest.mark.slow
def test_a_changed_file_anywhere_in_the_tree_means_a_re_run(project: Path) -> None:
    assert pytest_in(project) == 1
    (project / "tests/test_a.py").write_text("def test_one():\n    assert False\n")
    assert pytest_record.lookup(project, ["tests/test_a.py"]) is None
    rerun = run_tests(project, "tests", ["tests/test_a.py"], timeout=60)
    assert rerun.status == FAIL and "not re-run" not in rerun.detail

    assert pytest_in(project) == 1
    (project / "new_module.py").write_text("VALUE = 1\n")  # untracked but not ignored: counts
    assert pytest_record.lookup(project, ["tests/test_c.py"]) is None


def test_outputs_git_ignores_do_not_invalidate_the_record(project: Path) -> None:
    assert pytest_in(project) == 1
    (project / "reports/other.json").write_text("{}")
    assert pytest_record.lookup(project, ["tests/test_a.py"]) is not None


@pytest.mark.parametrize(
    "args",
    [["-k", "one"], ["tests/test_a.py::test_one"], ["-x"], ["-m", "not slow"]],
    ids=["keyword", "node-id", "stopped-early", "marker"],
)
def test_a_file_that_did_not_run_whole_is_not_recorded(project: Path, args: list[str]) -> None:
    # -x stops at test_b's failure; test_a runs whole before it, test_c never starts.
    pytest_in(project, *args)
    unfinished = {"-x": "tests/test_c.py", "-m": "tests/test_d.py"}.get(args[0], "tests/test_a.py")
    assert pytest_record.lookup(project, [unfinished]) is None


@pytest.mark.slow
def test_the_gates_run_what_make_test_left_out_as_slow(project: Path) -> None:
    """`make test` passes without the slow test; the gate runs the whole file and fails."""
    assert pytest_in(project, "-m", "not slow", "tests/test_d.py") == 0
    gate = run_tests(project, "tests", ["tests/test_d.py"], timeout=60)
    assert gate.status == FAIL and "not re-run" not in gate.detail
    # `make test-all` runs the file whole: its record is what the gates reuse.
    assert pytest_in(project, "tests/test_d.py") == 1
    reused = run_tests(project, "tests", ["tests/test_d.py"], timeout=60)
    assert reused.status == FAIL and "test_slow_part" in reused.detail
    assert "not re-run" in reused.detail


def test_runs_on_the_same_tree_add_up_and_a_new_tree_starts_over(project: Path) -> None:
    pytest_in(project, "tests/test_a.py")
    pytest_in(project, "tests/test_c.py")
    assert pytest_record.lookup(project, ["tests/test_a.py", "tests/test_c.py"]) is not None
    (project / "tests/test_c.py").write_text("def test_later():\n    pass\n")
    pytest_in(project, "tests/test_c.py")
    record = json.loads((project / pytest_record.RECORD).read_text())
    assert set(record["files"]) == {"tests/test_c.py"}


def test_nothing_is_recorded_outside_a_git_work_tree(project: Path) -> None:
    subprocess.run(["rm", "-rf", str(project / ".git")], check=True)
    pytest_in(project)
    assert not (project / pytest_record.RECORD).exists()


def test_the_environment_variable_forces_a_re_run(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest_in(project)
    monkeypatch.setenv(pytest_record.RERUN_ENV, "1")
    assert pytest_record.lookup(project, ["tests/test_a.py"]) is None


@pytest.mark.slow  # two pytest subprocesses
def test_a_run_in_which_no_test_passed_fails(project: Path) -> None:
    (project / "tests/test_empty.py").write_text('"""Tests to come."""\n')
    empty = run_tests(project, "tests", ["tests/test_empty.py"], timeout=60)
    assert empty.status == FAIL and "no test ran" in empty.detail
    # Every test skipped: by pytest itself, then by the record that run left.
    skipped = run_tests(project, "tests", ["tests/test_c.py"], timeout=60)
    assert skipped.status == FAIL and "no test ran" in skipped.detail
    assert "not re-run" not in skipped.detail
    recorded = run_tests(project, "tests", ["tests/test_c.py"], timeout=60)
    assert recorded.status == FAIL and "no test ran" in recorded.detail
    assert "not re-run" in recorded.detail
    # One test passing beside a skipped one is a pass.
    both = run_tests(project, "tests", ["tests/test_a.py", "tests/test_c.py"], timeout=60)
    assert both.status == PASS, both.detail
