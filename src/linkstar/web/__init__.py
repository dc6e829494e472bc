"""The console: server-rendered pages (Jinja2 + HTMX) calling the same services as the API."""

from __future__ import annotations

from fastapi import FastAPI


def mount(app: FastAPI) -> None:
    """Attach the console's pages and static assets to the app."""
