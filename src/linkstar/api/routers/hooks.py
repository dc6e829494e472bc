"""POST /hooks/{token}: where marketplaces and tracking aggregators push (no login).

Outside /api/v1 and outside the OpenAPI document, like the probes: it is not part of the
authenticated API. The token in the path finds the endpoint (and so the organisation); the
signature header proves the sender. Documented in docs/formats/webhooks.md.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from linkstar.db.uow import unit_of_work
from linkstar.kit.clock import utcnow
from linkstar.kit.errors import LinkStarError
from linkstar.tracking.hooks.receive import Answer, receive

router = APIRouter(tags=["webhooks"])

MAX_BODY_BYTES = 1024 * 1024


class BodyTooLarge(LinkStarError):
    code = "body_too_large"
    status = 413


async def _body(request: Request) -> bytes:
    """The raw body, refused with 413 past 1 MiB without reading the rest."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise BodyTooLarge(f"the body is larger than {MAX_BODY_BYTES} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise BodyTooLarge(f"the body is larger than {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


@router.post("/hooks/{token}", include_in_schema=False)
async def deliver(token: str, request: Request) -> JSONResponse:
    """Verify and queue one webhook delivery: 202, or 401/404/413/422 with the reason."""
    body = await _body(request)
    headers = dict(request.headers)
    app = request.app

    def handle() -> Answer:
        with unit_of_work(app.state.sessions) as session:
            return receive(session, app.state.box, token, body, headers, now=utcnow())

    answer = await run_in_threadpool(handle)
    return JSONResponse(answer.body, answer.status)
