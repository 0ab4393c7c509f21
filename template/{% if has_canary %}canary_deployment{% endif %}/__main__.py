"""`python -m canary_deployment --canary VERSION [--stable VERSION] [--requests N]`.

Rehearses a canary release on this machine: the stable version (default: the champion) and the
canary run in-process behind a router that shifts 5 -> 25 -> 50 -> 100 % of generated requests
to the canary, with the analysis between steps. Exit code 1 when the rollout aborts. In
Kubernetes, Argo Rollouts runs the same steps (canary_deployment/k8s); with KServe, the
InferenceService's canaryTrafficPercent takes them.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m canary_deployment", description=__doc__)
    parser.add_argument("--root", type=Path, default=None, help="project directory")
    parser.add_argument("--canary", required=True, help="registry version of the canary")
    parser.add_argument("--stable", help="registry version of the stable model (default: champion)")
    parser.add_argument("--requests", type=int, default=400, help="requests per step")
    args = parser.parse_args(argv)

    from canary_deployment.controller import run_rollout
    from canary_deployment.local import InProcessRouter, serving_endpoints
    from deployment.inference.schema import InputSchema
    from deployment.project import Settings

    settings = Settings(root=args.root) if args.root else Settings()
    registry = settings.experiment["registry"]
    name = registry["model_name"]
    stable_uri = (
        f"models:/{name}/{args.stable}"
        if args.stable
        else f"models:/{name}@{registry.get('champion_alias', 'champion')}"
    )

    rows = InputSchema(settings.data).examples(500, seed=1)
    canary_uri = f"models:/{name}/{args.canary}"
    with serving_endpoints(settings, stable_uri, canary_uri) as (stable, canary):
        router = InProcessRouter(stable, canary, rows, args.requests)
        result = run_rollout(router, router)
    print(json.dumps(asdict(result), indent=2, default=str))
    return 0 if result.status == "promoted" else 1


if __name__ == "__main__":
    sys.exit(main())
