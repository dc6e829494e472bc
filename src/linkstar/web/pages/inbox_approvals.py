"""Inbox → Approvals (held replies with their reasons and compliance findings: approve,
edit and approve, reject with a comment) and Inbox → Settings (business-hours calendars, SLA
targets per channel, auto-close, approval policy as one JSON document; buyer-message polling
per eBay / TikTok Shop store)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from starlette.responses import Response

from linkstar.inbox import approvals, message_polls, settings_store
from linkstar.inbox.schemas import ApprovalDecision
from linkstar.kit.errors import InvalidInput, LinkStarError
from linkstar.web.context import ConsoleAction, ConsolePage, Page
from linkstar.web.forms import text_fields
from linkstar.web.json_editor import invalid, parse_json, refused

# One tab bar for the whole inbox module.
from linkstar.web.pages.inbox import _render
from linkstar.workspace.core import Permission

router = APIRouter()
P = Permission
PAGE_SIZE = 50


@router.get("/inbox/approvals", response_class=HTMLResponse)
def approvals_list(page: ConsolePage, state: str = "pending", cursor: str = "") -> HTMLResponse:
    """Held replies (or the decided ones), oldest request first."""
    return _approvals_page(page, state, cursor)


def _approvals_page(
    page: Page,
    state: str = "pending",
    cursor: str = "",
    refusal: dict[str, Any] | None = None,
) -> HTMLResponse:
    """The list; `refusal` (a decision refused: the reply, its problems, what was typed) is
    shown on that reply's card, with the edit kept, as 422."""
    state = state if state in approvals.STATES else "pending"
    found = approvals.page(page.session, page.principal, PAGE_SIZE, cursor or None, state)
    return _render(
        page,
        "inbox/approvals.html",
        status=422 if refusal else 200,
        items=found.items,
        state=state,
        states=approvals.STATES,
        next_cursor=found.next_cursor,
        refusal=refusal or {"reply_id": "", "problems": [], "fields": {}},
    )


def _decision(fields: dict[str, str]) -> ApprovalDecision:
    return ApprovalDecision.model_validate(
        {
            "comment": fields["comment"],
            "body": fields["body"] or None,
            "subject": fields["subject"] or None,
        }
    )


def _refused(
    page: ConsoleAction,
    reply_id: str,
    exc: ValidationError | LinkStarError,
    fields: dict[str, str],
) -> HTMLResponse:
    """The decision refused, nothing written: the list again with every problem on the card."""
    page.session.rollback()
    approvals.get(page.session, page.principal, reply_id)  # 404 before anything else
    problems = invalid(exc) if isinstance(exc, ValidationError) else refused(exc)
    refusal = {"reply_id": reply_id, "problems": problems, "fields": fields}
    return _approvals_page(page, refusal=refusal)


@router.post("/inbox/approvals/{reply_id}/approve", response_class=HTMLResponse)
def approve(page: ConsoleAction, reply_id: str) -> Response:
    """Approve as drafted, or with the edited subject and body (linted again)."""
    page.principal.require(P.inbox_approve)
    fields = text_fields(page.form, ["comment", "body", "subject"])
    try:
        approvals.approve(page.session, page.principal, reply_id, _decision(fields))
    except (ValidationError, LinkStarError) as exc:
        return _refused(page, reply_id, exc, fields)
    return page.redirect("/inbox/approvals", "Reply approved and queued for sending.")


@router.post("/inbox/approvals/{reply_id}/reject", response_class=HTMLResponse)
def reject(page: ConsoleAction, reply_id: str) -> Response:
    """Reject with a comment; the reply is never sent."""
    page.principal.require(P.inbox_approve)
    fields = text_fields(page.form, ["comment"])
    try:
        data = ApprovalDecision.model_validate({"comment": fields["comment"]})
        approvals.reject(page.session, page.principal, reply_id, data)
    except (ValidationError, LinkStarError) as exc:
        return _refused(page, reply_id, exc, fields)
    return page.redirect("/inbox/approvals", "Reply rejected; nothing was sent.")


def _settings_page(page: Page, text: str = "", errors: Any = None) -> HTMLResponse:
    settings, version = settings_store.read(page.session, page.principal)
    polls = [
        (store, row)
        for store, row in message_polls.states(page.session, page.principal)
        if store.channel in message_polls.BASES
    ]
    return _render(
        page,
        "inbox/settings.html",
        status=422 if errors else 200,
        settings=settings,
        version=version,
        text=text or json.dumps(settings.model_dump(mode="json"), indent=2, ensure_ascii=False),
        errors=errors or [],
        polls=polls,
    )


@router.get("/inbox/settings", response_class=HTMLResponse)
def settings_view(page: ConsolePage) -> HTMLResponse:
    """The calendars and SLA targets in effect, and the JSON editor."""
    return _settings_page(page)


@router.post("/inbox/settings", response_class=HTMLResponse)
def settings_save(page: ConsoleAction) -> Response:
    """Save the whole settings document (every problem shown with its path)."""
    page.principal.require(P.inbox_manage)
    text = str(page.form.get("settings") or "")[:200_000]
    data, problems = parse_json(text)
    if problems:
        return _settings_page(page, text, problems)
    try:
        settings_store.save(page.session, page.principal, data)
    except InvalidInput as exc:
        page.session.rollback()
        return _settings_page(page, text, refused(exc))
    return page.redirect("/inbox/settings", "Inbox settings saved.")


@router.post("/inbox/message-polls/{store_id}", response_class=HTMLResponse)
def message_poll_save(page: ConsoleAction, store_id: str) -> Response:
    """Turn a store's buyer-message polling on or off, and how often it runs."""
    page.principal.require(P.inbox_manage)
    fields = text_fields(page.form, ["enabled", "interval_minutes"])
    try:
        minutes = int(fields["interval_minutes"] or "5")
    except ValueError:
        minutes = 0  # refused below with the allowed range
    try:
        message_polls.set_polling(
            page.session, page.principal, store_id, fields["enabled"] == "on", minutes
        )
    except InvalidInput as exc:
        page.session.rollback()
        return page.redirect("/inbox/settings", str(exc), "error")
    return page.redirect("/inbox/settings", "Message polling saved.")
