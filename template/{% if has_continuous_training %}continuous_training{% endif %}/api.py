"""Admin endpoints of the prediction API, protected by a bearer token:

- POST /admin/retrain {"reason": "..."}: queue a manual retraining request (202);
- POST /admin/reload: load the model the champion alias points at now (after a promotion or a
  rollback), without a restart.

The token is read from the environment variable named by `api_token_env` in
configs/continuous_training.yaml (CT_API_TOKEN); while it is unset the endpoints answer 403.
They are left out of the OpenAPI schema: they are not part of the prediction contract.
Mount with `app.include_router(admin_router(settings))`.
"""

from __future__ import annotations

import os
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from continuous_training import config, triggers

BEARER = HTTPBearer(auto_error=False)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)]


class RetrainRequest(BaseModel):
    reason: str = Field(min_length=1, max_length=500)
    requested_by: str = Field(default="api", min_length=1, max_length=100)


def admin_router(settings: Any) -> APIRouter:
    env_name = str(config.load(settings)["api_token_env"])

    def authorised(credentials: Credentials) -> None:
        expected = os.environ.get(env_name)
        if not expected:
            raise HTTPException(403, f"admin endpoints disabled: {env_name} is not set")
        given = credentials.credentials if credentials else ""
        if not secrets.compare_digest(given.encode(), expected.encode()):
            raise HTTPException(401, "missing or wrong bearer token")

    router = APIRouter(
        prefix="/admin",
        tags=["admin"],
        dependencies=[Depends(authorised)],
        include_in_schema=False,
    )

    @router.post("/retrain", status_code=202)
    async def retrain(body: RetrainRequest) -> dict[str, Any]:
        """Queue a manual retraining request for the next continuous-training run."""
        request = await run_in_threadpool(
            triggers.request_manual, settings, body.reason, body.requested_by
        )
        return {"status": "queued", "request": request}

    @router.post("/reload")
    async def reload(request: Request) -> dict[str, Any]:
        """Reload the served model from its URI (the champion alias by default)."""
        state = request.app.state.model
        if not await run_in_threadpool(state.load):
            raise HTTPException(503, state.reason)
        return {"status": "reloaded", "model": state.predictor.info.to_dict()}

    return router
