"""Where each data layer lives under `data/`, and the content hash that names a dataset version."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from data_ingestion import engine


@dataclass(frozen=True)
class Layers:
    """raw -> validated -> features, plus quarantine, reference statistics and landing."""

    data_dir: Path

    @property
    def landing(self) -> Path:
        return self.data_dir / "landing"

    @property
    def raw(self) -> Path:
        return self.data_dir / "raw"

    @property
    def raw_manifest(self) -> Path:
        return self.raw / "manifest.json"

    @property
    def validated(self) -> Path:
        return self.data_dir / "validated" / "data.parquet"

    @property
    def quarantine(self) -> Path:
        return self.data_dir / "quarantine" / "quarantine.parquet"

    @property
    def reference(self) -> Path:
        return self.data_dir / "reference" / "stats.json"

    @property
    def features(self) -> Path:
        return self.data_dir / "features"

    @property
    def features_manifest(self) -> Path:
        return self.features / "manifest.json"


def content_hash(df: Any) -> str:
    """SHA-256 of the column names, dtypes and values: equal data gives an equal hash.

    Each engine hashes rows its own way, so a dataset's hash names it within one engine.
    """
    frames = engine.frames(engine.name_of(df))
    digest = hashlib.sha256()
    digest.update(json.dumps(frames.dtypes(df)).encode())
    if len(df):
        digest.update(frames.row_hashes(df))
    return digest.hexdigest()


def write_json(path: Path, payload: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
    tmp.replace(path)


def read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def write_parquet(df: Any, path: Path) -> None:
    """Write a pandas or polars frame atomically (a half-written file never looks finished)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".parquet.tmp")
    engine.frames(engine.name_of(df)).write_parquet(df, tmp)
    tmp.replace(path)


def replace_folder(work: Path, final: Path) -> None:
    """Move a finished folder into place; what was there (a folder or a file) is swapped out,
    then removed, so a reader never sees a half-written result."""
    old = final.with_name(f"{final.name}.old-{os.getpid()}")
    if final.exists():
        final.rename(old)
    work.rename(final)
    if old.is_dir():
        shutil.rmtree(old, ignore_errors=True)
    else:
        old.unlink(missing_ok=True)


def require_file(path: Path, step: str) -> Path:
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} does not exist: run the `{step}` step first (or `make pipeline`)"
        )
    return path
