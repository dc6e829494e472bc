"""One error envelope for every failure: {"error": {"code", "message", "details"}}."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from linkstar.kit.errors import LinkStarError, Throttled

log = structlog.get_logger(__name__)

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "throttled",
}


def envelope(status: int, code: str, message: str, details: Any = None) -> JSONResponse:
    """The JSON response every error takes."""
    body = {"error": {"code": code, "message": message, "details": details}}
    return JSONResponse(status_code=status, content=body)


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [
        {"field": ".".join(str(p) for p in err.get("loc", ())), "reason": err.get("msg", "")}
        for err in exc.errors()
    ]


def install(app: FastAPI) -> None:
    """Register the handlers that turn exceptions into the envelope."""

    @app.exception_handler(LinkStarError)
    async def _domain(request: Request, exc: LinkStarError) -> JSONResponse:
        response = envelope(exc.status, exc.code, exc.message, exc.details)
        if isinstance(exc, Throttled):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return envelope(422, "invalid_input", "the request is not valid", _validation_details(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "error")
        response = envelope(exc.status_code, code, str(exc.detail))
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return response

    # Services check uniqueness first; these catch the races that slip past (two requests
    # creating the same name at once) and values the database refuses (NUL bytes in
    # PostgreSQL text): the request's transaction is rolled back, the client gets a 4xx.
    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        log.warning("integrity error", path=request.url.path, error=str(exc.orig))
        return envelope(409, "conflict", "the change conflicts with existing data")

    @app.exception_handler(DataError)
    async def _data(request: Request, exc: DataError) -> JSONResponse:
        log.warning("data error", path=request.url.path, error=str(exc.orig))
        return envelope(422, "invalid_input", "a value cannot be stored as given")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", path=request.url.path)
        return envelope(500, "internal_error", "an unexpected error occurred; it has been logged")
