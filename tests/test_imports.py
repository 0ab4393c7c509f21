"""Every combination's Python files import, at module level, only project modules that this
combination renders.

The combination check in test_render parses each file on its own; a file importing a module
its combination does not render (an API module in a batch-only project, the Feast package in a
project without a store) parses fine and fails only when that combination is installed. Imports
inside functions are left alone: they run only when the configuration asks for them (e.g. the
`features` step imports `feature_store` when configs/data.yaml has a feature_store block).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from template_model import TemplateModel
from test_render import MODEL, combination_contexts, distinct, mode_rows, template_copy

from ml_scaffold import schema


def modules_of(paths: Iterable[str]) -> set[str]:
    """Dotted names importable from the project root: modules, packages, namespace folders."""
    modules = set()
    for rel in paths:
        if not rel.endswith(".py"):
            continue
        parts = rel.removesuffix(".py").split("/")
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    return modules


def imported(text: str) -> list[tuple[str, tuple[str, ...]]]:
    """(module, names taken from it) of each absolute import at the file's top level."""
    out = []
    for node in ast.parse(text).body:
        if isinstance(node, ast.Import):
            out += [(alias.name, ()) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            out.append((node.module, tuple(alias.name for alias in node.names)))
    return out


def unresolved(
    rel: str, imports: list[tuple[str, tuple[str, ...]]], present: set[str], local: set[str]
) -> list[str]:
    """The project modules `rel` imports that `present` lacks. A module is the project's when
    some combination renders it (`local`); a file's own folder is on its path too (tests,
    bench and DAG folders run that way)."""
    folder = rel.rpartition("/")[0]

    def candidates(module: str) -> list[str]:
        return [module, *([f"{folder.replace('/', '.')}.{module}"] if folder else [])]

    missing = []
    for module, names in imports:
        wanted = [module, *(f"{module}.{name}" for name in names)]
        for name in wanted:
            options = candidates(name)
            if any(o in local for o in options) and not any(o in present for o in options):
                missing.append(name)
    return missing


def import_failures(model: TemplateModel, rows: list[dict[str, str]]) -> list[str]:
    contexts = distinct(combination_contexts(model, rows), model._all_path_variables)
    file_sets = [model.paths(context) for context in contexts]
    local = modules_of(rel for files in file_sets for rel, _ in files)
    parsed: dict[tuple[Any, ...], list[tuple[str, tuple[str, ...]]]] = {}
    failures: list[str] = []
    for context, files in zip(contexts, file_sets, strict=True):
        present = modules_of(rel for rel, _ in files)
        for rel, source in files:
            if not rel.endswith(".py"):
                continue
            key = model.content_key(source, context)
            if key not in parsed:
                parsed[key] = imported(model.content_of(source, context))
            missing = unresolved(rel, parsed[key], present, local)
            if missing:
                answers = {v: context[v] for v in model._all_path_variables}
                failures.append(f"{rel} imports {', '.join(missing)}, not rendered for {answers}")
        if len(failures) >= 20:
            break
    return failures


@pytest.mark.parametrize("mode", schema.QUESTION_BY_NAME["execution_mode"].offered)
def test_every_combination_imports_only_modules_it_renders(mode: str) -> None:
    failures = import_failures(MODEL, mode_rows(mode))
    assert not failures, "\n".join(failures)


def test_the_import_check_finds_a_module_one_combination_lacks(tmp_path: Path) -> None:
    broken = template_copy(tmp_path)
    # Every project renders data_ingestion/step.py; only feast projects render feature_store/.
    step = broken / "data_ingestion/step.py"
    step.write_text("from feature_store.sync import sync  # noqa: F401\n" + step.read_text())
    failures = import_failures(TemplateModel(broken), mode_rows("standard"))
    assert failures
    assert all("data_ingestion/step.py imports feature_store.sync" in f for f in failures)
    assert all("'feature_store': 'none'" in f for f in failures)
