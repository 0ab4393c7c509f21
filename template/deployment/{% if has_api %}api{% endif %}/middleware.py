"""One pure-ASGI middleware for every request: request id, body size limit, metrics and the
access log. (Starlette's BaseHTTPMiddleware would cost more per request than a prediction.)"""

from __future__ import annotations

import itertools
import json
import logging
import re
import secrets
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from deployment.api import metrics

access = logging.getLogger("deployment.access")
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# Generated ids: a random prefix per process and a counter (unique without a syscall each).
_PREFIX = secrets.token_hex(6)
_COUNTER = itertools.count(1)


class BodyTooLargeError(Exception):
    """The request body went over MAX_BODY_BYTES while it was being read."""


class ServingMiddleware:
    def __init__(self, app: ASGIApp, max_body_bytes: int, access_log: bool = True) -> None:
        self.app, self.max_body_bytes, self.access_log = app, max_body_bytes, access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = _request_id(scope)
        scope["request_id"] = request_id
        header_id = request_id.encode()
        status = 500
        response_started = False
        too_large = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if too_large and not response_started:
                # The body went over the limit while the app read it (the app may have
                # turned that into a 400): answer 413 instead, once, and drop the rest.
                response_started, status = True, 413
                await _too_large(send, request_id, header_id, self.max_body_bytes)
                return
            if too_large:
                return
            if message["type"] == "http.response.start":
                status, response_started = message["status"], True
                message["headers"] = [*message.get("headers", []), (b"x-request-id", header_id)]
            await send(message)

        async def limited() -> Message:
            nonlocal too_large, seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body_bytes:
                    too_large = True
                    raise BodyTooLargeError
            return message

        seen = 0
        try:
            declared = _content_length(scope)
            if declared is not None and declared > self.max_body_bytes:
                status, response_started = 413, True
                await _too_large(send, request_id, header_id, self.max_body_bytes)
            else:
                await self.app(scope, limited, send_with_id)
        except BodyTooLargeError:
            if not response_started:
                status, response_started = 413, True
                await _too_large(send, request_id, header_id, self.max_body_bytes)
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            path = getattr(route, "path", None) or "unmatched"
            metrics.observe_request(path, scope["method"], status, elapsed)
            if self.access_log:
                access.info(
                    "request",
                    extra={
                        "request_id": request_id,
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status,
                        "duration_ms": round(elapsed * 1000, 3),
                    },
                )


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            if REQUEST_ID.fullmatch(candidate):
                return candidate
            break
    return f"{_PREFIX}{next(_COUNTER):010x}"


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _too_large(send: Send, request_id: str, header_id: bytes, limit: int) -> None:
    body = json.dumps(
        {
            "error": "payload_too_large",
            "detail": f"request body exceeds {limit} bytes (MAX_BODY_BYTES)",
            "request_id": request_id,
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"connection", b"close"),
                (b"x-request-id", header_id),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
