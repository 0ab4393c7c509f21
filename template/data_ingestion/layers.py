"""Where each data layer lives under `data/`, and the content hash that names a dataset version."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd


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


def content_hash(df: pd.DataFrame) -> str:
    """SHA-256 of the column names, dtypes and values: equal data gives an equal hash."""
    digest = hashlib.sha256()
    digest.update(json.dumps([[str(c), str(t)] for c, t in df.dtypes.items()]).encode())
    if len(df):
        row_hashes = pd.util.hash_pandas_object(df, index=False, categorize=True)
        digest.update(row_hashes.to_numpy().tobytes())
    return digest.hexdigest()


def write_json(path: Path, payload: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
    tmp.replace(path)


def read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def write_parquet(df: pd.DataFrame, path: Path) -> None:
    """Write atomically (a half-written file never looks like a finished layer)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".parquet.tmp")
    parquet_safe(df).to_parquet(tmp, index=False)
    tmp.replace(path)


def parquet_safe(df: pd.DataFrame) -> pd.DataFrame:
    """Columns mixing types (e.g. numbers and text from a bad source) are stored as text.

    Parquet needs one type per column; the raw layer keeps the values, validation judges them.
    """
    mixed = [
        c
        for c in df.columns
        if df[c].dtype == object
        and pd.api.types.infer_dtype(df[c], skipna=True) not in ("string", "empty")
    ]
    if not mixed:
        return df
    out = df.copy()
    for c in mixed:
        out[c] = as_text(out[c])
    return out


def as_text(values: pd.Series) -> pd.Series:
    """Every value as text; missing values stay missing (None)."""
    return values.astype(str).astype(object).where(values.notna().to_numpy(), None)


def require_file(path: Path, step: str) -> Path:
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} does not exist: run the `{step}` step first (or `make pipeline`)"
        )
    return path
