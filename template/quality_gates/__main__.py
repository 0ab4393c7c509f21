"""`python -m quality_gates [--phase P]... [--static] [--allow-incomplete] [--json]`

Exit status: 1 when a check failed; 3 when none failed but a phase is `incomplete` (a check did
not run: no pipeline output yet, or static mode); 0 only when every check of every phase run
passed. `--static` runs only the checks that need nothing installed, so its phases are
incomplete by design: it exits 0 unless a check failed, as does `--allow-incomplete`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from quality_gates import PHASES
from quality_gates.core import FAIL, INCOMPLETE, Context, read_answers, read_config
from quality_gates.runner import format_table, run, write_report

EXIT_FAILED, EXIT_INCOMPLETE = 1, 3


def exit_status(report: dict, allow_incomplete: bool) -> int:
    statuses = {r["status"] for r in report.values()}
    if FAIL in statuses:
        return EXIT_FAILED
    if INCOMPLETE in statuses and not allow_incomplete:
        return EXIT_INCOMPLETE
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m quality_gates",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--phase", action="append", choices=PHASES, help="run only this phase")
    parser.add_argument(
        "--static", action="store_true", help="only the stdlib-only checks (the rest: not run)"
    )
    parser.add_argument(
        "--allow-incomplete",
        action="store_true",
        help="exit 0 when no check failed even if some did not run",
    )
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
    return exit_status(report, args.allow_incomplete or args.static)


if __name__ == "__main__":
    sys.exit(main())
