"""The console: server-rendered pages (Jinja2 + HTMX) calling the same services as the API."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from linkstar.web import errors
from linkstar.web.assets import STATIC_DIR
from linkstar.web.pages import ROUTERS
from linkstar.web.templating import STATIC_URL


def mount(app: FastAPI) -> None:
    """Attach the console's pages, static assets (vendor files included) and error pages."""
    for router in ROUTERS:
        app.include_router(router, include_in_schema=False)
    app.mount(STATIC_URL, StaticFiles(directory=STATIC_DIR), name="static")
    errors.install(app)
