"""The `ml-scaffold` command line: new, update, gates, options."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from pydantic import ValidationError

import ml_scaffold
from ml_scaffold import __version__, schema

app = typer.Typer(
    help="Render and maintain complete ML-pipeline projects from the ml-scaffold template.",
    no_args_is_help=True,
    add_completion=False,
)

GATE_CHOICES = ("static", "full", "none")


def fail(message: str, code: int = 2) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def parse_sets(pairs: list[str]) -> dict[str, str]:
    """`KEY=VALUE` pairs; the key must be a question of the schema."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            fail(f"--set expects KEY=VALUE, got {pair!r}")
        if key not in schema.QUESTION_BY_NAME:
            fail(f"--set {key}: no such question; see `ml-scaffold options`")
        out[key] = value
    return out


def read_answers_file(path: Path) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        fail(f"--answers-file {path}: {exc}")
    if not isinstance(loaded, dict):
        fail(f"--answers-file {path}: expected a mapping of question: answer")
    # Copier's own answers files carry private keys (_commit, _src_path): not questions.
    unknown = sorted(
        k for k in loaded if not k.startswith("_") and k not in schema.QUESTION_BY_NAME
    )
    if unknown:
        fail(f"--answers-file {path}: unknown question(s) {', '.join(unknown)}")
    return {k: str(v) for k, v in loaded.items() if not k.startswith("_")}


def validation_messages(error: ValidationError) -> list[str]:
    messages = []
    for item in error.errors():
        text = str(item["msg"]).removeprefix("Value error, ")
        where = ".".join(str(p) for p in item["loc"])
        messages.append(text if where and where in text else f"{where}: {text}" if where else text)
    return messages


def validate(answers: dict[str, Any]) -> schema.Answers:
    try:
        return schema.Answers(**answers)
    except ValidationError as exc:
        for message in validation_messages(exc):
            typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None


def ask(given: dict[str, Any]) -> dict[str, Any]:
    """Ask, in questionnaire order, every question not given; return all answers."""
    import questionary

    answers: dict[str, Any] = {}
    for q in schema.QUESTIONS:
        if q.name in given:
            answers[q.name] = given[q.name]
            continue
        default = schema.default_for(q.name, answers)
        if not schema.is_asked(q.name, answers):
            answers[q.name] = default
            continue
        if q.choices:
            prompt = questionary.select(
                q.help,
                choices=[
                    questionary.Choice(c.label, value=c.value) for c in q.choices if c.offered
                ],
                default=default,
            )
        else:
            prompt = questionary.text(
                q.help,
                default=default,
                validate=lambda v, n=q.name: schema.field_problem(n, v) or True,
            )
        value = prompt.ask()
        if value is None:  # Ctrl-C
            fail("cancelled; nothing was written", code=130)
        answers[q.name] = value
    return answers


@app.command()
def new(
    dest: Annotated[Path, typer.Argument(help="Directory to create")],
    mode: Annotated[
        str | None, typer.Option("--mode", help="execution_mode: quick | standard | enterprise")
    ] = None,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Answer a question: KEY=VALUE (repeatable)")
    ] = None,
    answers_file: Annotated[
        Path | None, typer.Option("--answers-file", help="YAML file of question: answer")
    ] = None,
    defaults: Annotated[
        bool, typer.Option("--defaults", help="Ask nothing: defaults for what is not given")
    ] = False,
    template: Annotated[
        str | None,
        typer.Option(
            help="Template source, a path or git URL (default: this checkout at HEAD when run "
            f"from a clone, else {ml_scaffold.CANONICAL_TEMPLATE} at v{__version__})"
        ),
    ] = None,
    vcs_ref: Annotated[str | None, typer.Option(help="Git tag, branch or commit")] = None,
    gates: Annotated[
        str | None, typer.Option(help="post_generation_gates: static | full | none")
    ] = None,
) -> None:
    """Render a new project, then run its quality gates."""
    given: dict[str, Any] = {}
    if answers_file:
        given.update(read_answers_file(answers_file))
    given.update(parse_sets(set_ or []))
    if mode is not None:
        given["execution_mode"] = mode
    if gates is not None:
        given["post_generation_gates"] = gates
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        fail(f"{dest} exists and is not an empty directory; nothing was written")

    if defaults:
        try:
            answers = schema.complete(given)
        except ValueError as exc:
            fail(str(exc))
    else:
        answers = ask(given)
    validated = validate(answers).model_dump()

    src, ref, where = template_source(template, vcs_ref)
    check_reachable(src, ref)
    typer.echo(f"Rendering {validated['project_name']!r} from {where}")
    render(src, dest, validated, ref)
    typer.secho(f"\nCreated {dest}", fg=typer.colors.GREEN)
    typer.echo(
        "  mode: {execution_mode}  problem: {problem_type}  serving: {serving}  "
        "orchestrator: {orchestrator}  gates: {post_generation_gates}".format(**validated)
    )


