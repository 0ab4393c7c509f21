"""The template rendered in-process, each file once per distinct value of the answers it reads.

Copier takes about 3 s per project, which allows a covering matrix of renders but not every
combination of answers. This model renders what Copier renders: the same Jinja environment,
path rendering with empty parts dropping a file, the `.jinja` suffix, other files copied as they
are. Each file template is rendered once per distinct value of the variables it uses (found with
`jinja2.meta`), so checking every combination costs little more than checking each file once.
`tests/test_render.py` holds the model to Copier's own output on its matrix.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import jinja2
import yaml
from conftest import ROOT
from copier._jinja_ext import YieldExtension
from jinja2 import meta
from jinja2.sandbox import SandboxedEnvironment

from ml_scaffold import schema

COPIER_YML = ROOT / "copier.yml"
SUFFIX = ".jinja"
# Copier's default exclusions that apply inside `_subdirectory`.
EXCLUDED_PARTS = {"__pycache__", ".git", ".DS_Store", ".svn"}
ANSWERS_FILE_TEMPLATE = "{{_copier_conf.answers_file}}.jinja"


def _environment() -> SandboxedEnvironment:
    settings = yaml.safe_load(COPIER_YML.read_text())
    envops = dict(settings.get("_envops", {}))
    if envops.get("undefined") == "jinja2.StrictUndefined":
        envops["undefined"] = jinja2.StrictUndefined
    return SandboxedEnvironment(
        extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension", YieldExtension],
        **envops,
    )


@dataclass
class _Piece:
    """One template string (a path part or a file's content) and the answers it reads."""

    template: jinja2.Template
    variables: tuple[str, ...]

    def key(self, answers: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(answers[v] for v in self.variables)


class TemplateModel:
    def __init__(self, template_dir: Path) -> None:
        self.root = template_dir
        self.env = _environment()
        self._pieces: dict[str, _Piece] = {}
        self._renders: dict[tuple[str, tuple[Any, ...]], str] = {}
        self._texts: dict[str, str] = {}
        self._paths: dict[tuple[Any, ...], str | None] = {}
        self._file_sets: dict[tuple[Any, ...], list[tuple[str, str]]] = {}
        # Copier computes these never-asked variables from the answers on every render; the
        # expressions are the schema's, the one place each rule is stated.
        self._computed = [
            (item.name, self.env.compile_expression(item.expression)) for item in schema.COMPUTED
        ]
        # The answers the computed variables read: their values decide every computed value,
        # so each distinct tuple is evaluated once (a Jinja expression costs ~30 us a call).
        names = {item.name for item in schema.COMPUTED}
        self._computed_inputs = tuple(
            sorted(
                {
                    v
                    for item in schema.COMPUTED
                    for v in meta.find_undeclared_variables(
                        self.env.parse("{{ " + item.expression + " }}")
                    )
                }
                - names
            )
        )
        self._computed_values: dict[tuple[Any, ...], dict[str, bool]] = {}

    def context(self, answers: dict[str, Any]) -> dict[str, Any]:
        """`answers` with the computed variables (`schema.COMPUTED`) that templates read."""
        if all(name in answers for name, _ in self._computed):
            return answers
        key = tuple(answers[v] for v in self._computed_inputs)
        if key not in self._computed_values:
            context = dict(answers)
            for name, expression in self._computed:
                context[name] = bool(expression(**context))
            self._computed_values[key] = {name: context[name] for name, _ in self._computed}
        return {**answers, **self._computed_values[key]}

    @cached_property
    def sources(self) -> list[str]:
        """Template-relative paths of every file Copier may render (the answers file aside)."""
        out = []
        for path in sorted(self.root.rglob("*")):
            rel = path.relative_to(self.root)
            if not path.is_file() or EXCLUDED_PARTS & set(rel.parts) or path.suffix == ".pyc":
                continue
            if str(rel) != ANSWERS_FILE_TEMPLATE:
                out.append(str(rel))
        return out

    def _piece(self, source: str) -> _Piece:
        if source not in self._pieces:
            ast = self.env.parse(source)
            self._pieces[source] = _Piece(
                self.env.from_string(source), tuple(sorted(meta.find_undeclared_variables(ast)))
            )
        return self._pieces[source]

    def _render(self, source: str, answers: dict[str, Any]) -> str:
        piece = self._piece(source)
        key = (source, piece.key(answers))
        if key not in self._renders:
            self._renders[key] = piece.template.render(answers)
        return self._renders[key]

    @cached_property
    def _path_variables(self) -> dict[str, tuple[str, ...]]:
        """The answers each source's path reads (most read none)."""
        return {
            source: tuple(
                sorted({v for part in source.split("/") for v in self._piece(part).variables})
            )
            for source in self.sources
        }

    def path_of(self, source: str, answers: dict[str, Any]) -> str | None:
        """Where `source` lands in the project, or None when a path part renders empty."""
        answers = self.context(answers)
        key = (source, *(answers[v] for v in self._path_variables[source]))
        if key not in self._paths:
            # Copier drops the suffix first: `{% if x %}.gitlab-ci.yml{% endif %}.jinja` vanishes.
            stem = source.removesuffix(SUFFIX)
            parts = [self._render(part, answers) for part in stem.split("/")]
            self._paths[key] = "/".join(parts) if all(parts) else None
        return self._paths[key]

    def content_of(self, source: str, answers: dict[str, Any]) -> str:
        answers = self.context(answers)
        text = self._text(source)
        return self._render(text, answers) if source.endswith(SUFFIX) else text

    def content_key(self, source: str, answers: dict[str, Any]) -> tuple[Any, ...]:
        """Equal keys mean equal contents: the file and the values of the answers it reads."""
        answers = self.context(answers)
        if not source.endswith(SUFFIX):
            return (source,)
        return (source, *self._piece(self._text(source)).key(answers))

    def variables_of(self, source: str) -> tuple[str, ...]:
        """Every answer (computed ones included) that decides `source`'s path and content."""
        content = self._piece(self._text(source)).variables if source.endswith(SUFFIX) else ()
        return tuple(sorted({*self._path_variables[source], *content}))

    def _text(self, source: str) -> str:
        if source not in self._texts:
            self._texts[source] = (self.root / source).read_text(encoding="utf-8")
        return self._texts[source]

    def project(self, answers: dict[str, Any]) -> Iterator[tuple[str, str]]:
        """(project path, content) of every file a render with `answers` writes."""
        answers = self.context(answers)
        for rel, source in self.paths(answers):
            yield rel, self.content_of(source, answers)

    def paths(self, answers: dict[str, Any]) -> list[tuple[str, str]]:
        """(project path, template source) of every file a render with `answers` writes."""
        answers = self.context(answers)
        key = tuple(answers[v] for v in self._all_path_variables)
        if key not in self._file_sets:
            self._file_sets[key] = [
                (rel, source)
                for source in self.sources
                if (rel := self.path_of(source, answers)) is not None
            ]
        return self._file_sets[key]

    @cached_property
    def _all_path_variables(self) -> tuple[str, ...]:
        return tuple(sorted({v for vs in self._path_variables.values() for v in vs}))
