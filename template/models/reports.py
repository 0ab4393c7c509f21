"""The JSON reports the model steps leave under reports/, so each step can run alone."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

TRAINING = "training.json"
EVALUATION = "evaluation.json"
INTERPRETABILITY = "interpretability/explanations.json"
REGISTRATION = "registration.json"


def write(reports_dir: Path, name: str, payload: dict[str, Any]) -> Path:
    path = reports_dir / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
    return path


def read(reports_dir: Path, name: str, step: str) -> dict[str, Any]:
    """A report an earlier step wrote; a clear error naming that step when it is missing."""
    path = reports_dir / name
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: run the {step} step first (make pipeline)")
    return json.loads(path.read_text(encoding="utf-8"))
