"""Routing: decisions and their explanation, rate cards, policies (editor, dry run),
suspensions and the FX table. The same services as the API."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from starlette.datastructures import UploadFile
from starlette.responses import RedirectResponse, Response

from linkstar.kit.errors import InvalidInput, LinkStarError
from linkstar.orders.service import order_numbers
from linkstar.rating import fx_rates, routing, routing_policies, routing_setup, service
from linkstar.rating.cells import format_money
from linkstar.rating.core import Ineligible, Parcel
from linkstar.rating.routing import record_values
from linkstar.rating.sheets import read_upload
from linkstar.web.context import ConsoleAction, ConsolePage, Page
from linkstar.web.forms import FormState, checkbox, optional_dates, text_fields
from linkstar.web.pages.common import attempt
from linkstar.workspace.core import Permission

router = APIRouter()
P = Permission
_DIMS = re.compile(r"^(\d+)\s*x\s*(\d+)\s*x\s*(\d+)$")
EXAMPLE_POLICY = {
    "name": "promise first",
    "filters": [{"id": "promise", "max_p90_over_promise_days": 0}],
    "objective": {"mode": "weighted", "weights": {"cost": 1, "on_time": 0.5, "success": 0.2}},
}


def _render(page: Page, template: str, status: int = 200, **context: Any) -> HTMLResponse:
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
    return _render(
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
    return _render(page, "routing/decision.html", d=row)


# Rate cards ----------------------------------------------------------------------------------


def _lookup(page: Page, params: dict[str, str]) -> tuple[FormState, list[dict[str, str]]]:
    state = FormState(values=params)
    if not params.get("dest_postcode"):
        return state, []
    match = _DIMS.match(params.get("dims", "").strip().lower())
    try:
        if match is None:
            raise ValueError("dimensions must look like 300x200x100 (millimetres)")
        day = date.fromisoformat(params["ship_date"]) if params.get("ship_date") else None
        parcel = Parcel(
            weight_g=int(params.get("weight_g") or 0),
            length_mm=int(match[1]),
            width_mm=int(match[2]),
            height_mm=int(match[3]),
            origin_country=params.get("origin_country", "").upper() or "US",
            origin_postcode=params.get("origin_postcode", ""),
            dest_country=params.get("dest_country", "").upper() or "US",
            dest_postcode=params["dest_postcode"],
            ship_date=day or date.today(),
        )
    except ValueError as exc:
        state.message = str(exc)
        return state, []
    rows = []
    for found in service.quote(page.session, page.principal, parcel):
        result = found.result
        if isinstance(result, Ineligible):
            rows.append(
                {
                    "carrier": result.carrier,
                    "service_id": result.service_id,
                    "price": "—",
                    "zone": "",
                    "billable": "",
                    "detail": "; ".join(result.details),
                }
            )
        else:
            lines = ", ".join(
                f"{x.code} {format_money(x.amount, result.currency)}" for x in result.lines
            )
            rows.append(
                {
                    "carrier": result.carrier,
                    "service_id": result.service_id,
                    "price": f"{format_money(result.total, result.currency)} {result.currency}",
                    "zone": result.zone,
                    "billable": f"{result.billable_weight_g} g",
                    "detail": lines,
                }
            )
    return state, rows


LOOKUP_FIELDS = (
    "origin_country",
    "origin_postcode",
    "dest_country",
    "dest_postcode",
    "weight_g",
    "dims",
    "ship_date",
)


@router.get("/routing/rate-cards", response_class=HTMLResponse)
def rate_cards(page: ConsolePage) -> HTMLResponse:
    """Every card version, the upload form and a price lookup."""
    cards = service.list_versions(page.session, page.principal)
    params = {k: page.request.query_params.get(k, "").strip()[:40] for k in LOOKUP_FIELDS}
    lookup, quotes = _lookup(page, params)
    return _render(
        page,
        "routing/rate_cards.html",
        cards=list(reversed(cards)),
        state=FormState(),
        issues=[],
        lookup=lookup,
        quotes=quotes,
    )


@router.post("/routing/rate-cards", response_class=HTMLResponse)
async def rate_card_upload(page: ConsoleAction) -> Response:
    """Import an uploaded card; every row error is shown and nothing is stored."""
    page.principal.require(P.routing_manage)
    values = text_fields(page.form, ["name", "effective_from"])
    state = FormState(values=dict(values))
    issues: list[dict[str, Any]] = []
    upload = page.form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        state.message = "Choose a .xlsx workbook or a .zip of CSV files."
    else:
        data = await upload.read()
        try:
            start = (
                date.fromisoformat(values["effective_from"]) if values["effective_from"] else None
            )
            book = read_upload(upload.filename, data)
            row = service.import_workbook(
                page.session,
                page.principal,
                book,
                name=values["name"] or None,
                effective_from=start,
            )
            return page.redirect(
                "/routing/rate-cards", f"Imported {row.carrier}/{row.name} version {row.version}."
            )
        except ValueError:
            state.message = "Effective from must be a date."
        except LinkStarError as exc:
            page.session.rollback()
            state.message = exc.message
            errors = exc.details.get("errors") if isinstance(exc.details, dict) else None
            issues = list(errors or [])
    cards = service.list_versions(page.session, page.principal)
    return _render(
        page,
        "routing/rate_cards.html",
        422,
        cards=list(reversed(cards)),
        state=state,
        issues=issues,
        lookup=FormState(),
        quotes=[],
    )


# Policies ------------------------------------------------------------------------------------


def _body(text: str, state: FormState) -> dict[str, Any] | None:
    try:
        body = json.loads(text)
    except json.JSONDecodeError as exc:
        state.errors["body"] = f"not JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        state.message = "The policy is not valid JSON."
        return None
    if not isinstance(body, dict):
        state.errors["body"] = "must be a JSON object"
        state.message = "The policy must be a JSON object."
        return None
    return body


def _problems(state: FormState, exc: LinkStarError) -> list[dict[str, str]]:
    details = exc.details if isinstance(exc.details, dict) else {}
    found = list(details.get("errors") or [])
    if found:
        state.errors["body"] = "see the problems below"
    return found


def _policy_form(page: Page) -> tuple[FormState, dict[str, Any] | None, int, bool]:
    values = text_fields(page.form, ["body", "precedence"])
    enabled = checkbox(page.form, "enabled")
    state = FormState(values={**values, "enabled": enabled})
    try:
        precedence = int(values["precedence"] or 100)
        if not 0 <= precedence <= 1_000_000:
            raise ValueError
    except ValueError:
        state.errors["precedence"] = "a whole number from 0"
        state.message = "Precedence must be a whole number from 0."
        return state, None, 0, enabled
    return state, _body(values["body"], state), precedence, enabled


@router.get("/routing/policies", response_class=HTMLResponse)
def policies(page: ConsolePage) -> HTMLResponse:
    """The live version of each policy, and the form for a new one."""
    rows = routing_policies.policies(page.session, page.principal)
    state = FormState(values={"body": json.dumps(EXAMPLE_POLICY, indent=2), "enabled": True})
    return _render(page, "routing/policies.html", policies=rows, state=state, problems=[])


@router.post("/routing/policies", response_class=HTMLResponse)
def policy_create(page: ConsoleAction) -> Response:
    """Create a policy from the JSON editor; every problem is shown with its path."""
    page.principal.require(P.routing_manage)
    state, body, precedence, enabled = _policy_form(page)
    problems: list[dict[str, str]] = []
    if body is not None:
        try:
            row = routing_policies.create_policy(
                page.session, page.principal, body, precedence, enabled
            )
            return page.redirect(f"/routing/policies/{row.id}", f"Policy {row.name} created.")
        except LinkStarError as exc:
            page.session.rollback()
            state.message = exc.message
            problems = _problems(state, exc)
    rows = routing_policies.policies(page.session, page.principal)
    return _render(
        page, "routing/policies.html", 422, policies=rows, state=state, problems=problems
    )


def _policy_page(
    page: Page, policy_id: str, state: FormState | None = None, status: int = 200, **extra: Any
) -> HTMLResponse:
    row = routing_policies.get_policy(page.session, page.principal, policy_id)
    versions = routing_policies.policy_versions(page.session, page.principal, policy_id)
    if state is None:
        state = FormState(
            values={
                "body": json.dumps(row.body, indent=2),
                "precedence": row.precedence,
                "enabled": row.enabled,
            }
        )
    context: dict[str, Any] = {
        "policy": row,
        "versions": versions,
        "state": state,
        "problems": [],
        "dry_run": None,
        "dry_error": "",
        "parcels_text": "",
    }
    context.update(extra)
    return _render(page, "routing/policy.html", status, **context)


@router.get("/routing/policies/{policy_id}", response_class=HTMLResponse)
def policy(page: ConsolePage, policy_id: str) -> HTMLResponse:
    """One policy version: the editor, the dry run and the versions."""
    return _policy_page(page, policy_id)


@router.post("/routing/policies/{policy_id}", response_class=HTMLResponse)
def policy_version(page: ConsoleAction, policy_id: str) -> Response:
    """Save the editor as the next version."""
    page.principal.require(P.routing_manage)
    routing_policies.get_policy(page.session, page.principal, policy_id)  # 404 before parsing
    state, body, precedence, enabled = _policy_form(page)
    problems: list[dict[str, str]] = []
    if body is not None:
        try:
            row = routing_policies.add_policy_version(
                page.session, page.principal, policy_id, body, precedence, enabled
            )
            return page.redirect(
                f"/routing/policies/{row.id}", f"Saved {row.name} version {row.version}."
            )
        except LinkStarError as exc:
            page.session.rollback()
            state.message = exc.message
            problems = _problems(state, exc)
    return _policy_page(page, policy_id, state, 422, problems=problems)


@router.post("/routing/policies/{policy_id}/dry-run", response_class=HTMLResponse)
def policy_dry_run(page: ConsoleAction, policy_id: str) -> HTMLResponse:
    """Decide the pasted parcels with this version; nothing is stored."""
    row = routing_policies.get_policy(page.session, page.principal, policy_id)
    text = str(page.form.get("parcels") or "")[:200_000]
    rows = list(csv.DictReader(io.StringIO(text)))
    outcome: list[tuple[str, dict[str, Any]]] = []
    error = ""
    if not rows:
        error = "Paste at least one parcel under a header row (the ORDERS CSV format)."
    else:
        try:
            for inputs, decided in routing.dry_run(page.session, page.principal, row.body, rows):
                outcome.append((decided.ref, record_values(None, inputs, decided, False)))
        except InvalidInput as exc:
            error = exc.message
    return _policy_page(page, policy_id, dry_run=outcome, dry_error=error, parcels_text=text)


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
    return _render(
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
    return _render(
        page, "routing/suspensions.html", 422, suspensions=rows, state=state, affected=None
    )


@router.post("/routing/suspensions/{suspension_id}/resume", response_class=HTMLResponse)
def suspension_resume(page: ConsoleAction, suspension_id: str) -> Response:
    """End a suspension."""
    page.principal.require(P.routing_manage)
    row = routing_setup.resume(page.session, page.principal, suspension_id)
    return page.redirect("/routing/suspensions", f"Resumed {row.carrier}.")


# FX ------------------------------------------------------------------------------------------


@router.get("/routing/fx", response_class=HTMLResponse)
def fx(page: ConsolePage) -> HTMLResponse:
    """The FX table and the form that replaces it."""
    rows = fx_rates.fx_rows(page.session, page.principal)
    text = "currency,rate_to_base,effective_date\n" + "".join(
        f"{r.currency},{r.rate_to_base},{r.effective_date}\n" for r in rows
    )
    base = rows[0].base_currency if rows else "USD"
    state = FormState(values={"base_currency": base, "rates": text})
    return _render(page, "routing/fx.html", rates=rows, state=state)


@router.post("/routing/fx", response_class=HTMLResponse)
def fx_replace(page: ConsoleAction) -> Response:
    """Replace the FX table from pasted CSV; a bad row changes nothing."""
    page.principal.require(P.routing_manage)
    values = text_fields(page.form, ["base_currency"])
    text = str(page.form.get("rates") or "")[:200_000]
    state = FormState(values={**values, "rates": text})
    rows = list(csv.DictReader(io.StringIO(text)))
    done = attempt(
        page,
        state,
        ["base_currency", "rates"],
        lambda s: fx_rates.set_fx_table(s, page.principal, values["base_currency"], rows),
    )
    if done is not None:
        return page.redirect("/routing/fx", f"FX table replaced: {len(done)} rate(s).")
    if state.message and "rates" not in state.errors:
        state.errors["rates"] = state.message
    current = fx_rates.fx_rows(page.session, page.principal)
    return _render(page, "routing/fx.html", 422, rates=current, state=state)
