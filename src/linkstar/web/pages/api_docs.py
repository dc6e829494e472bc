"""The API's reference page (`/api/v1/docs`): Swagger UI over `/api/v1/openapi.json`.

FastAPI's own page loads Swagger UI from a CDN and starts it with an inline script; the
security headers forbid both (`script-src 'self'`) and LinkStar never loads code from a CDN.
So the page is served here with Swagger UI's files from web/static/vendor (installed from the
npm registry by `python -m linkstar.web.assets`) and a static start-up script. Without the
vendored files it still names the OpenAPI document and how to install them. No sign-in: the
document describes the API, it holds no workspace data; calls from the page need an API key.
"""

from __future__ import annotations

from fastapi import APIRouter

from linkstar.api.app import API_PREFIX
from linkstar.web.assets import swagger_available
from linkstar.web.templating import render_html

router = APIRouter()


@router.get(f"{API_PREFIX}/docs")
def api_docs() -> object:
    return render_html(
        "api_docs.html",
        {"spec_url": f"{API_PREFIX}/openapi.json", "swagger": swagger_available()},
    )