def template_source(template: str | None, vcs_ref: str | None) -> tuple[str, str | None, str]:
    """(source, ref, how to say it): --template, else this checkout, else the release's tag."""
    if template:
        return template, vcs_ref, template + (f" @ {vcs_ref}" if vcs_ref else "")
    root = ml_scaffold.checkout_root()
    if root is not None:
        # Run from a clone: render the clone itself, so what the user checked out is what they
        # get (the canonical tag may not even exist yet).
        ref = vcs_ref or "HEAD"
        commit = _git(root, "rev-parse", "--short", ref).stdout.strip() or "?"
        # Copier renders a dirty local HEAD with its uncommitted changes: say so.
        dirty = ref == "HEAD" and _git(root, "status", "--porcelain").stdout.strip()
        extra = ", plus uncommitted changes" if dirty else ""
        return str(root), ref, f"this checkout {root} @ {ref} (commit {commit}{extra})"
    ref = vcs_ref or f"v{__version__}"
    return ml_scaffold.CANONICAL_TEMPLATE, ref, f"{ml_scaffold.CANONICAL_TEMPLATE} @ {ref}"


_REMOTE_PREFIXES = {"gh:": "https://github.com/", "gl:": "https://gitlab.com/"}


def _is_remote(src: str) -> bool:
    return "://" in src or src.startswith(("git@", *_REMOTE_PREFIXES))


def check_reachable(src: str, ref: str | None) -> None:
    """Fail before anything is written when the template source or its ref cannot be read."""
    how = "pass --template PATH_OR_URL (a clone of ml-scaffold, or its git URL) and --vcs-ref REF"
    if not _is_remote(src):
        path = Path(src)
        if not (path / "copier.yml").is_file():
            fail(f"template source {src} is unreachable: no copier.yml there; {how}", code=1)
        if ref and (path / ".git").exists():
            found = _git(path, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
            if found.returncode:
                fail(f"template source {src} has no ref {ref!r}; {how}", code=1)
        return
    url = src
    for prefix, base in _REMOTE_PREFIXES.items():
        if src.startswith(prefix):
            url = base + src.removeprefix(prefix)
    cmd = ["git", "ls-remote", "--exit-code", url, *([ref] if ref else [])]
    try:
        done = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0"},
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        fail(f"template source {src} is unreachable ({exc}); {how}", code=1)
    if done.returncode:
        detail = done.stderr.strip().splitlines()[-1:] or [f"no ref {ref!r}"]
        fail(f"template source {src} @ {ref} is unreachable ({detail[0]}); {how}", code=1)


def render(src: str, dest: Path, answers: dict[str, Any], vcs_ref: str | None) -> None:
    """Render through Copier's API; the post-generation task runs the gates.

    Copier keeps the files when a task fails (cleanup_on_error=False), so a failing gate leaves
    the project in place and exits non-zero; any other failure removes what was created.
    """
    import copier
    from copier.errors import TaskError

    existed = dest.exists()
    try:
        copier.run_copy(
            src,
            dest,
            data=answers,
            defaults=True,
            unsafe=True,
            vcs_ref=vcs_ref,
            cleanup_on_error=False,
            quiet=False,
        )
    except TaskError:
        fail(f"quality gates failed; the project is kept in {dest} (see reports/)", code=1)
    except Exception as exc:
        if not existed:
            shutil.rmtree(dest, ignore_errors=True)
        fail(f"rendering failed, nothing was kept: {exc}", code=1)


def _git(dest: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=dest, capture_output=True, text=True)


@app.command()
def update(
    dest: Annotated[Path, typer.Argument(help="Project directory")] = Path("."),
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Change an answer: KEY=VALUE (repeatable)")
    ] = None,
    vcs_ref: Annotated[str | None, typer.Option(help="Template version to update to")] = None,
) -> None:
    """Bring template changes into a project (copier update), keeping your edits."""
    import copier

    if not (dest / ".copier-answers.yml").is_file():
        fail(f"{dest} has no .copier-answers.yml: not a project generated by ml-scaffold")
    if _git(dest, "rev-parse", "--is-inside-work-tree").returncode:
        fail(f"{dest} is not a git repository; `copier update` needs one")
    dirty = _git(dest, "status", "--porcelain").stdout.strip()
    if dirty:
        fail(
            f"{dest} has uncommitted changes; commit or stash them first so the update "
            f"can be reviewed and undone:\n{dirty}"
        )
    data = parse_sets(set_ or [])
    current = read_answers_file(dest / ".copier-answers.yml")
    validate(schema.complete({**current, **data}))
    copier.run_update(
        dest,
        data=data,
        defaults=True,
        overwrite=True,
        unsafe=True,
        skip_answered=True,
        vcs_ref=vcs_ref,
    )
    typer.secho("Updated; review with `git diff` and commit.", fg=typer.colors.GREEN)


