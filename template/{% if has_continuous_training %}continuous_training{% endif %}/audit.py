"""The append-only audit log: one JSON object per line, each chained to the one before by the
SHA-256 of that line, so an edited or deleted entry shows (`verify`)."""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

GENESIS = "0" * 64


def _last_line(path: Path) -> str | None:
    if not path.is_file() or path.stat().st_size == 0:
        return None
    with path.open("rb") as fh:
        lines = fh.read().splitlines()
    return lines[-1].decode("utf-8") if lines else None


def append(path: Path, event: str, **fields: Any) -> dict[str, Any]:
    """Append one entry; returns it. Opened with O_APPEND: earlier lines are never rewritten."""
    path.parent.mkdir(parents=True, exist_ok=True)
    last = _last_line(path)
    entry = {
        "id": uuid.uuid4().hex,
        "at": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "event": event,
        **fields,
        "prev": hashlib.sha256(last.encode()).hexdigest() if last else GENESIS,
    }
    line = json.dumps(entry, default=str, sort_keys=False) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode("utf-8"))
    finally:
        os.close(fd)
    return entry


def read(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def verify(path: Path) -> list[str]:
    """Problems with the chain (empty when every entry links to the line before it)."""
    problems, previous = [], None
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    for number, line in enumerate(lines, 1):
        expected = hashlib.sha256(previous.encode()).hexdigest() if previous else GENESIS
        if json.loads(line).get("prev") != expected:
            problems.append(f"line {number}: does not follow line {number - 1}")
        previous = line
    return problems
