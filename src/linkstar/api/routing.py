"""The router every /api/v1 module builds on: route class, permission declaration, error docs.

- `api_router(tag)` gives an APIRouter whose routes store idempotent responses, refuse request
  bodies over 1 MiB with the error envelope, and document 401.
- `needs(permission)` is the dependency that lets a request through only with `permission`;
  the route class copies it into the OpenAPI operation (`x-permissions` and the description),
  so the document, the console and the code cannot disagree.
- `errors(404, 409, ...)` documents the error envelope for the listed statuses.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import get_flat_params
from fastapi.routing import APIRoute
from starlette.types import Message

from linkstar.api.deps import requires
from linkstar.api.idempotency import (
    IDEMPOTENCY_HEADER,
    REPLAYED_HEADER,
    ROUTE_MARK,
    Replay,
    remember_response,
)
from linkstar.api.schemas import ErrorEnvelope
from linkstar.kit.errors import LinkStarError
from linkstar.workspace.core import Permission, Principal

MAX_BODY_BYTES = 1024 * 1024
PERMISSION_ATTR = "__linkstar_permission__"
PERMISSIONS_KEY = "x-permissions"

_ERROR_TEXT = {
    400: "The body could not be parsed.",
    401: "Missing, malformed, unknown, revoked or expired credentials.",
    403: "The caller lacks the permission, or a console request lacks its CSRF token.",
    404: "No such resource in the caller's organisation.",
    409: "Conflicts with existing data or state, or a reused `Idempotency-Key`.",
    413: "The request body is larger than 1 MiB.",
    422: "Invalid input: malformed JSON, wrong types, unknown fields, bad cursor or values.",
    502: "An outside platform failed to answer the request made for you; nothing was stored.",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries with the error envelope for each status."""
    return {s: {"model": ErrorEnvelope, "description": _ERROR_TEXT[s]} for s in statuses}


def created(description: str) -> dict[int | str, dict[str, Any]]:
    """The 201 of an idempotent creating POST, with its replay header documented."""
    return {
        201: {
            "description": description,
            "headers": {
                REPLAYED_HEADER: {
                    "description": f"`true` when this is the stored response to a repeated "
                    f"`{IDEMPOTENCY_HEADER}`.",
                    "schema": {"type": "string"},
                }
            },
        }
    }


def needs(permission: Permission) -> Callable[..., Principal]:
    """Dependency: the acting principal, refused with 403 unless it holds `permission`."""
    check = requires(permission)
    setattr(check, PERMISSION_ATTR, permission)
    return check


def _permissions(dependant: Dependant) -> list[str]:
    found: list[str] = []
    for sub in dependant.dependencies:
        permission = getattr(sub.call, PERMISSION_ATTR, None)
        if isinstance(permission, Permission):
            found.append(permission.value)
        found.extend(_permissions(sub))
    return sorted(set(found))


class ApiRoute(APIRoute):
    """An APIRoute that declares its permissions and stores idempotent responses."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        if get_flat_params(self.dependant) or self.body_field:
            # Otherwise FastAPI documents its own 422 shape, not the envelope we send.
            self.responses = {**errors(422), **self.responses}
        permissions = _permissions(self.dependant)
        self.openapi_extra = {**(self.openapi_extra or {}), PERMISSIONS_KEY: permissions}
        needed = ", ".join(f"`{p}`" for p in permissions) or "none beyond authentication"
        self.description = f"{self.description}\n\nRequired permission: {needed}.".strip()

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            request = await _within_body_limit(request)
            setattr(request.state, ROUTE_MARK, True)
            try:
                response = await handler(request)
            except Replay as replay:
                return replay.response
            # Still inside the request's unit of work: stored with the change, or not at all.
            await remember_response(request, response)
            return response

        return handle


class PayloadTooLarge(LinkStarError):
    code = "payload_too_large"
    status = 413


async def _within_body_limit(request: Request) -> Request:
    """Read the body up to MAX_BODY_BYTES and hand on a request that replays it.

    FastAPI's own `max_body_size` answers 413 in plain text; this keeps the error envelope.
    """
    if request.method in {"GET", "HEAD", "OPTIONS", "DELETE"}:
        return request
    too_large = PayloadTooLarge(
        f"the request body exceeds {MAX_BODY_BYTES} bytes", {"limit": MAX_BODY_BYTES}
    )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise too_large
        chunks.append(chunk)
    body = b"".join(chunks)
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if delivered:
            return await request.receive()
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    return Request(request.scope, replay)


def api_router(tag: str) -> APIRouter:
    """A router for one /api/v1 resource."""
    return APIRouter(tags=[tag], route_class=ApiRoute, responses=errors(401))
