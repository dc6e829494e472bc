"""Inventory: stock by SKU and warehouse, its ledger, inbound shipments with legs, SKUs."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from linkstar.inventory import inbound, service, transfers
from linkstar.inventory.schemas import AdjustmentCreate
from linkstar.kit.errors import InvalidInput
from linkstar.web.context import ConsoleAction, ConsolePage, Page
from linkstar.web.forms import FormState, parse, text_fields
from linkstar.web.pages.common import attempt
from linkstar.workspace import service as workspace
from linkstar.workspace.core import Permission

router = APIRouter()
P = Permission
SECTIONS = (
    ("stock", "Stock", "/inventory"),
    ("ledger", "Ledger", "/inventory/ledger"),
    ("inbound", "Inbound", "/inventory/inbound"),
    ("transfers", "Transfers", "/inventory/transfers"),
    ("skus", "SKUs", "/inventory/skus"),
    ("publishing", "Publishing", "/inventory/publishing"),
)
ADJUST_FIELDS = ["sku", "warehouse", "quantity", "reason", "reference"]
LEDGER_ROWS = 200
MAX_ID = 32


def _page(
    page: Page, template: str, section: str, status: int = 200, **context: Any
) -> HTMLResponse:
    return page.render(template, status=status, sections=SECTIONS, section=section, **context)


def _query(page: Page, name: str, limit: int = 64) -> str:
    value = page.request.query_params.get(name, "").strip()
    if len(value) > limit:
        raise InvalidInput(f"{name} is too long", {"field": name})
    return value


def _stock(page: Page, status: int = 200, state: FormState | None = None) -> HTMLResponse:
    page.principal.require(P.inventory_read)
    sku = _query(page, "sku")
    code = _query(page, "warehouse", 20).upper()
    warehouses = workspace.list_warehouses(page.session, page.principal)
    wid = next((w.id for w in warehouses if w.code == code), None)
    rows = (
        []
        if code and wid is None
        else service.stock_table(page.session, page.principal, sku or None, wid)
    )
    return _page(
        page,
        "inventory/stock.html",
        "stock",
        status,
        rows=rows,
        sku=sku,
        warehouse=code,
        warehouses=warehouses,
        state=state or FormState(),
        totals={
            k: sum(getattr(r, k) for r in rows)
            for k in ("on_hand", "allocated", "available", "inbound")
        },
    )


@router.get("/inventory", response_class=HTMLResponse)
def stock(page: ConsolePage) -> HTMLResponse:
    """Stock by SKU and warehouse, filterable, each row opening its ledger."""
    return _stock(page)


@router.post("/inventory/adjust", response_class=HTMLResponse)
def adjust(page: ConsoleAction) -> Response:
    """Correct on hand of one SKU in one warehouse (an adjustment ledger entry)."""
    page.principal.require(P.inventory_write)
    values = text_fields(page.form, ADJUST_FIELDS)
    state = FormState(values=dict(values))
    data = parse(AdjustmentCreate, values, state)
    if data is not None:
        done = attempt(
            page,
            state,
            ADJUST_FIELDS,
            lambda s: service.stock_of(s, page.principal, service.adjust(s, page.principal, data)),
        )
        if done is not None:
            return page.redirect(
                "/inventory", f"{done.sku} at {done.warehouse_code}: on hand now {done.on_hand}."
            )
    return _stock(page, state.status, state)


@router.get("/inventory/ledger", response_class=HTMLResponse)
def ledger(page: ConsolePage) -> HTMLResponse:
    """The newest ledger entries, optionally of one SKU and/or warehouse."""
    page.principal.require(P.inventory_read)
    sku_id = _query(page, "sku_id", MAX_ID) or None
    warehouse_id = _query(page, "warehouse_id", MAX_ID) or None
    entries = service.ledger_page(
        page.session, page.principal, LEDGER_ROWS, None, sku_id, warehouse_id
    ).items
    skus = {s.id: s for s in service.skus_all(page.session, page.principal)}
    warehouses = {w.id: w for w in workspace.list_warehouses(page.session, page.principal)}
    return _page(
        page,
        "inventory/ledger.html",
        "ledger",
        entries=entries,
        skus=skus,
        warehouses=warehouses,
        sku=skus.get(sku_id or ""),
        warehouse=warehouses.get(warehouse_id or ""),
        filtered=bool(sku_id or warehouse_id),
    )


@router.get("/inventory/inbound", response_class=HTMLResponse)
def inbound_list(page: ConsolePage) -> HTMLResponse:
    """Inbound shipments, newest first, each with its legs as a timeline, and the transfers
    from another warehouse in transit."""
    page.principal.require(P.inventory_read)
    rows = inbound.page(page.session, page.principal, 50, None).items
    shipments = [inbound.read(page.session, page.principal, row) for row in rows]
    warehouses = {w.id: w for w in workspace.list_warehouses(page.session, page.principal)}
    moving = transfers.page(page.session, page.principal, 50, None, "in_transit").items
    return _page(
        page,
        "inventory/inbound.html",
        "inbound",
        shipments=shipments,
        warehouses=warehouses,
        moving=[transfers.read(page.session, page.principal, row) for row in moving],
    )


@router.get("/inventory/skus", response_class=HTMLResponse)
def skus(page: ConsolePage) -> HTMLResponse:
    """The master SKU catalogue."""
    page.principal.require(P.inventory_read)
    return _page(
        page, "inventory/skus.html", "skus", skus=service.skus_all(page.session, page.principal)
    )
