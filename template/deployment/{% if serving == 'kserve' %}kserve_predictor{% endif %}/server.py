"""kserve's ModelServer with the champion registered, and the same routes as an in-process app.

`build` registers the model even while it cannot be loaded yet (the server starts, readiness
says 503 and loading is retried); kserve's own `ModelServer.start([model])` would refuse to
start instead. `serve_on` gives an app the model's lifespan (loading, the prediction log) and
the prediction API's request middleware (request id, body limit, request metrics). `in_process`
mounts kserve's V1/V2 routes and error handlers on a fresh FastAPI
app for the tests, the deployment gate's latency check and the canary rehearsal, which need no
port (the same `RESTServer` code `ModelServer.start` serves them with).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import AbstractAsyncContextManager, contextmanager
from typing import TYPE_CHECKING

import kserve.protocol.rest.server
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, ORJSONResponse
from kserve import ModelServer
from kserve.constants.constants import FASTAPI_APP_IMPORT_STRING
from kserve.errors import InvalidInput
from kserve.protocol.rest.server import RESTServer
from starlette.types import ASGIApp, Receive, Scope, Send

from deployment.api.config import ServingConfig
from deployment.api.middleware import ServingMiddleware
from deployment.inference.schema import InputSchema
from deployment.kserve_predictor.model import ChampionModel
from deployment.project import Settings

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

DEFAULT_PORT = 8080  # KServe's: the InferenceService routes to the container's port 8080
log = logging.getLogger("deployment.kserve_predictor")


async def invalid_input(request: Request, exc: Exception) -> JSONResponse:
    """400 with the reason. kserve's own handler logs a traceback at ERROR for every bad
    request; a client's mistake is logged here as one line."""
    log.info("invalid request to %s: %s", request.url.path, exc)
    return JSONResponse(status_code=400, content={"error": str(exc)})


def quiet_logs(level: str) -> None:
    """kserve logs two timing lines per request (kserve.trace); keep them for DEBUG only."""
    if logging.getLevelName(level) != logging.DEBUG:
        logging.getLogger("kserve.trace").setLevel(logging.WARNING)
    # ModelServer.start registers kserve's handlers on its app: make it register this one.
    kserve.protocol.rest.server.invalid_input_handler = invalid_input  # type: ignore[assignment]


class RequestIdHeader:
    """Inside ServingMiddleware: its request id (kept from the client's X-Request-ID when valid,
    else generated) as the request's X-Request-ID header, which kserve hands to the model."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope["headers"] = [
                *(h for h in scope.get("headers", ()) if h[0] != b"x-request-id"),
                (b"x-request-id", scope["request_id"].encode()),
            ]
        await self.app(scope, receive, send)


def serve_on(app: FastAPI, model: ChampionModel, config: ServingConfig) -> None:
    def lifespan(_: FastAPI) -> AbstractAsyncContextManager[None]:
        return model.serving()

    app.router.lifespan_context = lifespan
    app.add_middleware(RequestIdHeader)
    # No access log of ours: uvicorn's (configured by kserve) already logs every request.
    app.add_middleware(ServingMiddleware, max_body_bytes=config.max_body_bytes, access_log=False)


def build(
    config: ServingConfig, settings: Settings, port: int = DEFAULT_PORT
) -> tuple[ModelServer, ChampionModel]:
    # REST only: gRPC (kserve's port 8081) is not exposed by the InferenceService here.
    server = ModelServer(
        http_port=port, workers=1, enable_grpc=False, enable_docs_url=False,
        enable_latency_logging=False,
    )  # fmt: skip
    quiet_logs(config.log_level)
    model = ChampionModel(config, InputSchema(settings.data))
    server.register_model(model)
    return server, model


def asgi_app(server: ModelServer, model: ChampionModel, config: ServingConfig) -> FastAPI:
    """kserve's REST routes (V1, V2, /metrics) and error handlers on a new FastAPI app."""
    app = FastAPI(
        title="KServe ModelServer", docs_url=None, redoc_url=None,
        default_response_class=ORJSONResponse,
    )  # fmt: skip
    rest = RESTServer(
        FASTAPI_APP_IMPORT_STRING, server.dataplane, server.model_repository_extension, 0
    )
    rest._register_endpoints(app)  # kserve==0.21.*: as create_application
    rest._add_exception_handlers(app)
    app.add_exception_handler(InvalidInput, invalid_input)
    serve_on(app, model, config)
    return app


@contextmanager
def in_process(config: ServingConfig, settings: Settings) -> Iterator[TestClient]:
    """A TestClient on the predictor with the model loaded (or not ready, with the reason)."""
    from fastapi.testclient import TestClient

    server, model = build(config, settings)
    app = asgi_app(server, model, config)
    with TestClient(app, raise_server_exceptions=False) as client:
        client.model = model  # type: ignore[attr-defined]
        yield client
