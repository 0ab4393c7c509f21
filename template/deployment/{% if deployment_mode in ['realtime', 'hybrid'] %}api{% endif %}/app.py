"""The FastAPI application: `create_app()` (uvicorn's factory) builds it from the settings and
the environment.

Routes: POST /predict (one row), POST /predict/batch (up to MAX_BATCH_ROWS rows), GET /health
(liveness), GET /ready (model loaded, else 503 with the reason), GET /metrics (Prometheus).
Request bodies follow the schema generated from configs/data.yaml; unknown fields are rejected.
"""

# No `from __future__ import annotations` here: the request models are built at run time and
# FastAPI reads the route annotations as objects.
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from continuous_training.api import admin_router
from deployment.api import logs, metrics
from deployment.api.config import ServingConfig
from deployment.api.middleware import ServingMiddleware
from deployment.api.model_state import ModelNotReadyError, ModelState
from deployment.api.prediction_log import PredictionLog
from deployment.inference.predictor import Predictions, Predictor
from deployment.inference.schema import InputSchema
from deployment.project import Settings

log = logging.getLogger("deployment.api")


class Prediction(BaseModel):
    prediction: Any
    probability: float | None = None
    probabilities: dict[str, float] | None = None


class PredictResponse(Prediction):
    request_id: str
    model_name: str
    model_version: str


class BatchResponse(BaseModel):
    request_id: str
    model_name: str
    model_version: str
    predictions: list[Prediction]


class ErrorResponse(BaseModel):
    error: str
    detail: Any = None
    request_id: str | None = None


def _json(payload: dict[str, Any], status: int = 200) -> Response:
    body = json.dumps(payload, separators=(",", ":"), allow_nan=False).encode()
    return Response(body, status_code=status, media_type="application/json")


def _error(request: Request, status: int, error: str, detail: Any) -> Response:
    rid = request.scope.get("request_id")
    return _json({"error": error, "detail": detail, "request_id": rid}, status)


def create_app(config: ServingConfig | None = None, settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    config = config or ServingConfig.from_env(settings)
    logs.configure(config.log_level)
    schema = InputSchema(settings.data)
    row_model = schema.row_model
    batch_model = schema.batch_model(config.max_batch_rows)
    state = ModelState(config, schema)
    prediction_log = PredictionLog(config.prediction_log_dir)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await state.start()
        prediction_log.start()
        yield
        await state.stop()
        await prediction_log.close()

    app = FastAPI(
        title=f"{settings.experiment['registry']['model_name']} prediction API",
        description=__doc__,
        lifespan=lifespan,
        redoc_url=None,
    )
    app.state.model = state
    app.state.prediction_log = prediction_log
    app.add_middleware(
        ServingMiddleware, max_body_bytes=config.max_body_bytes, access_log=config.access_log
    )
    errors: dict[int | str, dict[str, Any]] = {
        413: {"model": ErrorResponse, "description": "Body larger than MAX_BODY_BYTES"},
        422: {"model": ErrorResponse, "description": "Body does not match the schema"},
        503: {"model": ErrorResponse, "description": "No model loaded"},
    }

    async def predict_rows(
        request: Request, rows: list[BaseModel]
    ) -> tuple[Predictor, Predictions]:
        predictor = state.require()
        values = [schema.row_values(row) for row in rows]
        columns = schema.columns_from_rows(values)
        if predictor.fast is not None:
            out = predictor.predict_columns(columns)
        else:
            out = await run_in_threadpool(predictor.predict_columns, columns)
        metrics.observe_predictions(predictor.kind, out.labels, out.probability)
        if prediction_log.enabled:
            model = {"model_name": predictor.info.name, "model_version": predictor.info.version}
            outputs = [out.row(i) for i in range(len(values))]
            prediction_log.add(request.scope["request_id"], model, values, outputs)
        return predictor, out

    @app.post("/predict", responses={200: {"model": PredictResponse}, **errors})
    async def predict(row: row_model, request: Request) -> Response:  # type: ignore[valid-type]
        """Predict one row."""
        predictor, out = await predict_rows(request, [row])
        return _json(
            {
                "request_id": request.scope["request_id"],
                "model_name": predictor.info.name,
                "model_version": predictor.info.version,
                **out.row(0),
            }
        )

    @app.post("/predict/batch", responses={200: {"model": BatchResponse}, **errors})
    async def predict_batch(body: batch_model, request: Request) -> Response:  # type: ignore[valid-type]
        """Predict up to MAX_BATCH_ROWS rows in one request."""
        rows = body.rows  # type: ignore[attr-defined]
        predictor, out = await predict_rows(request, rows)
        return _json(
            {
                "request_id": request.scope["request_id"],
                "model_name": predictor.info.name,
                "model_version": predictor.info.version,
                "predictions": [out.row(i) for i in range(len(rows))],
            }
        )

    @app.get("/health")
    async def health() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get("/ready", responses={503: {"model": ErrorResponse}})
    async def ready(request: Request) -> Response:
        """Readiness: a model is loaded (503 with the reason otherwise)."""
        if state.predictor is None:
            return _error(request, 503, "not_ready", state.reason)
        predictor = state.predictor
        return _json(
            {
                "status": "ready",
                "model": predictor.info.to_dict(),
                "fast_path": predictor.fast is not None,
                "fast_path_reason": predictor.fast_reason or None,
            }
        )

    @app.get("/metrics", include_in_schema=False)
    async def prometheus() -> Response:
        return Response(metrics.render(), media_type=metrics.CONTENT_TYPE)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        # Only location, message and type: echoing the input could hold NaN (not JSON).
        detail = [
            {
                "loc": [str(part) for part in err.get("loc", ())],
                "msg": str(err.get("msg", "")),
                "type": str(err.get("type", "")),
            }
            for err in exc.errors()
        ]
        return _error(request, 422, "invalid_request", detail)

    @app.exception_handler(ModelNotReadyError)
    async def not_ready(request: Request, exc: ModelNotReadyError) -> Response:
        return _error(request, 503, "model_not_ready", str(exc))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        return _error(request, exc.status_code, "http_error", exc.detail)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error", extra={"request_id": request.scope.get("request_id")})
        return _error(request, 500, "internal_error", "unexpected error; see the server log")

    # POST /admin/retrain and /admin/reload, bearer-token protected (continuous_training/api.py).
    app.include_router(admin_router(settings))
    return app
