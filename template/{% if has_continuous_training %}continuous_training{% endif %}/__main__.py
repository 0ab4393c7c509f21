"""`python -m continuous_training check | run [--reason R] | trigger --reason R [--by WHO]`.

check: which triggers fire now (nothing trained). run: retrain when a trigger fires (or always,
with --reason), judge the challenger, promote or not, log the decision. trigger: queue a manual
request that the next `run` (or the orchestrator's next check) picks up.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m continuous_training", description=__doc__)
    parser.add_argument("--root", type=Path, default=None, help="project directory")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check", help="evaluate the triggers only")
    run = sub.add_parser("run", help="retrain when a trigger fires")
    run.add_argument("--reason", help="retrain now, whatever the triggers say")
    trigger = sub.add_parser("trigger", help="queue a manual retraining request")
    trigger.add_argument("--reason", required=True)
    trigger.add_argument("--by", default=None, help="who asks (default: the current user)")
    args = parser.parse_args(argv)

    from continuous_training import step, triggers
    from deployment.project import Settings

    settings = Settings(root=args.root) if args.root else Settings()
    if args.command == "check":
        out = step.check(settings, {})
    elif args.command == "trigger":
        out = triggers.request_manual(settings, args.reason, args.by or getpass.getuser())
    else:
        out = step.run(settings, {"force_reason": args.reason} if args.reason else {})
    print(json.dumps(out, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
