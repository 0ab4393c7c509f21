"""Project settings: paths and the configs under `configs/`, loaded once per run."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from models.metrics import check_experiment

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Settings:
    """Where things live. Every path is absolute; `root` defaults to the project directory."""

    root: Path = ROOT
    data_config_path: Path | None = None
    experiment_config_path: Path | None = None
    overrides: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.root = Path(self.root).resolve()
        self.data_config_path = Path(self.data_config_path or self.root / "configs/data.yaml")
        self.experiment_config_path = Path(
            self.experiment_config_path or self.root / "configs/experiment.yaml"
        )

    @cached_property
    def data(self) -> dict[str, Any]:
        """configs/data.yaml: the source, target, id, timestamp and feature columns."""
        config = _read_yaml(self.data_config_path)
        config.update(self.overrides.get("data", {}))
        return config

    @cached_property
    def experiment(self) -> dict[str, Any]:
        """configs/experiment.yaml: models, search budget, cross-validation, registry.

        The primary metric must be one the trainer computes for the problem type (the metric
        registry, models/metrics.py): a typo fails here, not after an hour of tuning.
        """
        config = _read_yaml(self.experiment_config_path)
        config.update(self.overrides.get("experiment", {}))
        check_experiment(config, str(self.experiment_config_path))
        return config

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def reports_dir(self) -> Path:
        return self.root / "reports"

    @property
    def tracking_uri(self) -> str:
        """MLFLOW_TRACKING_URI, or an sqlite store inside the project."""
        return os.environ.get("MLFLOW_TRACKING_URI", f"sqlite:///{self.root / 'mlflow.db'}")


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise FileNotFoundError(f"config file not found: {path}")
    with path.open(encoding="utf-8") as fh:
        loaded = yaml.safe_load(fh) or {}
    if not isinstance(loaded, dict):
        raise ValueError(f"{path} must hold a mapping at the top level")
    return loaded
