"""Inbox → Dead letters: contact forms and marketplace buyer messages that could not be stored."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from linkstar.inbox import dead_letters as service
from linkstar.kit.errors import LinkStarError, NotFound, PermissionDenied
from linkstar.web import nav
from linkstar.web.context import ConsoleAction, ConsolePage
from linkstar.web.pages.tracking_dead_letters import pretty_body

router = APIRouter()
BACK = "/inbox/dead-letters"


@router.get("/inbox/dead-letters", response_class=HTMLResponse)
def dead_letters(page: ConsolePage, state: str = "new", cursor: str = "") -> HTMLResponse:
    """The inbox's refused payloads, with the reason."""
    chosen = state if state in service.STATES else "new"
    letters = service.list_dead_letters(page.session, page.principal, chosen, 50, cursor or None)
    return page.render(
        "inbox/dead_letters.html",
        inbox_sections=nav.visible(nav.INBOX_SECTIONS, page.principal),
        active_inbox="inbox_dead_letters",
        letters=[(d, pretty_body(d.body)) for d in letters.items],
        state=chosen,
        states=service.STATES,
        next_cursor=letters.next_cursor,
    )


@router.post("/inbox/dead-letters/{inbox_dead_letter_id}/retry", response_class=HTMLResponse)
def retry(page: ConsoleAction, inbox_dead_letter_id: str) -> Response:
    """Parse and store a contact form again."""
    try:
        result = service.retry(page.session, page.principal, inbox_dead_letter_id)
    except (NotFound, PermissionDenied):
        raise
    except LinkStarError as exc:
        page.session.rollback()
        return page.redirect(BACK, exc.message, "error")
    if result.error is not None:
        return page.redirect(BACK, f"Still failing: {result.error}", "error")
    return page.redirect(BACK, f"Stored: {result.messages} new message(s).")


@router.post("/inbox/dead-letters/{inbox_dead_letter_id}/discard", response_class=HTMLResponse)
def discard(page: ConsoleAction, inbox_dead_letter_id: str) -> Response:
    """Give up on a dead letter (it is kept, marked discarded)."""
    try:
        service.discard(page.session, page.principal, inbox_dead_letter_id)
    except (NotFound, PermissionDenied):
        raise
    except LinkStarError as exc:
        page.session.rollback()
        return page.redirect(BACK, exc.message, "error")
    return page.redirect(BACK, "Dead letter discarded.")
