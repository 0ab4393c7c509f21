"""Copier `_migrations` step, run by `copier update` in the project before it updates.

Generated into copier.yml from `MIGRATIONS` in src/ml_scaffold/schema.py: every argument comes
from there. Runs with the Python that runs Copier, so it uses only the standard library; the
answers file is rewritten line by line (a renamed answer keeps its value and its place).

    migrate.py --answers-file .copier-answers.yml --version v0.2.0 \
        [--rename OLD=NEW]... [--note TEXT --note-when QUESTION=V1,V2]
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path


def answer(lines: list[str], name: str) -> str | None:
    for line in lines:
        if match := re.match(rf"^{re.escape(name)}:\s*(.*?)\s*$", line):
            return match.group(1).strip("'\"")
    return None


def rename(lines: list[str], old: str, new: str) -> list[str]:
    if answer(lines, new) is not None:
        return lines  # already migrated (an update re-run): leave it
    return [re.sub(rf"^{re.escape(old)}:", f"{new}:", line) for line in lines]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--answers-file", type=Path, required=True)
    parser.add_argument("--version", required=True)
    parser.add_argument("--rename", action="append", default=[])
    parser.add_argument("--note", default="")
    parser.add_argument("--note-when", default="")
    args = parser.parse_args(argv)
    path: Path = args.answers_file
    if not path.is_file():
        print(f"ml-scaffold migration {args.version}: no {path} here; nothing to migrate")
        return 0
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    for pair in args.rename:
        old, _, new = pair.partition("=")
        lines = rename(lines, old, new)
        print(f"ml-scaffold migration {args.version}: answer {old!r} is now {new!r}")
    path.write_text("".join(lines), encoding="utf-8")
    if args.note:
        question, _, values = args.note_when.partition("=")
        if not question or answer(lines, question) in values.split(","):
            print(f"ml-scaffold migration {args.version}: {args.note}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