@app.command()
def gates(
    dest: Annotated[Path, typer.Argument(help="Project directory")] = Path("."),
    phase: Annotated[list[str] | None, typer.Option(help="Run only this phase")] = None,
    json_: Annotated[bool, typer.Option("--json", help="Print the JSON report")] = False,
    static: Annotated[bool, typer.Option(help="Only checks that need nothing installed")] = False,
    allow_incomplete: Annotated[
        bool, typer.Option(help="Exit 0 when no check failed even if some did not run")
    ] = False,
) -> None:
    """Run a project's quality gates (its own `quality_gates` package).

    Exit status: 0 when every check ran and passed, 1 when one failed, 3 when none failed but
    some did not run (with --static or --allow-incomplete: 0).
    """
    if not (dest / "quality_gates").is_dir():
        fail(f"{dest} has no quality_gates/ package: not a project generated by ml-scaffold")
    venv_bin = dest / ".venv" / "bin"
    python = str(venv_bin / "python") if (venv_bin / "python").exists() else sys.executable
    cmd = [python, "-m", "quality_gates"]
    for p in phase or []:
        cmd += ["--phase", p]
    if json_:
        cmd.append("--json")
    if static:
        cmd.append("--static")
    if allow_incomplete:
        cmd.append("--allow-incomplete")
    # The tools the gates run from the project's environment (hadolint, bandit...), as `uv run`.
    env = dict(os.environ)
    if venv_bin.is_dir():
        env["PATH"] = os.pathsep.join([str(venv_bin.resolve()), env.get("PATH", "")])
    result = subprocess.run(cmd, cwd=dest, env=env)
    raise typer.Exit(result.returncode)


@app.command()
def options(
    json_: Annotated[bool, typer.Option("--json", help="Print as JSON")] = False,
) -> None:
    """Every question, its choices and default, the mode presets and the rules."""
    data = schema.options()
    if json_:
        typer.echo(json.dumps(data, indent=2))
        return
    for q in data["questions"]:
        typer.secho(q["name"], bold=True)
        typer.echo(f"  {q['help']}")
        if q["choices"]:
            planned = f"  (planned: {', '.join(q['planned'])})" if q["planned"] else ""
            typer.echo(f"  choices: {', '.join(q['choices'])}{planned}")
        typer.echo(f"  default: {q['default']}")
    typer.secho("\nClouds (what each renders)", bold=True)
    for cloud, renders in data["clouds"].items():
        typer.echo(f"  {cloud}: {renders}")
    typer.secho("\nModes (stack defaults)", bold=True)
    for mode, info in data["modes"].items():
        stack = ", ".join(f"{k}={v}" for k, v in info["effective"].items())
        typer.echo(f"  {mode}: {info['summary']}\n    {stack}")
    typer.secho("\nRules", bold=True)
    for rule in data["rules"]:
        (wq, wv), (q, v) = next(iter(rule["if"].items())), next(iter(rule["forbids"].items()))
        typer.echo(f"  {wq}={'|'.join(wv)} forbids {q}={'|'.join(v)}: {rule['why']}")


if __name__ == "__main__":
    app()
