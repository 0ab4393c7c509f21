"""What a gate check returns and what a phase gets to work with."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from quality_gates import pytest_record

PASS, FAIL, SKIP = "pass", "fail", "skip"


@dataclass
class Check:
    name: str
    status: str
    detail: str = ""
    value: Any = None
    threshold: Any = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def measured(name: str, value: float, threshold: float, *, at_least: bool, detail: str) -> Check:
    """A check that compares a measured value with its threshold."""
    ok = value >= threshold if at_least else value <= threshold
    return Check(name, PASS if ok else FAIL, detail, value, threshold)


@dataclass
class Context:
    root: Path
    config: dict[str, Any]
    answers: dict[str, str]
    static: bool = False

    def setting(self, phase: str, key: str) -> Any:
        """A threshold or setting of `[tool.quality_gates.<phase>]` in pyproject.toml.

        That table is the only place a gate's numbers live: no gate keeps a default of its own,
        so a deleted key fails the check that needs it, naming the key.
        """
        section = self.config.get(phase, {})
        if key not in section:
            raise MissingSetting(
                f"pyproject.toml: [tool.quality_gates.{phase}] has no `{key}`; add it back"
            )
        return section[key]


class MissingSetting(LookupError):
    """A gate setting that pyproject.toml's [tool.quality_gates] does not hold."""


@dataclass
class PhaseGate:
    """A phase's checks. Static checks use only the standard library."""

    static_checks: list[Callable[[Context], Check | list[Check]]] = field(default_factory=list)
    full_checks: list[Callable[[Context], Check | list[Check]]] = field(default_factory=list)
    # Set while the phase's issue has not made it real; the phase then reports `skip`.
    not_built: str | None = None


def phase_status(checks: list[Check]) -> str:
    if any(c.status == FAIL for c in checks):
        return FAIL
    if checks and all(c.status == SKIP for c in checks):
        return SKIP
    return PASS if checks else SKIP


def read_config(root: Path) -> dict[str, Any]:
    with (root / "pyproject.toml").open("rb") as fh:
        return tomllib.load(fh).get("tool", {}).get("quality_gates", {})


def read_answers(root: Path) -> dict[str, str]:
    """The scalar answers recorded by Copier, read without a YAML library.

    Copier writes one `key: value` per line; only plain values (choices and identifiers) are
    needed here, so quoted free text is unquoted and anything else is kept as written.
    """
    path = root / ".copier-answers.yml"
    answers: dict[str, str] = {}
    if not path.is_file():
        return answers
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith(("#", " ", "-")) or ":" not in line:
            continue
        key, _, value = line.partition(":")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        answers[key.strip()] = value
    return answers


def matching_files(root: Path, patterns: list[str]) -> list[str]:
    """Test files under `root` matching any of the glob `patterns`, sorted."""
    return sorted({str(p.relative_to(root)) for pat in patterns for p in root.glob(pat)})


def run_tests(root: Path, name: str, files: list[str], timeout: int) -> Check:
    """A check that passes when pytest passes on `files` in the project's own interpreter.

    Results `make test` recorded for these files on the same source tree are used instead of a
    re-run (see `pytest_record`).
    """
    if not files:
        return Check(name, FAIL, "no test file found")
    # `make test` records its results per file; on an unchanged source tree they stand.
    recorded = pytest_record.lookup(root, files)
    if recorded is not None:
        return Check(name, FAIL if recorded["failed"] else PASS, pytest_record.summary(recorded))
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *files],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    lines = [ln for ln in (done.stdout.strip() or done.stderr.strip()).splitlines() if ln.strip()]
    summary = lines[-1] if lines else "no output"
    return Check(name, PASS if done.returncode == 0 else FAIL, summary)
