"""Every container command starts: the `python -m <module>` each container runs resolves to a
module that imports in the project's environment (`python -m <module> --help` exits 0).

The commands are read from the Dockerfiles' CMD and ENTRYPOINT, from `command:` and `args:` of
every container in the Kubernetes manifests (Deployments, CronJobs, KServe InferenceServices,
Argo Rollouts and the canary overlay), and from the container specs of the compiled Kubeflow
pipelines. No container engine is needed: this stands in for building and starting the image.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# Where container specs live; hidden folders, virtual environments and data are never read.
MANIFEST_DIRS = ("deployment", "canary_deployment")
SKIP_DIRS = {".venv", "venv", ".git", "data", "node_modules", "__pycache__", "build", "reports"}
KFP_PACKAGE = "kfp_pipelines"


def _walk(root: Path, top: str) -> Iterator[Path]:
    for folder, dirs, files in os.walk(root / top):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        for name in sorted(files):
            yield Path(folder) / name


def dockerfiles(root: Path) -> list[Path]:
    found = [p for p in root.glob("Dockerfile*") if p.is_file()]
    for top in MANIFEST_DIRS:
        found += [p for p in _walk(root, top) if p.name.startswith("Dockerfile")]
    return sorted(found)


def manifests(root: Path) -> list[Path]:
    return [p for top in MANIFEST_DIRS for p in _walk(root, top) if p.suffix in (".yaml", ".yml")]


def _words(value: str) -> list[str]:
    """An exec-form JSON array or a shell-form command line as its words."""
    value = value.strip()
    if value.startswith("["):
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            parsed = None
        if isinstance(parsed, list):
            return [str(w) for w in parsed]
    try:
        return shlex.split(value)
    except ValueError:
        return value.split()


def dockerfile_commands(text: str) -> list[tuple[str, list[str]]]:
    """(instruction, argv) of every CMD and ENTRYPOINT (HEALTHCHECK's CMD is not one)."""
    joined = re.sub(r"\\\n", " ", text)
    out = []
    for line in joined.splitlines():
        word, _, rest = line.strip().partition(" ")
        if word.upper() in ("CMD", "ENTRYPOINT"):
            out.append((word.upper(), _words(rest)))
    return out


def _argv_lists(node: Any) -> Iterator[list[str]]:
    """command + args of every mapping (a container, an exec probe, a KFP executor) in a doc."""
    if isinstance(node, dict):
        argv = []
        for key in ("command", "args"):
            value = node.get(key)
            if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
                argv += [str(v) for v in value]
            elif isinstance(value, str):
                argv += _words(value)
        if argv:
            yield argv
        for value in node.values():
            yield from _argv_lists(value)
    elif isinstance(node, list):
        for value in node:
            yield from _argv_lists(value)


def python_modules(argv: list[str]) -> list[str]:
    """The modules `python -m <module>` runs in argv, also inside `sh -c "..."` strings."""
    found = []
    for i, word in enumerate(argv):
        if " " in word:
            found += python_modules(_words(word))
        elif re.fullmatch(r"(.*/)?python[0-9.]*", word) and argv[i + 1 : i + 3][:1] == ["-m"]:
            found += argv[i + 2 : i + 3]
    return found


def yaml_commands(path: Path) -> list[list[str]]:
    import yaml

    text = path.read_text(encoding="utf-8")
    return [argv for doc in yaml.safe_load_all(text) if doc for argv in _argv_lists(doc)]


def compiled_kubeflow(root: Path, tmp: Path) -> tuple[list[Path], str]:
    """The Kubeflow pipelines compiled to IR YAML in `tmp` (their executors are containers)."""
    done = subprocess.run(
        [sys.executable, "-m", KFP_PACKAGE, "compile", "--out", str(tmp)],
        cwd=root, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    if done.returncode:
        tail = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()[-1]
        return [], f"python -m {KFP_PACKAGE} compile failed: {tail}"
    return sorted(tmp.glob("*.yaml")), ""


def collect(root: Path) -> tuple[dict[str, list[str]], list[str]]:
    """{module: [where it is named]} and problems found while reading the specs."""
    modules: dict[str, list[str]] = {}
    problems: list[str] = []

    def add(module: str, where: str) -> None:
        modules.setdefault(module, [])
        if where not in modules[module]:
            modules[module].append(where)

    files = dockerfiles(root)
    if not files:
        problems.append("no Dockerfile found")
    for path in files:
        rel = str(path.relative_to(root))
        commands = dockerfile_commands(path.read_text(encoding="utf-8"))
        if not commands:
            problems.append(f"{rel} has no CMD or ENTRYPOINT")
        for instruction, argv in commands:
            for module in python_modules(argv):
                add(module, f"{rel} {instruction}")
    for path in manifests(root):
        rel = str(path.relative_to(root))
        for argv in yaml_commands(path):
            for module in python_modules(argv):
                add(module, rel)
    if (root / KFP_PACKAGE).is_dir():
        with tempfile.TemporaryDirectory(prefix="kfp-commands-") as tmp:
            compiled, failure = compiled_kubeflow(root, Path(tmp))
            if failure:
                problems.append(failure)
            for path in compiled:
                for argv in yaml_commands(path):
                    for module in python_modules(argv):
                        add(module, f"{KFP_PACKAGE} pipeline {path.stem}")
    return modules, problems


def module_starts(root: Path, module: str, timeout: int = 300) -> tuple[bool, str]:
    """(True, "") when `python -m <module> --help` exits 0 in the project; else why not."""
    done = subprocess.run(
        [sys.executable, "-m", module, "--help"],
        cwd=root, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    if done.returncode == 0:
        return True, ""
    lines = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()
    return False, f"exit {done.returncode}: {lines[-1].strip()}"
