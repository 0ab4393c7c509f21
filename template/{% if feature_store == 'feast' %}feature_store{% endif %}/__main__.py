"""`python -m feature_store sync | lookup ENTITY_ID`: load the store from the validated layer
(`feast apply`, materialize), or print one entity's online features."""

from __future__ import annotations

import argparse
import json
import sys

from data_ingestion.contract import DataContractError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m feature_store", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("sync", help="write the offline sources, apply, materialize")
    lookup = commands.add_parser("lookup", help="one entity's online features")
    lookup.add_argument("entity_id")
    args = parser.parse_args(argv)

    from deployment.project import Settings

    settings = Settings()
    try:
        if args.command == "sync":
            from feature_store.sync import sync

            print(json.dumps(sync(settings), indent=2, default=str))
            return 0
        from feature_store.online import FeatureStoreUnavailable, OnlineFeatures

        online = OnlineFeatures(settings)
        try:
            found = online.lookup(online.known_entity_type()(args.entity_id))
        except FeatureStoreUnavailable as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    except (DataContractError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if found is None:
        print(f"error: no online features for {args.entity_id!r}", file=sys.stderr)
        return 1
    print(json.dumps(found, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
