"""`python -m deployment.batch [--input PATH|GLOB] [--output DIR] [--chunk-rows N] [--force]
[--metrics-file PATH]`

Scores the input with the champion model (MODEL_URI overrides it) and prints a JSON summary.
Defaults: BATCH_INPUT or data/validated/data.parquet; BATCH_OUTPUT or data/predictions/batch;
BATCH_CHUNK_ROWS or 50000; BATCH_METRICS_FILE or reports/monitoring/metrics/batch.prom (the
run's Prometheus metrics, also pushed to PUSHGATEWAY_URL when it is set).
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from deployment.batch.job import DEFAULT_CHUNK_ROWS, run_batch
from deployment.project import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deployment.batch", description=__doc__)
    parser.add_argument("--input", default=os.environ.get("BATCH_INPUT") or None)
    parser.add_argument("--output", default=os.environ.get("BATCH_OUTPUT") or None)
    parser.add_argument(
        "--chunk-rows",
        type=int,
        default=int(os.environ.get("BATCH_CHUNK_ROWS") or DEFAULT_CHUNK_ROWS),
    )
    parser.add_argument("--force", action="store_true", help="rescore even if already done")
    parser.add_argument("--metrics-file", default=None, help="textfile-collector file to write")
    args = parser.parse_args(argv)
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")
    result = run_batch(
        Settings(),
        input_path=args.input,
        output_dir=args.output,
        chunk_rows=args.chunk_rows,
        force=args.force,
        metrics_file=args.metrics_file,
    )
    print(json.dumps(result.to_dict(), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
