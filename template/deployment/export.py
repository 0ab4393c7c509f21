"""`python -m deployment.export [--out build/model]`: copy the served model (MODEL_URI, by
default the champion) out of the registry into a directory the Docker image bakes in."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from deployment.inference.model import export, model_uri
from deployment.project import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deployment.export", description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("build/model"))
    args = parser.parse_args(argv)
    settings = Settings()
    info = export(model_uri(settings), settings.tracking_uri, args.out)
    print(json.dumps(info.to_dict(), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
