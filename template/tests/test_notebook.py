"""The EDA notebook runs top to bottom on a small sample, in a kernel of this environment."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import yaml
from data_fixtures import make_settings, on_the_sample_if_served
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "eda_notebooks/eda.ipynb"


def test_notebook_is_committed_without_outputs() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)


@pytest.mark.slow
def test_notebook_runs_top_to_bottom(tmp_path: Path) -> None:
    make_settings(tmp_path)  # a copy of configs/data.yaml for the notebook's own Settings
    config_path = tmp_path / "configs/data.yaml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    if on_the_sample_if_served(config["source"]):  # no server runs for this copy
        config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
        config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    parameters = next(
        i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])
    )
    injected = f"PROJECT_ROOT = {json.dumps(str(tmp_path))}\nSAMPLE_ROWS = 500"
    nb.cells.insert(parameters + 1, nbformat.v4.new_code_cell(injected))

    # "python3" is the kernel of the running interpreter (ipykernel): no install step needed.
    NotebookClient(
        nb, kernel_name="python3", timeout=300, resources={"metadata": {"path": str(tmp_path)}}
    ).execute()

    validated = pd.read_parquet(tmp_path / "data/validated/data.parquet")
    assert 400 < len(validated) <= 500
    text = "".join(
        out.get("text", "") for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs
    )
    assert f"{len(validated)} validated rows" in text
    images = [o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) >= 3
