"""Liveness and readiness probes (outside /api/v1, no authentication, no tenant data)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from linkstar.db.engine import ping
from linkstar.jobs.broker import broker_ping
from linkstar.kit.errors import LinkStarError

router = APIRouter(tags=["health"])


class Liveness(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    checks: dict[str, str]


@router.get("/healthz", summary="The process is up", response_model=Liveness)
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="The database and the broker are reachable",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "A dependency is unreachable."}},
)
async def readyz(request: Request) -> JSONResponse:
    checks: dict[str, str] = {}
    try:
        await run_in_threadpool(ping, request.app.state.engine)
        checks["database"] = "ok"
    except LinkStarError as exc:
        checks["database"] = exc.message
    broker_url = request.app.state.settings.broker_url
    if broker_url:
        try:
            await run_in_threadpool(broker_ping, broker_url)
            checks["broker"] = "ok"
        except LinkStarError as exc:
            checks["broker"] = exc.message
    else:
        checks["broker"] = "embedded"
    ready = all(v in {"ok", "embedded"} for v in checks.values())
    body = {"status": "ok" if ready else "unavailable", "checks": checks}
    return JSONResponse(body, 200 if ready else 503)
