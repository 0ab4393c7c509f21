"""Read the API's prediction log (`<dir>/<date>/predictions-<pid>.jsonl`, one JSON line per
predicted row) into one frame: the logged features as columns, then the model's outputs."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd

OUTPUT_COLUMNS = (
    "ts",
    "request_id",
    "model_name",
    "model_version",
    "prediction",
    "probability",
    "probabilities",
)


def log_files(directory: Path, days: int | None, today: date | None = None) -> list[Path]:
    """The log files of the last `days` days (every day when None), oldest first."""
    if not directory.is_dir():
        return []
    today = today or datetime.now(UTC).date()
    first = today - timedelta(days=days - 1) if days else date.min
    files = []
    for folder in sorted(p for p in directory.iterdir() if p.is_dir()):
        try:
            day = date.fromisoformat(folder.name)
        except ValueError:
            continue
        if first <= day <= today:
            files += sorted(folder.glob("predictions-*.jsonl"))
    return files


def read(directory: Path, days: int | None = None, today: date | None = None) -> pd.DataFrame:
    """Every logged row of the window; an empty frame (output columns only) when there is none."""
    features: list[dict[str, object]] = []
    outputs: list[dict[str, object]] = []
    for path in log_files(directory, days, today):
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                if not line.strip():
                    continue
                record = json.loads(line)
                features.append(record.get("features") or {})
                outputs.append({c: record.get(c) for c in OUTPUT_COLUMNS})
    if not outputs:
        return pd.DataFrame(columns=list(OUTPUT_COLUMNS))
    frame = pd.concat([pd.DataFrame(features), pd.DataFrame(outputs)], axis=1)
    frame["model_version"] = frame["model_version"].astype(str)
    frame["ts"] = pd.to_datetime(frame["ts"], utc=True)
    return frame
