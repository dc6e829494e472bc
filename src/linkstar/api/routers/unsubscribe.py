"""GET/POST /u/{token}: RFC 8058 one-click unsubscribe (no login; the token is the proof).

A POST whose form body is `List-Unsubscribe=One-Click` (what mailbox providers send) puts the
token's address on the suppression list and answers 200. A GET never unsubscribes (link
scanners prefetch URLs): it shows a small page whose button sends that same POST.
Outside /api/v1 and the OpenAPI document, like the webhook deliveries.
"""

from __future__ import annotations

from html import escape
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from linkstar.db.uow import unit_of_work
from linkstar.inbox.mail import suppressions
from linkstar.kit.clock import utcnow

router = APIRouter(tags=["unsubscribe"])
MAX_BODY_BYTES = 1024
_HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}


def _page(title: str, text: str, status: int, form_action: str = "") -> HTMLResponse:
    button = (
        f'<form method="post" action="{escape(form_action)}">'
        '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
        '<button type="submit">Unsubscribe</button></form>'
        if form_action
        else ""
    )
    body = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title></head><body><main><h1>{escape(title)}</h1>"
        f"<p>{escape(text)}</p>{button}</main></body></html>"
    )
    return HTMLResponse(body, status, headers=_HEADERS)


@router.get("/u/{token}", include_in_schema=False)
async def confirm(token: str, request: Request) -> HTMLResponse:
    """Show what the link does; unsubscribing needs the POST (RFC 8058 section 3.2)."""
    app = request.app

    def lookup() -> str | None:
        with unit_of_work(app.state.sessions) as session:
            row = suppressions.find_token(session, token)
            return None if row is None else row.address

    address = await run_in_threadpool(lookup)
    if address is None:
        return _page("Link not found", "This unsubscribe link is not valid.", 404)
    return _page(
        "Unsubscribe",
        f"Stop all marketing e-mail to {_masked(address)}?",
        200,
        form_action=f"/u/{token}",
    )


@router.post("/u/{token}", include_in_schema=False)
async def one_click(token: str, request: Request) -> HTMLResponse:
    """Unsubscribe: 200 (also when already unsubscribed), 400 without the one-click body."""
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY_BYTES:
            return _page("Bad request", "The request body is too large.", 413)
    form = parse_qs(raw.decode("utf-8", errors="replace"), keep_blank_values=True)
    if form.get("List-Unsubscribe") != ["One-Click"]:
        return _page("Bad request", "Expected the body List-Unsubscribe=One-Click.", 400)
    app = request.app

    def handle() -> bool:
        with unit_of_work(app.state.sessions) as session:
            return suppressions.unsubscribe(session, token, now=utcnow()) is not None

    if not await run_in_threadpool(handle):
        return _page("Link not found", "This unsubscribe link is not valid.", 404)
    return _page("Unsubscribed", "You will not receive marketing e-mail from us again.", 200)


def _masked(address: str) -> str:
    # The page is public: show enough to recognise the address, not enough to harvest it.
    local, at, domain = address.partition("@")
    return f"{local[:2]}•••{at}{domain}" if at else f"{address[:3]}•••"
