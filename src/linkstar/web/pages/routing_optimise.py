"""Routing → Capacities (table editor, CSV upload) and Routing → Optimisation (run a wave,
the last result with a chart of cost by carrier). The same services as the API."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from starlette.datastructures import UploadFile
from starlette.responses import Response

from linkstar.kit.errors import LinkStarError
from linkstar.rating import optimisations
from linkstar.rating.cells import currency_exponent, format_money
from linkstar.rating.core.optimise.capacities import WEEKDAYS, RowError
from linkstar.rating.optimise_models import OptimisationRun
from linkstar.web.charts import BarChart, category_bar_chart
from linkstar.web.context import ConsoleAction, ConsolePage, Page
from linkstar.web.forms import FormState, read_upload, text_fields
from linkstar.web.pages.common import attempt
from linkstar.workspace.core import Permission

router = APIRouter()
P = Permission
CAPACITY_FIELDS = ["warehouse", "service_id", "carrier", "day", "max_parcels"]
WAVE_FIELDS = ["warehouse", "ship_date", "deferral_penalty", "baseline"]
MAX_UPLOAD = 2_000_000  # bytes of a CSV upload


def _day_text(day: date | None, weekday: int | None) -> str:
    if day is not None:
        return day.isoformat()
    return "every day" if weekday is None else WEEKDAYS[weekday]


def _capacities_page(
    page: Page, status: int = 200, state: FormState | None = None, errors: Sequence[RowError] = ()
) -> HTMLResponse:
    rows = optimisations.capacities(page.session, page.principal)
    return page.render(
        "routing/capacities.html",
        status=status,
        capacities=rows,
        day_text=_day_text,
        state=state or FormState(),
        row_errors=list(errors),
    )


@router.get("/routing/capacities", response_class=HTMLResponse)
def capacities(page: ConsolePage) -> HTMLResponse:
    """Every capacity, the form to add one and the CSV upload."""
    return _capacities_page(page)


@router.post("/routing/capacities", response_class=HTMLResponse)
def capacity_create(page: ConsoleAction) -> Response:
    """Add one capacity."""
    page.principal.require(P.routing_manage)
    values = text_fields(page.form, CAPACITY_FIELDS)
    state = FormState(values=dict(values))
    done = attempt(
        page,
        state,
        CAPACITY_FIELDS,
        lambda s: optimisations.create_capacity(s, page.principal, values),
    )
    if done is not None:
        return page.redirect("/routing/capacities", f"Added a capacity for {done.name}.")
    if not state.message:
        state.message = "Check the capacity."
    return _capacities_page(page, 422, state)


@router.post("/routing/capacities/upload", response_class=HTMLResponse)
async def capacity_upload(page: ConsoleAction) -> Response:
    """Add the good rows of a capacities CSV; every bad row is shown."""
    page.principal.require(P.routing_manage)
    state = FormState()
    upload = await read_upload(page.form, "file", MAX_UPLOAD)
    if upload is None:
        state.message = "Choose a CSV file: warehouse, service_id, carrier, day, max_parcels."
        return _capacities_page(page, 422, state)
    _filename, data = upload
    if len(data) > MAX_UPLOAD:
        state.message = "The file is larger than 2 MB."
        return _capacities_page(page, 422, state)
    try:
        stored = optimisations.import_capacities_csv(page.session, page.principal, data)
    except LinkStarError as exc:
        page.session.rollback()
        found = exc.details.get("errors") if isinstance(exc.details, dict) else None
        errors = [RowError(e["line"], e["column"], e["reason"]) for e in found or []]
        state.message = (
            f"Nothing was stored: {len(errors)} problem(s) in the file, listed below."
            if errors
            else exc.message
        )
        return _capacities_page(page, 422, state, errors)
    return page.redirect("/routing/capacities", f"Stored {len(stored)} capacities.")


@router.post("/routing/capacities/{capacity_id}/delete", response_class=HTMLResponse)
def capacity_delete(page: ConsoleAction, capacity_id: str) -> Response:
    """Remove a capacity."""
    page.principal.require(P.routing_manage)
    optimisations.delete_capacity(page.session, page.principal, capacity_id)
    return page.redirect("/routing/capacities", "Removed the capacity.")


def _chart(run: OptimisationRun | None) -> BarChart | None:
    if run is None or not run.cost_by_carrier or not run.currency:
        return None
    scale = 10 ** currency_exponent(run.currency)
    values = {c: round(v["cost"] / scale) for c, v in run.cost_by_carrier.items()}
    return category_bar_chart("Cost by carrier", run.currency, values)


def _optimisation_page(
    page: Page, status: int = 200, state: FormState | None = None
) -> HTMLResponse:
    run = optimisations.latest_run(page.session, page.principal)
    money = (lambda v: "" if v is None else format_money(v, run.currency or "USD")) if run else None
    return page.render(
        "routing/optimisation.html",
        status=status,
        run=run,
        money=money,
        chart=_chart(run),
        state=state or FormState(values={"deferral_penalty": "5.00"}),
    )


@router.get("/routing/optimisation", response_class=HTMLResponse)
def optimisation(page: ConsolePage) -> HTMLResponse:
    """The last optimised wave and the form to run one."""
    return _optimisation_page(page)


@router.post("/routing/optimisation", response_class=HTMLResponse)
async def optimisation_run(page: ConsoleAction) -> Response:
    """Optimise the uploaded orders (ORDERS CSV) as one wave."""
    page.principal.require(P.routing_manage)
    values = text_fields(page.form, WAVE_FIELDS)
    state = FormState(values=dict(values))
    try:
        ship_date = date.fromisoformat(values["ship_date"])
    except ValueError:
        state.errors["ship_date"] = "must be a date"
    upload = page.form.get("file")
    rows: list[dict[str, str]] = []
    if not isinstance(upload, UploadFile) or not upload.filename:
        state.errors["file"] = "choose an orders CSV"
    else:
        try:
            text = (await upload.read(MAX_UPLOAD + 1)).decode("utf-8-sig")
            rows = list(csv.DictReader(io.StringIO(text)))
        except (UnicodeDecodeError, csv.Error):
            state.errors["file"] = "not a UTF-8 CSV"
    if state.errors:
        state.message = "Check the wave."
        return _optimisation_page(page, 422, state)
    try:
        run = optimisations.start(
            page.session,
            page.principal,
            values["warehouse"],
            ship_date,
            rows,
            values["deferral_penalty"] or "5.00",
            values["baseline"] or None,
        )
    except LinkStarError as exc:
        page.session.rollback()
        state.message = exc.message
        return _optimisation_page(page, 422, state)
    return page.redirect(
        "/routing/optimisation", f"Wave {run.warehouse} {run.ship_date}: {run.status}."
    )
