"""`python -m quality_gates [--phase P]... [--static] [--json]`; exits 1 when a phase fails."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from quality_gates import PHASES
from quality_gates.core import FAIL, Context, read_answers, read_config
from quality_gates.runner import format_table, run, write_report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m quality_gates", description=__doc__)
    parser.add_argument("--phase", action="append", choices=PHASES, help="run only this phase")
    parser.add_argument("--static", action="store_true", help="only the stdlib-only checks")
    parser.add_argument("--json", action="store_true", help="print the JSON report")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="project directory")
    args = parser.parse_args(argv)

    root = args.root.resolve()
    config = read_config(root)
    ctx = Context(root=root, config=config, answers=read_answers(root), static=args.static)
    quiet = args.json
    report = run(ctx, args.phase, echo=(lambda *a, **k: None) if quiet else print)
    write_report(report, root / config.get("report", "reports/quality_gates.json"))
    print(json.dumps(report, indent=2, default=str) if quiet else format_table(report))
    return 1 if any(r["status"] == FAIL for r in report.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
