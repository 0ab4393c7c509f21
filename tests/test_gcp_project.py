"""A Google Cloud project reading its data from Cloud Storage, installed in a fresh uv
environment: its own object-store tests run against gcp-storage-emulator (started and stopped by
those tests) and its offline infrastructure checks pass. Not one of test_generated_project's
VARIANTS (issue 14 installs one cloud end to end; the other clouds are the static matrix plus
this): kept lean, about the time of one `make setup`."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from test_generated_project import ENV, make
from test_infra import cloud_answers, write_project

pytestmark = pytest.mark.slow

if shutil.which("uv") is None or shutil.which("make") is None:
    pytest.skip("uv and make are needed to install generated projects", allow_module_level=True)

ANSWERS = {"cloud": "gcp", "data_source": "object_store", "execution_mode": "standard"}


def project_pytest(project: Path, *args: str) -> str:
    result = subprocess.run(
        ["uv", "run", "pytest", "-p", "no:cacheprovider", "-q", "-rs", *args],
        cwd=project,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    return result.stdout


def test_gcp_object_store_project_reads_its_emulator_and_passes_its_infra_checks(
    tmp_path: Path,
) -> None:
    # Rendered by the in-process model that test_render holds to Copier's output, so the
    # combination can be installed before object_store is offered.
    project = write_project(tmp_path / "gcp", cloud_answers(**ANSWERS))
    make(project, "setup")
    tests = (project / "tests/test_object_store.py").read_text()
    assert "gcp_storage_emulator" in tests and "gs://" in tests
    out = project_pytest(project, "tests/test_object_store.py")
    # Every object-store test ran (the MLflow round trip through the bucket included).
    assert re.search(r"\b1[0-9] passed\b", out) and "skipped" not in out, out[-2000:]
    # The offline infrastructure checks; checkov itself runs in tests/test_infra.py here.
    out = project_pytest(
        project, "-m", "not slow", "tests/test_infra.py", "tests/test_cloud_overlays.py"
    )
    assert "passed" in out and "skipped" not in out, out[-2000:]
