"""Orders: the list with search and filters, order detail with its timeline, the holds queue,
dead letters, SKU mappings and the rules editor with a dry run."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from linkstar.kit.errors import InvalidInput, LinkStarError, NotFound, PermissionDenied
from linkstar.orders import service, setup
from linkstar.orders.core.skus import components_from_text, components_json
from linkstar.orders.core.states import OrderState
from linkstar.web.context import ConsoleAction, ConsolePage, Page
from linkstar.web.pages import stock_moves
from linkstar.workspace import repository as workspace_repo
from linkstar.workspace.core import Permission

router = APIRouter()
P = Permission
PAGE_SIZE = 50
TABS = (
    ("list", "All orders", "/orders"),
    ("holds", "Holds", "/orders/holds"),
    ("dead_letters", "Dead letters", "/orders/dead-letters"),
    ("skus", "SKU mappings", "/orders/sku-mappings"),
    ("rules", "Rules", "/orders/rules"),
)


def _render(page: Page, template: str, tab: str, **context: Any) -> HTMLResponse:
    return page.render(template, tabs=TABS, active_tab=tab, **context)


def _act(page: Page, back: str, action: Callable[[], str]) -> Response:
    """Run a change; an expected failure is undone and shown on the page it came from."""
    try:
        notice = action()
    except (NotFound, PermissionDenied):
        raise  # 404 / 403 pages, like every console route
    except LinkStarError as exc:
        page.session.rollback()
        return page.redirect(back, exc.message, "error")
    return page.redirect(back, notice)


def _stores(page: Page) -> dict[str, str]:
    rows = workspace_repo.StoreRepository(page.session, page.principal.organisation_id).list()
    return {s.id: s.name for s in rows}


def _list(page: Page, tab: str, held: bool | None, **query: str) -> HTMLResponse:
    page.principal.require(P.orders_read)
    try:
        offset = max(0, int(query.get("offset") or 0))
    except ValueError:
        offset = 0
    state = query.get("state") or None
    filters = service.OrderFilters(
        state if state in {s.value for s in OrderState} else None,
        query.get("store") or None,
        query.get("channel") or None,
        held,
        (query.get("q") or "")[:200] or None,
    )
    rows, total = service.list_orders(page.session, page.principal, filters, PAGE_SIZE, offset)
    return _render(
        page,
        "orders/list.html",
        tab,
        orders=rows,
        total=total,
        offset=offset,
        page_size=PAGE_SIZE,
        query={k: v for k, v in query.items() if k != "offset" and v},
        states=[s.value for s in OrderState],
        stores=_stores(page),
        heading="Holds" if held else "Orders",
    )


@router.get("/orders", response_class=HTMLResponse)
def orders(
    page: ConsolePage,
    q: str = "",
    state: str = "",
    store: str = "",
    channel: str = "",
    offset: str = "",
) -> HTMLResponse:
    """Every order, newest first, with search and filters."""
    return _list(page, "list", None, q=q, state=state, store=store, channel=channel, offset=offset)


@router.get("/orders/holds", response_class=HTMLResponse)
def holds(page: ConsolePage, q: str = "", store: str = "", offset: str = "") -> HTMLResponse:
    """Orders waiting on a person: each hold with its reason, to release or cancel."""
    return _list(page, "holds", True, q=q, store=store, offset=offset)


@router.get("/orders/dead-letters", response_class=HTMLResponse)
def dead_letters(page: ConsolePage, state: str = "open", cursor: str = "") -> HTMLResponse:
    """Payloads that could not become orders, with the error."""
    chosen = state if state in service.DEAD_LETTER_STATES else "open"
    letters = service.list_dead_letters(
        page.session, page.principal, chosen, PAGE_SIZE, cursor or None
    )
    rows = [(d, _raw(d.raw)) for d in letters.items]
    return _render(
        page,
        "orders/dead_letters.html",
        "dead_letters",
        letters=rows,
        state=chosen,
        states=service.DEAD_LETTER_STATES,
        next_cursor=letters.next_cursor,
        stores=_stores(page),
    )


def _raw(text: str) -> str:
    try:
        return json.dumps(json.loads(text), indent=2)[:4000]
    except ValueError:
        return text[:4000]


@router.post("/orders/dead-letters/{dead_letter_id}/retry", response_class=HTMLResponse)
def retry_dead_letter(page: ConsoleAction, dead_letter_id: str) -> Response:
    """Parse and import a dead letter again."""
    page.principal.require(P.orders_write)

    def run() -> str:
        result = service.retry_dead_letter(page.session, page.principal, dead_letter_id)
        if result.error is not None:
            return f"Still failing: {result.error}"
        return "Imported: the dead letter is now an order."

    return _act(page, "/orders/dead-letters", run)


@router.post("/orders/dead-letters/{dead_letter_id}/discard", response_class=HTMLResponse)
def discard_dead_letter(page: ConsoleAction, dead_letter_id: str) -> Response:
    """Give up on a dead letter (it is kept, marked discarded)."""
    page.principal.require(P.orders_write)

    def run() -> str:
        service.discard_dead_letter(page.session, page.principal, dead_letter_id)
        return "Dead letter discarded."

    return _act(page, "/orders/dead-letters", run)


@router.get("/orders/sku-mappings", response_class=HTMLResponse)
def sku_mappings(page: ConsolePage) -> HTMLResponse:
    """Channel SKUs → master SKUs and bundles."""
    rows = setup.list_mappings(page.session, page.principal)
    return _render(page, "orders/sku_mappings.html", "skus", mappings=rows, stores=_stores(page))


@router.post("/orders/sku-mappings", response_class=HTMLResponse)
def sku_mapping_save(page: ConsoleAction) -> Response:
    """Create or replace one mapping (bundle components as `SKU*2|SKU`)."""
    page.principal.require(P.orders_write)
    form = {
        k: str(page.form.get(k) or "").strip()
        for k in ("scope", "channel_sku", "master_sku", "components")
    }

    def run() -> str:
        scope = form["scope"]
        store_id = scope.removeprefix("store:") if scope.startswith("store:") else None
        channel = scope.removeprefix("channel:") if scope.startswith("channel:") else None
        row, created = setup.put_mapping(
            page.session,
            page.principal,
            channel_sku=form["channel_sku"],
            master_sku=form["master_sku"] or None,
            components=components_json(components_from_text(form["components"])),
            store_id=store_id,
            channel=channel,
        )
        return f"Mapping of {row.channel_sku} {'added' if created else 'replaced'}."

    return _act(page, "/orders/sku-mappings", run)


@router.post("/orders/sku-mappings/{mapping_id}/delete", response_class=HTMLResponse)
def sku_mapping_delete(page: ConsoleAction, mapping_id: str) -> Response:
    """Remove a mapping."""
    page.principal.require(P.orders_write)

    def run() -> str:
        setup.delete_mapping(page.session, page.principal, mapping_id)
        return "Mapping deleted."

    return _act(page, "/orders/sku-mappings", run)


EXAMPLE_RULE = {
    "name": "High-value orders ship with priority",
    "when": {"field": "total", "op": "gte", "value": 250},
    "then": [{"type": "tag", "tag": "high_value"}, {"type": "set_priority", "priority": "high"}],
}


def _rules_page(
    page: Page, text: str = "", dry: setup.DryRun | None = None, error: Any = None
) -> HTMLResponse:
    rows = setup.list_rules(page.session, page.principal)
    return _render(
        page,
        "orders/rules.html",
        "rules",
        rules=[(r, json.dumps(r.conditions), json.dumps(r.actions)) for r in rows],
        text=text or json.dumps(EXAMPLE_RULE, indent=2),
        dry=dry,
        error=error,
        status=422 if error else 200,
    )


@router.get("/orders/rules", response_class=HTMLResponse)
def rules(page: ConsolePage) -> HTMLResponse:
    """The rules in evaluation order, and an editor with a dry run."""
    page.principal.require(P.orders_read)
    return _rules_page(page)


def _rule_json(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise InvalidInput(f"the rule is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidInput("a rule is a JSON object")
    return data


@router.post("/orders/rules", response_class=HTMLResponse)
def rule_create(page: ConsoleAction) -> Response:
    """Save the rule in the editor (at the end, or at its `position`)."""
    page.principal.require(P.orders_write)
    text = str(page.form.get("rule") or "")
    try:
        row = setup.create_rule(page.session, page.principal, _rule_json(text))
    except LinkStarError as exc:
        page.session.rollback()
        return _rules_page(page, text, error=exc)
    return page.redirect("/orders/rules", f"Rule {row.position}. {row.name} saved.")


@router.post("/orders/rules/dry-run", response_class=HTMLResponse)
def rule_dry_run(page: ConsoleAction) -> Response:
    """What the rule in the editor would have done to the last 30 days of orders."""
    page.principal.require(P.orders_read)
    text = str(page.form.get("rule") or "")
    try:
        result = setup.dry_run(page.session, page.principal, _rule_json(text))
    except LinkStarError as exc:
        return _rules_page(page, text, error=exc)
    return _rules_page(page, text, dry=result)


@router.post("/orders/rules/{rule_id}/delete", response_class=HTMLResponse)
def rule_delete(page: ConsoleAction, rule_id: str) -> Response:
    """Delete a rule."""
    page.principal.require(P.orders_write)

    def run() -> str:
        setup.delete_rule(page.session, page.principal, rule_id)
        return "Rule deleted."

    return _act(page, "/orders/rules", run)


@router.get("/orders/{order_id}", response_class=HTMLResponse)
def order(page: ConsolePage, order_id: str) -> HTMLResponse:
    """One order: address, lines, holds, and the timeline with raw payloads."""
    d = service.get_order(page.session, page.principal, order_id)
    events = [(e, json.dumps(e.detail, indent=2, default=str)) for e in d.events]
    payloads = [(p, json.dumps(p.raw, indent=2, default=str)) for p in d.payloads]
    return _render(
        page,
        "orders/detail.html",
        "list",
        order=d.order,
        lines=d.lines,
        events=events,
        payloads=payloads,
        store=_stores(page).get(d.order.store_id, ""),
        **stock_moves.order_context(page, d.order),
    )


@router.post("/orders/{order_id}/hold", response_class=HTMLResponse)
def hold(page: ConsoleAction, order_id: str) -> Response:
    """Put the order on hold with a reason."""
    page.principal.require(P.orders_write)
    reason = str(page.form.get("reason") or "manual")
    detail = str(page.form.get("detail") or "")

    def run() -> str:
        service.hold(page.session, page.principal, order_id, reason, detail)
        return f"Order held ({reason})."

    return _act(page, f"/orders/{order_id}", run)


@router.post("/orders/{order_id}/release", response_class=HTMLResponse)
def release(page: ConsoleAction, order_id: str) -> Response:
    """Release one hold (or all), with a note for the audit log."""
    page.principal.require(P.orders_write)
    reason = str(page.form.get("reason") or "") or None
    note = str(page.form.get("note") or "")
    back = str(page.form.get("back") or "")
    target = "/orders/holds" if back == "holds" else f"/orders/{order_id}"

    def run() -> str:
        service.release_hold(page.session, page.principal, order_id, reason, note)
        return "Hold released." if reason else "Holds released."

    return _act(page, target, run)


@router.post("/orders/{order_id}/cancel", response_class=HTMLResponse)
def cancel(page: ConsoleAction, order_id: str) -> Response:
    """Cancel an order that has not shipped."""
    page.principal.require(P.orders_write)
    note = str(page.form.get("note") or "")

    def run() -> str:
        service.cancel(page.session, page.principal, order_id, note)
        return "Order cancelled."

    return _act(page, f"/orders/{order_id}", run)
