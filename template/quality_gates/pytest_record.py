"""Test results recorded per file, so the gates need not re-run tests `make test`/`test-all` ran.

A pytest plugin (enabled in `[tool.pytest.ini_options]`) writes `reports/pytest_record.json` after
each session: the outcome of every test file it ran completely, keyed by a fingerprint of the
source tree (every file git does not ignore) and the interpreter. A gate asking for some test files
reuses the record only when the fingerprint still matches and each file ran whole - no `-k`,
`-m`, node-id selection, deselection or early stop. Anything else, or
`QUALITY_GATES_RERUN_TESTS=1`, runs the tests again. Outside a git repository nothing is recorded.

Standard library only: the static gates import this module under `python -S`.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

RECORD = Path("reports/pytest_record.json")
RERUN_ENV = "QUALITY_GATES_RERUN_TESTS"


def source_fingerprint(root: Path) -> str | None:
    """A hash of every file git does not ignore under `root` (outputs are ignored), or None."""
    try:
        top = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"], cwd=root, capture_output=True, text=True
        )
        if top.returncode or Path(top.stdout.strip()).resolve() != root.resolve():
            return None
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=root,
            capture_output=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    digest = hashlib.sha256(sys.version.encode())
    for rel in sorted(set(filter(None, listed.stdout.decode().split("\0")))):
        path = root / rel
        if path.is_file():
            digest.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def lookup(root: Path, files: list[str]) -> dict[str, Any] | None:
    """Recorded outcomes of `files` on the current tree, or None when they must run again."""
    if os.environ.get(RERUN_ENV, "").strip().lower() in {"1", "true", "yes"}:
        return None
    try:
        record = json.loads((root / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    recorded = record.get("files", {}) if isinstance(record, dict) else {}
    if not files or any(f not in recorded for f in files):
        return None
    if record.get("fingerprint") != source_fingerprint(root):
        return None
    total = {"passed": 0, "failed": 0, "skipped": 0, "failures": [], "at": {}}
    for f in files:
        for key in ("passed", "failed", "skipped"):
            total[key] += int(recorded[f][key])
        total["failures"] += recorded[f]["failures"]
        total["at"][f] = recorded[f]["at"]
    return total


def summary(outcome: dict[str, Any]) -> str:
    parts = [f"{outcome[k]} {k}" for k in ("failed", "passed", "skipped") if outcome[k]]
    when = time.strftime("%H:%M:%S", time.localtime(min(outcome["at"].values())))
    text = ", ".join(parts) or "no tests"
    if outcome["failures"]:
        text += ": " + ", ".join(outcome["failures"][:5])
    return f"{text} (recorded by pytest at {when} on this source tree; not re-run)"


class Recorder:
    """Counts outcomes per test file during a session and saves the complete files."""

    def __init__(self, config: Any) -> None:
        self.root = Path(str(config.rootpath))
        self.fingerprint = source_fingerprint(self.root)
        # Files narrowed to some of their tests on the command line are never complete.
        self.partial = {a.split("::")[0] for a in config.args if "::" in a}
        self.items: dict[str, int] = {}
        self.outcomes: dict[str, dict[str, str]] = {}
        self.broken: set[str] = set()

    def file_of(self, nodeid: str) -> str:
        return nodeid.split("::")[0]

    def pytest_deselected(self, items: list[Any]) -> None:
        self.partial.update(self.file_of(item.nodeid) for item in items)

    def pytest_collectreport(self, report: Any) -> None:
        if report.failed:
            self.broken.add(self.file_of(report.nodeid))

    def pytest_collection_finish(self, session: Any) -> None:
        for item in session.items:
            name = self.file_of(item.nodeid)
            self.items[name] = self.items.get(name, 0) + 1

    def pytest_runtest_logreport(self, report: Any) -> None:
        seen = self.outcomes.setdefault(self.file_of(report.nodeid), {})
        if report.failed:
            seen[report.nodeid] = "failed"
        elif report.skipped and seen.get(report.nodeid) != "failed":
            seen[report.nodeid] = "skipped"
        elif report.when == "call" and report.nodeid not in seen:
            seen[report.nodeid] = "passed"

    def pytest_sessionfinish(self, session: Any) -> None:
        if self.fingerprint is None:
            return
        now = time.time()
        complete: dict[str, Any] = {}
        for name in self.broken:
            complete[name] = {"passed": 0, "failed": 1, "skipped": 0, "failures": [name], "at": now}
        for name, count in self.items.items():
            seen = self.outcomes.get(name, {})
            if name in self.partial or name in complete or len(seen) != count:
                continue
            states = list(seen.values())
            complete[name] = {
                "passed": states.count("passed"),
                "failed": states.count("failed"),
                "skipped": states.count("skipped"),
                "failures": sorted(n for n, s in seen.items() if s == "failed"),
                "at": now,
            }
        if not complete:
            return
        path = self.root / RECORD
        try:
            old = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            old = {}
        same_tree = isinstance(old, dict) and old.get("fingerprint") == self.fingerprint
        files = {**(old.get("files", {}) if same_tree else {}), **complete}
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"fingerprint": self.fingerprint, "files": files}, indent=1))
        tmp.replace(path)


def pytest_configure(config: Any) -> None:
    # Not under pytest-xdist workers: their controller sees every report.
    if not hasattr(config, "workerinput"):
        config.pluginmanager.register(Recorder(config), "quality_gates_pytest_record")
