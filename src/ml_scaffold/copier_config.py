"""Generate `copier.yml` and `docs/questionnaire.md` from the answer schema.

    python -m ml_scaffold.copier_config --write    # rewrite copier.yml
    python -m ml_scaffold.copier_config --check    # exit 1 when copier.yml is out of date

Validators are Jinja expressions whose message names the question and the problem; they mirror
the pydantic validators in `schema.py` so that plain `copier copy` rejects what the CLI rejects.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

from ml_scaffold import schema

MIN_COPIER_VERSION = "9.10.0"
# The generated project's first steps: its README quick start, its CI workflow and the
# post-generation hook run the same (tests/test_first_steps.py holds them to it).
FIRST_STEPS = ("setup", "lint", "test-all", "pipeline", "gates")
HEADER = (
    "# GENERATED from src/ml_scaffold/schema.py by `python -m ml_scaffold.copier_config --write`.\n"
    "# Edit the schema, not this file: tests/test_copier_config.py fails when they disagree.\n"
)


def _jinja_list(values: Any) -> str:
    return "[" + ", ".join(repr(v) for v in sorted(values)) + "]"


def _default(q: schema.Question) -> str:
    if q.preset:
        by_mode = {m: schema.preset_defaults(m)[q.name] for m in schema.MODES}
        expr = "{" + ", ".join(f"'{m}': '{v}'" for m, v in by_mode.items()) + "}[execution_mode]"
        if q.asked_when and q.skipped_default is not None:
            # Copier renders a question it does not ask with its default: make that the
            # skipped value, as the CLI does.
            other, values = q.asked_when
            expr = f"{expr} if {other} in {_jinja_list(values)} else '{q.skipped_default}'"
        return "{{ " + expr + " }}"
    if q.name == "project_slug":
        return (
            "{{ (project_name | lower | regex_replace('[^a-z0-9]+', '_') "
            "| regex_replace('^_+|_+$', '')) or 'ml_project' }}"
        )
    if q.default is not None:
        return q.default
    return schema.FREE_TEXT_DEFAULTS[q.name]


def _jinja_regex(pattern: str) -> str:
    """A regex as a single-quoted Jinja string literal (Jinja decodes backslash escapes)."""
    return "'" + pattern.replace("\\", "\\\\") + "'"


def _check_condition(check: schema.FieldCheck) -> str:
    """The Jinja condition under which `check` fails (Python: `FieldCheck.problem`)."""
    name = check.question
    if check.kind == "not_blank":
        return f"not {name}.strip()"
    if check.kind == "matches":
        assert check.pattern is not None
        return f"not ({name} | regex_search({_jinja_regex(check.pattern.pattern)}))"
    if check.kind == "not_in":
        # One comma-joined string literal: Jinja compiles it far faster than a list of
        # hundreds of literals, and Copier compiles validators on every answer.
        return f"(',' ~ {name} ~ ',') in '," + ",".join(sorted(check.names)) + ",'"
    raise ValueError(f"unknown FieldCheck kind {check.kind!r}")


def _validator(q: schema.Question) -> str | None:
    parts: list[str] = []
    checks = [c for c in schema.FIELD_CHECKS if c.question == q.name]
    if checks:
        # elif: the first failing check speaks, as in `schema.field_problem`.
        branches = [
            ("{% if " if i == 0 else "{% elif ")
            + _check_condition(c)
            + " %}"
            + c.message.replace("{value}", "{{ " + q.name + " }}")
            for i, c in enumerate(checks)
        ]
        parts.append("".join(branches) + "{% endif %}")
    for rule in schema.RULES:
        if rule.question != q.name:
            continue
        when_offered = [
            v for v in rule.when_values if v in schema.QUESTION_BY_NAME[rule.when_question].offered
        ]
        values_offered = [v for v in rule.values if v in q.offered]
        if not (when_offered and values_offered):
            continue  # unreachable until both sides are offered
        parts.append(
            "{% if "
            + rule.when_question
            + " in "
            + _jinja_list(when_offered)
            + " and "
            + q.name
            + " in "
            + _jinja_list(values_offered)
            + " %}"
            + q.name
            + "='{{ "
            + q.name
            + " }}' is incompatible with "
            + rule.when_question
            + "='{{ "
            + rule.when_question
            + " }}': "
            + rule.why
            + "{% endif %}"
        )
    return "".join(parts) or None


def build() -> dict[str, Any]:
    config: dict[str, Any] = {
        "_min_copier_version": MIN_COPIER_VERSION,
        "_subdirectory": "template",
        "_answers_file": ".copier-answers.yml",
        "_templates_suffix": ".jinja",
        "_envops": {"undefined": "jinja2.StrictUndefined", "keep_trailing_newline": True},
        "_skip_if_exists": [],
        "_message_after_copy": (
            "Project '{{ project_name }}' is ready in {{ _copier_conf.dst_path }}.\n"
            f"Next: cd into it, then `make {' '.join(FIRST_STEPS)}`"
            " (its first steps, as its README and CI run them)."
        ),
        # List form: Copier runs the command without a shell, so no answer is ever parsed by
        # one. Only on `copy`: during `copier update` Copier renders into temporary folders,
        # where the gates and `git init` must not run.
        "_tasks": [
            {
                "command": [
                    "{{ _copier_python }}",
                    "{{ _copier_conf.src_path }}/hooks/post_generate.py",
                    "--gates",
                    "{{ post_generation_gates }}",
                    "--cleanup-on-error",
                    "{{ _copier_conf.cleanup_on_error }}",
                ],
                "when": "{{ _copier_operation == 'copy' }}",
            }
        ],
        "_migrations": _migrations(),
    }
    for q in schema.QUESTIONS:
        entry: dict[str, Any] = {"type": "str", "help": q.help}
        if q.choices:
            entry["choices"] = {c.label: c.value for c in q.choices if c.offered}
        entry["default"] = _default(q)
        if q.placeholder:
            entry["placeholder"] = q.placeholder
        if q.asked_when:
            other, values = q.asked_when
            entry["when"] = "{{ " + other + " in " + _jinja_list(values) + " }}"
        if validator := _validator(q):
            entry["validator"] = validator
        config[q.name] = entry
    for item in schema.COMPUTED:
        # Never asked, never recorded in the answers file: Copier computes it on every render.
        config[item.name] = {
            "type": "bool",
            "help": item.help,
            "default": "{{ " + item.expression + " }}",
            "when": False,
        }
    return config


def _migrations() -> list[dict[str, Any]]:
    out = []
    for m in schema.MIGRATIONS:
        command = [
            "{{ _copier_python }}",
            "{{ _copier_conf.src_path }}/hooks/migrate.py",
            "--answers-file",
            "{{ _copier_conf.answers_file }}",
            "--version",
            m.version,
        ]
        for old, new in m.renames:
            command += ["--rename", f"{old}={new}"]
        if m.note:
            command += ["--note", m.note]
            if m.note_when:
                question, values = m.note_when
                command += ["--note-when", f"{question}={','.join(values)}"]
        # `before`: a renamed answer must be in place when Copier reads the answers.
        out.append({"version": m.version, "command": command, "when": "{{ _stage == 'before' }}"})
    return out


def render() -> str:
    body = yaml.safe_dump(build(), sort_keys=False, width=100, allow_unicode=True)
    return HEADER + body


def render_reference() -> str:
    """docs/questionnaire.md: the questionnaire reference, from the same schema."""
    data = schema.options()
    lines = [
        "# Questionnaire reference",
        "",
        "<!-- GENERATED by `python -m ml_scaffold.copier_config --write`; edit schema.py. -->",
        "",
        "Questions in the order they are asked. Planned choices are designed (presets and rules",
        "name them) but not offered until they render running code.",
        "",
        "| question | choices | planned | default | help |",
        "|---|---|---|---|---|",
    ]
    for q in data["questions"]:
        choices = ", ".join(f"`{c}`" for c in q["choices"]) or "free text"
        planned = ", ".join(f"`{c}`" for c in q["planned"]) or ""
        help_text = q["help"]
        if "asked_when" in q:
            ((other, values),) = q["asked_when"].items()
            help_text += f" Asked only when {other} is {' or '.join(values)}."
        lines.append(f"| `{q['name']}` | {choices} | {planned} | {q['default']} | {help_text} |")
    lines += [
        "",
        "## Execution modes",
        "",
        "| mode | what it is for | " + " | ".join(schema.STACK_QUESTIONS) + " |",
        "|---|---|" + "---|" * len(schema.STACK_QUESTIONS),
    ]
    for mode, info in data["modes"].items():
        cells = []
        for name in schema.STACK_QUESTIONS:
            wanted, effective = info["preset"][name], info["effective"][name]
            cells.append(f"`{effective}`" + ("" if wanted == effective else f" (later `{wanted}`)"))
        lines.append(f"| `{mode}` | {info['summary']} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "A cell reading “(later `x`)” is the mode's design where `x` is not offered yet.",
        "",
        "## Compatibility rules",
        "",
        "Rejected combinations; the error names both questions.",
        "",
    ]
    for rule in data["rules"]:
        ((wq, wv),) = rule["if"].items()
        ((q, v),) = rule["forbids"].items()
        lines.append(f"- `{wq}` = {'/'.join(wv)} forbids `{q}` = {'/'.join(v)}: {rule['why']}.")
    return "\n".join(lines) + "\n"


def render_template_names() -> str:
    """src/ml_scaffold/template_names.py: the template's top-level names, for slug checks."""
    names = schema.template_top_level_names(template_path())
    body = "".join(f'    "{n}",\n' for n in names)
    return (
        '"""GENERATED by `python -m ml_scaffold.copier_config --write` from the template tree.\n'
        "\n"
        "Every top-level folder and module some combination of answers renders; a project slug "
        "may not\ntake one (see `schema.RESERVED_SLUGS`). Generated because an installed package "
        "has no template\ntree to read; tests/test_copier_config.py fails when this disagrees "
        'with `template/`.\n"""\n\n'
        f"TEMPLATE_TOP_LEVEL: tuple[str, ...] = (\n{body})\n"
    )


