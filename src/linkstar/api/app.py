"""FastAPI application factory for the API (the console mounts onto the same app)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from sqlalchemy import Engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from linkstar import __version__
from linkstar.api import errors
from linkstar.api.routers import ROUTERS, health, hooks
from linkstar.api.routers import unsubscribe as unsubscribe_router
from linkstar.config import Settings
from linkstar.db.engine import make_engine, make_session_factory
from linkstar.kit.crypto import SecretBox
from linkstar.kit.ids import new_id

API_PREFIX = "/api/v1"

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'"
    ),
}


def create_app(settings: Settings, engine: Engine | None = None) -> FastAPI:
    """Build the API on `engine` (or one made from the settings)."""
    app = FastAPI(
        title="LinkStar API",
        version=__version__,
        description="Orders, stock, carrier routing, tracking, returns and buyer inbox "
        "for cross-border sellers. Authenticate with `Authorization: Bearer <API key>`.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,  # served by the console from vendored files (web/pages/api_docs.py)
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine or make_engine(settings.database_url)
    app.state.sessions = make_session_factory(app.state.engine)
    app.state.box = SecretBox(settings.encryption_keys())
    errors.install(app)
    app.include_router(health.router)
    app.include_router(hooks.router)
    app.include_router(unsubscribe_router.router)
    for router in ROUTERS:
        app.include_router(router, prefix=API_PREFIX)

    app.add_middleware(HeadersMiddleware)
    return app


_SECURITY_RAW = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]


class HeadersMiddleware:
    """Request id and security headers on every response, as plain ASGI.

    Plain ASGI rather than `@app.middleware("http")`: Starlette's BaseHTTPMiddleware runs each
    request through extra tasks and memory streams, a large share of a lean request's cost
    (webhook pushes, see docs/benchmarks.md).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = ""
        for name, value in scope.get("headers", ()):
            if name == b"x-request-id":
                given = value.decode("latin-1")[:64]
                break
        request_id = given or new_id()
        state: dict[str, Any] = scope.setdefault("state", {})
        state["request_id"] = request_id

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers = [h for h in headers if h[0].lower() != b"x-request-id"]
                headers.append((b"x-request-id", request_id.encode("latin-1")))
                headers += [h for h in _SECURITY_RAW if h[0] not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
