"""`python -m deployment.kserve_predictor [--port P]`: serve the champion with kserve's
ModelServer (V1 and V2 REST protocols, `/metrics`).

Defaults come from PORT (8080, the port KServe routes to), MODEL_NAME (the registry model name),
MODEL_URI (the champion alias), MLFLOW_TRACKING_URI, PREDICTION_LOG_DIR, MAX_BATCH_ROWS,
MAX_BODY_BYTES, MODEL_RETRY_SECONDS, MODEL_POLL_SECONDS and LOG_LEVEL (deployment/api/config.py).
kserve listens on every interface (0.0.0.0); one process serves (KServe scales with replicas).
"""

from __future__ import annotations

import argparse
import os
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m deployment.kserve_predictor", description=__doc__
    )
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8080")))
    args = parser.parse_args(argv)
    # One thread for numpy/LightGBM: a prediction is one row, threads only add overhead.
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")
    # kserve parses sys.argv when imported: keep our own arguments away from it.
    sys.argv = sys.argv[:1]
    import kserve.model_server

    from deployment.api import logs
    from deployment.api.config import ServingConfig
    from deployment.kserve_predictor.server import build, serve_on
    from deployment.project import Settings

    settings = Settings()
    config = ServingConfig.from_env(settings)
    logs.configure(config.log_level)
    server, model = build(config, settings, args.port)
    # On the app kserve serves: the model's lifespan (loading it, the prediction log) and the
    # request id, the body limit and the request metrics.
    serve_on(kserve.model_server.app, model, config)
    server.start([])  # the model is registered already; it is loaded at start-up (or retried)
    return 0


if __name__ == "__main__":
    sys.exit(main())
