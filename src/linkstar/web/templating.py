"""Jinja2 environment of the console: autoescaped, strict about undefined names."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.responses import HTMLResponse

from linkstar.kit.clock import as_utc, utcnow
from linkstar.web.assets import STATIC_DIR, htmx_available

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATIC_URL = "/static"

env = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=True,  # every template, including SVG fragments
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@lru_cache(maxsize=64)
def _fingerprint(path: str, mtime_ns: int) -> str:
    return hashlib.sha256((STATIC_DIR / path).read_bytes()).hexdigest()[:10]


def static_url(path: str) -> str:
    """URL of a file under web/static with a content fingerprint for cache busting."""
    file = STATIC_DIR / path
    if not file.is_file():
        return f"{STATIC_URL}/{path}"
    return f"{STATIC_URL}/{path}?v={_fingerprint(path, file.stat().st_mtime_ns)}"


def time_helpers(timezone: str) -> dict[str, Callable[..., str]]:
    """Date formatting in the organisation's timezone (`when`, the one way a console page shows
    a time) and relative to now (`ago`)."""
    try:
        zone = ZoneInfo(timezone)
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")

    def when(value: datetime | str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
        """The time in the workspace's zone, labelled with the zone's abbreviation when the
        format shows a clock time ("2026-12-06 14:05 CET"); a date alone is not labelled.
        Text is an ISO 8601 time as JSON columns and reports keep it (an order's holds)."""
        if value is None or value == "":
            return ""
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        local = as_utc(moment).astimezone(zone)
        return local.strftime(f"{fmt} %Z" if "%H" in fmt else fmt)

    def ago(value: datetime | None) -> str:
        if value is None:
            return "never"
        seconds = int((utcnow() - as_utc(value)).total_seconds())
        if seconds < 0:
            return "in the future"
        for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
            if seconds >= size:
                n = seconds // size
                return f"{n} {unit}{'s' if n != 1 else ''} ago"
        return "just now"

    return {"when": when, "ago": ago}


_MASK_RUN = re.compile("•{5,}")


def compact_hint(hint: str) -> str:
    """Masked credentials with long runs of dots shortened (a hint, not the secret's length)."""
    return _MASK_RUN.sub("••••", hint)


env.globals["static_url"] = static_url
env.filters["compact_hint"] = compact_hint
env.globals["htmx_available"] = htmx_available


def render_html(
    template: str,
    context: Mapping[str, Any],
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """Render a template into an HTML response that no cache keeps (pages hold tenant data)."""
    body = env.get_template(template).render(**context)
    response = HTMLResponse(body, status_code=status, headers=dict(headers or {}))
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers["Vary"] = "HX-Request, Cookie"
    return response
