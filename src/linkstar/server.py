"""The served application: the API and the console on one FastAPI app."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import Engine

from linkstar import web
from linkstar.api.app import create_app
from linkstar.config import Settings


def build_app(settings: Settings, engine: Engine | None = None) -> FastAPI:
    """API under /api/v1, console at /, sharing one engine and one error policy."""
    app = create_app(settings, engine)
    web.mount(app)
    return app
