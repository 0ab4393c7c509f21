"""`python -m deployment.api [--workers N] [--host H] [--port P]`: run the API with uvicorn.

Defaults come from HOST (127.0.0.1), PORT (8000), WORKERS (1) and GRACEFUL_TIMEOUT (20 s).
With several workers, Prometheus metrics are aggregated through PROMETHEUS_MULTIPROC_DIR (a
fresh temporary directory when unset; emptied at start either way).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import uvicorn

from deployment.api.logs import log_config


def prepare_multiprocess_dir(workers: int) -> Path | None:
    """Set up (and empty) PROMETHEUS_MULTIPROC_DIR before any worker imports prometheus_client."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory and workers == 1:
        return None
    path = Path(directory) if directory else Path(tempfile.mkdtemp(prefix="prometheus-"))
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deployment.api", description=__doc__)
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WORKERS", "1")))
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    # One thread per worker for numpy/LightGBM: the workers already use the cores.
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")
    prepare_multiprocess_dir(args.workers)
    uvicorn.run(
        "deployment.api.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        loop="uvloop" if sys.platform != "win32" else "asyncio",
        http="httptools",
        access_log=False,
        log_config=log_config(os.environ.get("LOG_LEVEL", "INFO").upper()),
        timeout_graceful_shutdown=int(os.environ.get("GRACEFUL_TIMEOUT", "20")),
        server_header=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
