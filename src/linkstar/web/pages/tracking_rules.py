"""Tracking → Rules: the workspace's exception rules as JSON, with every problem of a refused
version listed and nothing stored (the same validation as `PUT /api/v1/tracking/rules`)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from linkstar.kit.errors import InvalidInput
from linkstar.tracking import rules
from linkstar.web.context import ConsoleAction, ConsolePage
from linkstar.web.forms import text_fields
from linkstar.web.json_editor import parse_json, refused
from linkstar.workspace.core import Permission
from linkstar.workspace.repository import active_users, user_roster

router = APIRouter()
P = Permission

OPTIONS: tuple[tuple[str, str], ...] = (
    ("enabled", "the kinds the sweep opens: stalled, customs_hold, failed_attempt, "
     "address_issue, return_to_sender, lost, late, unmapped"),
    ("stalled_floor_business_hours", "stalled: never before this many business hours without "
     "a scan, whatever the lane's own p95 gap (1 to 1,440)"),
    ("customs_hold_hours", "customs hold open longer than this (1 to 1,440 hours)"),
    ("lost_days", "probably lost after this many days without a scan (1 to 365)"),
    ("recent_days", "delivered or returned parcels are still checked this many days (1 to 365)"),
    ("auto_resolve", "kinds the sweep resolves itself once their rule no longer holds"),
    ("owners", "kind → user id: who new exceptions of that kind are assigned to"),
    ("default_owner_user_id", "who the other new exceptions are assigned to (null: nobody)"),
    ("disruption", "when a carrier or lane is suspended for routing after a burst of "
     "exceptions (docs/tracking.md §2)"),
)  # fmt: skip


def _rules_page(
    page: ConsolePage | ConsoleAction,
    text: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    status: int = 200,
) -> HTMLResponse:
    current = rules.get_rules(page.session, page.principal)
    shown = json.dumps(current.model_dump(mode="json"), indent=2, ensure_ascii=False)
    return page.render(
        "tracking/rules.html",
        status=status,
        stored=rules.rules_version(page.session, page.principal),
        text=shown if text is None else text,
        errors=errors or [],
        options=OPTIONS,
        users=active_users(user_roster(page.session, page.principal.organisation_id)),
    )


@router.get("/tracking/rules", response_class=HTMLResponse)
def rules_page(page: ConsolePage) -> HTMLResponse:
    """The exception rules in force, editable as JSON by those who may change tracking."""
    return _rules_page(page)


@router.post("/tracking/rules", response_class=HTMLResponse)
def rules_save(page: ConsoleAction) -> Response:
    """Validate and store the rules as the next version; a refusal lists every problem."""
    page.principal.require(P.tracking_write)
    text = text_fields(page.form, ["rules"])["rules"]
    data, problems = parse_json(text)
    if problems:
        return _rules_page(page, text, problems, 422)
    try:
        rules.set_rules(page.session, page.principal, data)
    except InvalidInput as exc:
        page.session.rollback()
        return _rules_page(page, text, refused(exc), 422)
    stored = rules.rules_version(page.session, page.principal)
    version = stored.version if stored else 1
    return page.redirect("/tracking/rules", f"Exception rules version {version} in force.")
