"""`python -m rollback [--to VERSION] [--api-url URL] [--kubectl] [--namespace NS]`.

1. The champion alias goes back to the previous champion (or VERSION); the bad version is
   tagged `rolled_back=true`.
2. --api-url: the running API reloads the champion now (POST /admin/reload; token from the
   variable named by api_token_env in configs/continuous_training.yaml).
3. --kubectl: `kubectl rollout undo` of the API Deployment, then `kubectl rollout status`.
Every rollback is appended to the continuous-training audit log.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any


def main(argv: list[str] | None = None) -> int:
    from rollback import kubernetes

    parser = argparse.ArgumentParser(prog="python -m rollback", description=__doc__)
    parser.add_argument("--root", type=Path, default=None, help="project directory")
    parser.add_argument("--to", dest="to_version", help="version to restore (default: previous)")
    parser.add_argument("--reason", default="manual rollback")
    parser.add_argument("--api-url", help="running API to reload, e.g. http://localhost:8000")
    parser.add_argument("--kubectl", action="store_true", help="also roll the Deployment back")
    parser.add_argument("--namespace", default=kubernetes.NAMESPACE)
    parser.add_argument("--deployment", default=kubernetes.DEPLOYMENT)
    parser.add_argument("--revision", type=int, help="kubectl --to-revision")
    args = parser.parse_args(argv)

    from continuous_training import audit, config
    from deployment.project import Settings
    from rollback import notify, restore

    settings = Settings(root=args.root) if args.root else Settings()
    ct = config.load(settings)
    try:
        out: dict[str, Any] = {"registry": restore.restore(settings, args.to_version)}
    except restore.RollbackError as exc:
        print(f"rollback not possible: {exc}", file=sys.stderr)
        return 2
    if args.api_url:
        token = os.environ.get(str(ct["api_token_env"]), "")
        out["api"] = notify.reload_api(args.api_url, token)
    if args.kubectl:
        if not args.deployment:
            parser.error("no API Deployment in this project: the alias change is the rollback")
        undo = kubernetes.run(kubernetes.undo_argv(args.deployment, args.namespace, args.revision))
        status = kubernetes.run(kubernetes.status_argv(args.deployment, args.namespace))
        out["kubernetes"] = [r.__dict__ for r in (undo, status)]
    audit.append(
        config.project_path(settings, ct["audit_log"]), "rollback", reason=args.reason, **out
    )
    print(json.dumps(out, indent=2, default=str))
    failed = any(r["returncode"] for r in out.get("kubernetes", []))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
