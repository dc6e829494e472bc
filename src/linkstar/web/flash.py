"""One-shot messages carried across a POST/redirect/GET in a short-lived signed cookie."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from starlette.requests import Request
from starlette.responses import Response

FLASH_COOKIE = "linkstar_flash"
_MAX_AGE = 120


def _sign(secret: str, payload: str) -> str:
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()[:32]


def _secret(request: Request) -> str:
    return str(request.app.state.settings.secret())


def push(request: Request, response: Response, level: str, text: str) -> None:
    """Attach a message for the next page this browser renders."""
    raw = json.dumps([[level, text[:500]]], separators=(",", ":"))
    payload = base64.urlsafe_b64encode(raw.encode()).decode()
    response.set_cookie(
        FLASH_COOKIE,
        f"{payload}.{_sign(_secret(request), payload)}",
        max_age=_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=bool(request.app.state.settings.secure_cookies),
        path="/",
    )


def pending(request: Request) -> list[tuple[str, str]]:
    """Messages waiting in the cookie (a tampered or malformed cookie yields none)."""
    value = request.cookies.get(FLASH_COOKIE, "")
    payload, _, signature = value.partition(".")
    if not payload or not hmac.compare_digest(signature, _sign(_secret(request), payload)):
        return []
    try:
        items = json.loads(base64.urlsafe_b64decode(payload.encode()))
        return [(str(level), str(text)) for level, text in items]
    except (ValueError, TypeError):
        return []


def consume(request: Request, response: Response) -> None:
    """Clear the cookie once its messages have been shown."""
    if FLASH_COOKIE in request.cookies:
        response.delete_cookie(FLASH_COOKIE, path="/")
