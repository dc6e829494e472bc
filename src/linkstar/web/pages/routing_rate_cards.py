"""Routing: rate cards (upload, price lookup) and the FX table that converts their prices.
The same services as the API.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from starlette.datastructures import UploadFile
from starlette.responses import Response

from linkstar.kit.errors import LinkStarError
from linkstar.rating import fx_rates, service
from linkstar.rating.cells import format_money
from linkstar.rating.core import Ineligible, Parcel
from linkstar.rating.sheets import read_upload
from linkstar.web.context import ConsoleAction, ConsolePage, Page
from linkstar.web.forms import FormState, text_fields
from linkstar.web.pages.common import attempt
from linkstar.web.pages.routing import render
from linkstar.workspace.core import Permission

router = APIRouter()
P = Permission
_DIMS = re.compile(r"^(\d+)\s*x\s*(\d+)\s*x\s*(\d+)$")


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
    return render(
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
    return render(
        page,
        "routing/rate_cards.html",
        422,
        cards=list(reversed(cards)),
        state=state,
        issues=issues,
        lookup=FormState(),
        quotes=[],
    )


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
    return render(page, "routing/fx.html", rates=rows, state=state)


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
    return render(page, "routing/fx.html", 422, rates=current, state=state)
