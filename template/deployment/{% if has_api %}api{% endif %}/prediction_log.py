"""Prediction logging: one JSON line per predicted row (features, prediction, model version,
timestamp, request id), buffered and appended to `<dir>/<date>/predictions-<pid>.jsonl`.

Each worker process writes its own file, so lines never interleave. The monitoring phase reads
these files to compare serving data with the training data.
"""

from __future__ import annotations

import asyncio
import json
import os
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

FLUSH_ROWS = 512
FLUSH_SECONDS = 1.0


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


class PredictionLog:
    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self._buffer: list[str] = []
        self._task: asyncio.Task[None] | None = None

    @property
    def enabled(self) -> bool:
        return self.directory is not None

    def add(
        self,
        request_id: str,
        model: dict[str, str],
        rows: list[dict[str, Any]],
        outputs: list[dict[str, Any]],
    ) -> None:
        if self.directory is None:
            return
        now = datetime.now(UTC).isoformat(timespec="milliseconds")
        for features, output in zip(rows, outputs, strict=True):
            record = {"ts": now, "request_id": request_id, **model, "features": features, **output}
            self._buffer.append(json.dumps(record, default=_default))
        if len(self._buffer) >= FLUSH_ROWS:
            self.flush()

    def flush(self) -> int:
        """Write what is buffered; returns the number of rows written."""
        if not self._buffer or self.directory is None:
            return 0
        lines, self._buffer = self._buffer, []
        folder = self.directory / datetime.now(UTC).date().isoformat()
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / f"predictions-{os.getpid()}.jsonl").open("a", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")
        return len(lines)

    def start(self) -> None:
        if self.directory is not None and self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._every_second())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
        self.flush()

    async def _every_second(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            self.flush()
