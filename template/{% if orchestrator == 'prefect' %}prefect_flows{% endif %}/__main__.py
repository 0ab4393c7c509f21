"""`python -m prefect_flows run PIPELINE | serve | deploy --work-pool NAME [--image IMAGE]`

run: one flow run now, in this process. serve: this process runs the deployments on their
schedules and triggers (needs a Prefect server: `prefect server start`, or Prefect Cloud).
deploy: register the deployments with a work pool; its workers run them.
"""

from __future__ import annotations

import argparse
import json
import sys

from prefect_flows.deployments import deployments
from prefect_flows.flows import FLOWS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m prefect_flows", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run one pipeline now")
    run.add_argument("pipeline", choices=sorted(FLOWS))
    commands.add_parser("serve", help="serve the deployments from this process")
    deploy = commands.add_parser("deploy", help="register the deployments with a work pool")
    deploy.add_argument("--work-pool", required=True)
    deploy.add_argument("--image", help="the project's image, for container work pools")
    args = parser.parse_args(argv)

    if args.command == "run":
        print(json.dumps(FLOWS[args.pipeline](), indent=2, default=str))
    elif args.command == "serve":
        from prefect import serve

        serve(*deployments())
    else:
        from prefect import deploy as deploy_all

        extra = {"image": args.image, "build": False, "push": False} if args.image else {}
        deploy_all(*deployments(), work_pool_name=args.work_pool, **extra)
    return 0


if __name__ == "__main__":
    sys.exit(main())