def template_path() -> Path:
    return Path(__file__).resolve().parents[2] / "template"


def template_names_path() -> Path:
    return Path(__file__).resolve().parent / "template_names.py"


def copier_yml_path() -> Path:
    return Path(__file__).resolve().parents[2] / "copier.yml"


def reference_path() -> Path:
    return Path(__file__).resolve().parents[2] / "docs" / "questionnaire.md"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", action="store_true")
    group.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    # The template's names first: the slug validator in copier.yml is built from them.
    names = render_template_names()
    if args.write and template_names_path().read_text() != names:
        template_names_path().write_text(names)
        print(f"wrote {template_names_path()}; run again to rebuild copier.yml from it")
        return 0 if _rerun() else 1
    outputs = {
        template_names_path(): names,
        copier_yml_path(): render(),
        reference_path(): render_reference(),
    }
    stale = 0
    for path, text in outputs.items():
        if args.write:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            print(f"wrote {path}")
        elif not path.is_file() or path.read_text() != text:
            print(f"{path} is out of date: run python -m ml_scaffold.copier_config --write")
            stale += 1
    return 1 if stale else 0


def _rerun() -> bool:
    """Regenerate in a fresh interpreter: the schema imported the old template names."""
    import subprocess

    done = subprocess.run([sys.executable, "-m", "ml_scaffold.copier_config", "--write"])
    return done.returncode == 0


if __name__ == "__main__":
    sys.exit(main())
