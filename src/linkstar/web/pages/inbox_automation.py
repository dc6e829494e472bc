"""Inbox automation console: the rules editor with validation and dry run, and A/B tests with
their outcomes, p-value, winner and a chart."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from linkstar.inbox.automation import ab_service, rules_service
from linkstar.inbox.core.automation.ab import ABResult
from linkstar.inbox.core.automation.rules import DryRunRow
from linkstar.kit.errors import InvalidInput, LinkStarError
from linkstar.web import nav
from linkstar.web.context import ConsoleAction, ConsolePage, Page
from linkstar.web.json_editor import listed, parse_json
from linkstar.workspace.core import Permission

router = APIRouter()
P = Permission
EXAMPLE_RULE = {
    "name": "Refund requests on large orders go to billing",
    "trigger": {"event": "message_received"},
    "when": {
        "all": [
            {"field": "message.intent", "op": "eq", "value": "refund_request"},
            {"field": "order.total_amount", "op": "gt", "value": 10000},
        ]
    },
    "actions": [
        {"type": "assign", "team": "billing", "round_robin": ["ann", "bo"]},
        {"type": "request_approval", "reason": "large refund"},
    ],
}
EXAMPLE_SNAPSHOTS = [
    {
        "at": "2026-12-01T10:00:00+00:00",
        "snapshot": {"message": {"intent": "refund_request"}, "order": {"total_amount": 25000}},
    },
    {
        "at": "2026-12-01T11:00:00+00:00",
        "snapshot": {"message": {"intent": "where_is_my_order"}, "order": {"total_amount": 900}},
    },
]
EXAMPLE_TEST = {
    "name": "WISMO reply: short or detailed",
    "metric": "buyer_replied",
    "variants": [
        {"key": "short", "template": "wismo-short", "percent": 50},
        {"key": "detailed", "template": "wismo-detailed", "percent": 50},
    ],
    "min_samples": 100,
}


def _render(page: Page, template: str, **context: Any) -> HTMLResponse:
    # One tab bar for the whole inbox module (threads, templates, rules, A/B tests).
    return page.render(
        template,
        inbox_sections=nav.visible(nav.INBOX_SECTIONS, page.principal),
        active_inbox=nav.active_key(nav.INBOX_SECTIONS, page.request.url.path),
        **context,
    )


def _json_object(text: str, what: str) -> Any:
    data, problems = parse_json(text, object)
    if problems:
        raise InvalidInput(f"the {what} is not JSON", {"errors": problems})
    return data


def _snapshots(text: str) -> list[tuple[datetime, dict[str, Any], dict[str, Any]]]:
    data = _json_object(text, "list of snapshots")
    if not isinstance(data, list) or not data or len(data) > 1000:
        raise InvalidInput("snapshots are a JSON list of 1 to 1,000 {at, snapshot, event?}")
    out = []
    for i, item in enumerate(data):
        try:
            at = datetime.fromisoformat(str(item["at"]))
            snapshot, event = item["snapshot"], item.get("event", {})
        except (TypeError, KeyError, ValueError):
            raise InvalidInput(f"snapshot {i}: needs `at` (ISO time) and `snapshot`") from None
        if at.tzinfo is None or not isinstance(snapshot, dict) or not isinstance(event, dict):
            raise InvalidInput(f"snapshot {i}: `at` needs a time zone; snapshot/event are objects")
        out.append((at, snapshot, event))
    return out


def _rules_page(
    page: Page,
    text: str = "",
    snapshots: str = "",
    dry: list[DryRunRow] | None = None,
    error: Any = None,
) -> HTMLResponse:
    rows = rules_service.list_rules(page.session, page.principal)
    return _render(
        page,
        "inbox_automation/rules.html",
        rules=[
            (r, json.dumps(r.definition.get("when")), json.dumps(r.definition["actions"]))
            for r in rows
        ],
        text=text or json.dumps(EXAMPLE_RULE, indent=2),
        snapshots=snapshots or json.dumps(EXAMPLE_SNAPSHOTS, indent=2),
        dry=dry,
        dry_actions=[[json.dumps(a) for a in row.actions] for row in dry or []],
        error=error,
        problems=listed(error) if error else [],
        status=422 if error else 200,
    )


@router.get("/inbox/rules", response_class=HTMLResponse)
def rules(page: ConsolePage) -> HTMLResponse:
    """The inbox rules in evaluation order, and a JSON editor with a dry run."""
    page.principal.require(P.inbox_read)
    return _rules_page(page)


@router.post("/inbox/rules", response_class=HTMLResponse)
def rule_create(page: ConsoleAction) -> Response:
    """Save the rule in the editor (validation errors are shown with their JSON paths)."""
    page.principal.require(P.inbox_manage)
    text, snaps = str(page.form.get("rule") or ""), str(page.form.get("snapshots") or "")
    try:
        data = _json_object(text, "rule")
        if not isinstance(data, dict):
            raise InvalidInput("a rule is a JSON object")
        row = rules_service.create_rule(page.session, page.principal, data)
    except LinkStarError as exc:
        page.session.rollback()
        return _rules_page(page, text, snaps, error=exc)
    return page.redirect("/inbox/rules", f"Rule {row.position}. {row.name} saved.")


@router.post("/inbox/rules/dry-run", response_class=HTMLResponse)
def rule_dry_run(page: ConsoleAction) -> Response:
    """What the rule in the editor would do on the sample snapshots."""
    page.principal.require(P.inbox_read)
    text, snaps = str(page.form.get("rule") or ""), str(page.form.get("snapshots") or "")
    try:
        result = rules_service.dry_run_rule(
            page.principal, _json_object(text, "rule"), _snapshots(snaps)
        )
    except LinkStarError as exc:
        return _rules_page(page, text, snaps, error=exc)
    return _rules_page(page, text, snaps, dry=result)


@router.post("/inbox/rules/{inbox_rule_id}/delete", response_class=HTMLResponse)
def rule_delete(page: ConsoleAction, inbox_rule_id: str) -> Response:
    """Delete a rule (its runs stay audited)."""
    page.principal.require(P.inbox_manage)
    rules_service.delete_rule(page.session, page.principal, inbox_rule_id)
    return page.redirect("/inbox/rules", "Rule deleted.")


# --- A/B tests -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RateBar:
    key: str
    x: float
    y: float
    height: float
    ci_top: float
    ci_bottom: float
    label: str


WIDTH, HEIGHT, TOP, BASE, LEFT = 520, 220, 16, 190, 44


def rate_bars(result: ABResult) -> list[RateBar]:
    """Bars of each variant's rate with its Wilson interval, in SVG coordinates."""
    span = BASE - TOP
    slot = (WIDTH - LEFT - 8) / max(1, len(result.variants))
    return [
        RateBar(
            v.key,
            LEFT + i * slot + slot * 0.2,
            BASE - v.rate * span,
            v.rate * span,
            BASE - v.ci_high * span,
            BASE - v.ci_low * span,
            f"{v.rate:.0%}",
        )
        for i, v in enumerate(result.variants)
    ]


