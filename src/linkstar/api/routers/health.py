"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from linkstar.db.engine import ping
from linkstar.jobs.broker import broker_ping
from linkstar.kit.errors import LinkStarError

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is up")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="The database and the broker are reachable")
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
    return JSONResponse({"status": "ok" if ready else "unavailable", "checks": checks}, 200 if ready else 503)
