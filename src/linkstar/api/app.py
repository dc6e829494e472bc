"""FastAPI application factory for the API (the console mounts onto the same app)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from sqlalchemy import Engine

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
        docs_url=f"{API_PREFIX}/docs",
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

    @app.middleware("http")
    async def _headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        request.state.request_id = request.headers.get("x-request-id", "")[:64] or new_id()
        response = await call_next(request)
        response.headers["X-Request-ID"] = request.state.request_id
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    return app