def _tests_page(page: Page, text: str = "", error: Any = None) -> HTMLResponse:
    rows = ab_service.list_tests(page.session, page.principal)
    return _render(
        page,
        "inbox_automation/ab_tests.html",
        tests=rows,
        text=text or json.dumps(EXAMPLE_TEST, indent=2),
        error=error,
        problems=listed(error) if error else [],
        status=422 if error else 200,
    )


@router.get("/inbox/ab-tests", response_class=HTMLResponse)
def ab_tests(page: ConsolePage) -> HTMLResponse:
    """Every A/B test with its status and winner, and a form for a new one."""
    page.principal.require(P.inbox_read)
    return _tests_page(page)


@router.post("/inbox/ab-tests", response_class=HTMLResponse)
def ab_test_create(page: ConsoleAction) -> Response:
    """Create the test described in the editor."""
    page.principal.require(P.inbox_manage)
    text = str(page.form.get("test") or "")
    try:
        data = _json_object(text, "test")
        if not isinstance(data, dict):
            raise InvalidInput("a test is a JSON object")
        row = ab_service.create_test(page.session, page.principal, data)
    except LinkStarError as exc:
        page.session.rollback()
        return _tests_page(page, text, error=exc)
    return page.redirect(f"/inbox/ab-tests/{row.id}", f"Test {row.name} started.")


@router.get("/inbox/ab-tests/{ab_test_id}", response_class=HTMLResponse)
def ab_test(page: ConsolePage, ab_test_id: str) -> HTMLResponse:
    """One test: variants, outcomes, p-value, winner and a chart of the rates."""
    row = ab_service.get_test(page.session, page.principal, ab_test_id)
    result = ab_service.results(page.session, page.principal, row.id)
    return _render(
        page,
        "inbox_automation/ab_test.html",
        test=row,
        variants=ab_service.variants_of(page.session, page.principal, row.id),
        result=result,
        bars=rate_bars(result),
        chart={"width": WIDTH, "height": HEIGHT, "base": BASE, "left": LEFT, "top": TOP},
    )
