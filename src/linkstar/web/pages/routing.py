"""Routing: decisions and their explanation, and suspensions of a carrier or service.
The same services as the API; rate cards and FX are `routing_rate_cards`, policies
`routing_policies`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from starlette.responses import RedirectResponse, Response

from linkstar.orders.service import order_numbers
from linkstar.rating import routing, routing_setup
from linkstar.rating.cells import format_money
from linkstar.web.context import ConsoleAction, ConsolePage, Page
from linkstar.web.forms import FormState, optional_dates, text_fields
from linkstar.web.pages.common import attempt
from linkstar.workspace.core import Permission

router = APIRouter()
P = Permission


def render(page: Page, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A routing page, with the money formatter its templates use."""
    return page.render(template, status=status, money=format_money, **context)


@router.get("/routing", response_class=HTMLResponse)
def routing_home(page: ConsolePage) -> Response:
    """The routing module opens on its decisions."""
    page.principal.require(P.routing_read)
    return RedirectResponse("/routing/decisions", status_code=303)


# Decisions -----------------------------------------------------------------------------------


@router.get("/routing/decisions", response_class=HTMLResponse)
def decisions(page: ConsolePage, status: str = "", subject_ref: str = "") -> HTMLResponse:
    """The newest decisions, optionally one status or one order."""
    status = status if status in ("assigned", "held") else ""
    found = routing.decisions_page(
        page.session, page.principal, 100, None, status=status, subject_ref=subject_ref.strip()
    )
    refs = [d.subject_ref for d in found.items]
    can_read_orders = page.principal.can(P.orders_read)
    numbers = order_numbers(page.session, page.principal, refs) if can_read_orders else {}
    return render(
        page,
        "routing/decisions.html",
        decisions=found.items,
        order_numbers=numbers,
        chosen_status=status,
        subject_ref=subject_ref,
    )


@router.get("/routing/decisions/{decision_id}", response_class=HTMLResponse)
def decision(page: ConsolePage, decision_id: str) -> HTMLResponse:
    """One decision: the parcel, every candidate with its breakdown, score and rejection."""
    row = routing.get_decision(page.session, page.principal, decision_id)
    return render(page, "routing/decision.html", d=row)


# Suspensions ---------------------------------------------------------------------------------

SUSPENSION_FIELDS = [
    "carrier",
    "service_id",
    "dest_countries",
    "origins",
    "starts",
    "ends",
    "reason",
]


@router.get("/routing/suspensions", response_class=HTMLResponse)
def suspensions(page: ConsolePage) -> HTMLResponse:
    """Every suspension and the form to add one."""
    rows = routing_setup.suspensions(page.session, page.principal)
    return render(
        page, "routing/suspensions.html", suspensions=rows, state=FormState(), affected=None
    )


@router.post("/routing/suspensions", response_class=HTMLResponse)
def suspension_create(page: ConsoleAction) -> Response:
    """Suspend a carrier or service."""
    page.principal.require(P.routing_manage)
    values = text_fields(page.form, SUSPENSION_FIELDS)
    state = FormState(values=dict(values))
    days = optional_dates(values, ("starts", "ends"), state)
    if not state.errors:
        done = attempt(
            page,
            state,
            SUSPENSION_FIELDS,
            lambda s: routing_setup.suspend(
                s,
                page.principal,
                carrier=values["carrier"],
                service_id=values["service_id"] or None,
                dest_countries=values["dest_countries"].replace(",", " ").split(),
                origins=values["origins"].replace(",", " ").split(),
                starts=days["starts"],
                ends=days["ends"],
                reason=values["reason"],
            ),
        )
        if done is not None:
            refs = ", ".join(done.affected[:20]) or "none"
            return page.redirect(
                "/routing/suspensions",
                f"Suspended {done.suspension.carrier}. Orders that chose it last: {refs}.",
            )
    else:
        state.message = "Check the dates."
    rows = routing_setup.suspensions(page.session, page.principal)
    return render(
        page, "routing/suspensions.html", 422, suspensions=rows, state=state, affected=None
    )


@router.post("/routing/suspensions/{suspension_id}/resume", response_class=HTMLResponse)
def suspension_resume(page: ConsoleAction, suspension_id: str) -> Response:
    """End a suspension."""
    page.principal.require(P.routing_manage)
    row = routing_setup.resume(page.session, page.principal, suspension_id)
    return page.redirect("/routing/suspensions", f"Resumed {row.carrier}.")
