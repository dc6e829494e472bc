"""Tracking → Dead letters: webhook and file payloads that could not be stored, to retry."""

from __future__ import annotations

import json

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from linkstar.kit.errors import LinkStarError, NotFound, PermissionDenied
from linkstar.tracking import dead_letters as service
from linkstar.web.context import ConsoleAction, ConsolePage
from linkstar.workspace.core import Permission

router = APIRouter()
P = Permission
BACK = "/tracking/dead-letters"


def pretty_body(text: str) -> str:
    try:
        return json.dumps(json.loads(text), indent=2)[:4000]
    except ValueError:
        return text[:4000]


@router.get("/tracking/dead-letters", response_class=HTMLResponse)
def dead_letters(page: ConsolePage, state: str = "new", cursor: str = "") -> HTMLResponse:
    """Payloads that could not be stored, with the reason."""
    chosen = state if state in service.STATES else "new"
    letters = service.list_dead_letters(page.session, page.principal, chosen, 50, cursor or None)
    return page.render(
        "tracking/dead_letters.html",
        letters=[(d, pretty_body(d.body)) for d in letters.items],
        state=chosen,
        states=service.STATES,
        next_cursor=letters.next_cursor,
    )


@router.post("/tracking/dead-letters/{tracking_dead_letter_id}/retry", response_class=HTMLResponse)
def retry(page: ConsoleAction, tracking_dead_letter_id: str) -> Response:
    """Parse and store a dead letter again."""
    try:
        result = service.retry(page.session, page.principal, tracking_dead_letter_id)
    except (NotFound, PermissionDenied):
        raise
    except LinkStarError as exc:
        page.session.rollback()
        return page.redirect(BACK, exc.message, "error")
    if result.error is not None:
        return page.redirect(BACK, f"Still failing: {result.error}", "error")
    return page.redirect(BACK, f"Stored: {result.events} new events.")


@router.post(
    "/tracking/dead-letters/{tracking_dead_letter_id}/discard", response_class=HTMLResponse
)
def discard(page: ConsoleAction, tracking_dead_letter_id: str) -> Response:
    """Give up on a dead letter (it is kept, marked discarded)."""
    try:
        service.discard(page.session, page.principal, tracking_dead_letter_id)
    except (NotFound, PermissionDenied):
        raise
    except LinkStarError as exc:
        page.session.rollback()
        return page.redirect(BACK, exc.message, "error")
    return page.redirect(BACK, "Dead letter discarded.")
