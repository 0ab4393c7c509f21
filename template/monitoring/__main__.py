"""`python -m monitoring drift [--current FILE]` | `python -m monitoring quality`.

drift: compare current rows (the API's prediction log, or FILE) with the training reference;
writes reports/monitoring/drift.{json,html} and Prometheus metrics; exit code 3 on drift.
quality: join the prediction log with arrived labels; metrics per model version.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

DRIFT_EXIT_CODE = 3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m monitoring", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    drift = sub.add_parser("drift", help="drift of current rows against the reference")
    drift.add_argument("--current", type=Path, help="CSV/Parquet rows instead of the log")
    sub.add_parser("quality", help="online metrics per model version from labelled rows")
    parser.add_argument("--root", type=Path, default=None, help="project directory")
    args = parser.parse_args(argv)

    from deployment.project import Settings

    settings = Settings(root=args.root) if args.root else Settings()
    if args.command == "drift":
        from monitoring.drift_detection import step

        summary = step.run(settings, {"current_path": args.current} if args.current else {})
        print(json.dumps(summary, indent=2, default=str))
        return DRIFT_EXIT_CODE if summary["status"] == "drift" else 0
    from monitoring import online_quality

    print(json.dumps(online_quality.run(settings, {}), indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
