"""Settings → Warehouses: where stock sits and parcels leave from."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from linkstar.web.context import ConsoleAction, ConsolePage, Page
from linkstar.web.forms import FormState, checkbox, parse, text_fields
from linkstar.web.pages.common import attempt, timezones
from linkstar.workspace import service
from linkstar.workspace.core import Permission, WarehouseKind
from linkstar.workspace.models import Warehouse
from linkstar.workspace.schemas import WarehouseCreate, WarehouseUpdate

router = APIRouter()
P = Permission
ADDRESS_FIELDS = ["line1", "line2", "city", "state", "postcode", "country"]
EDIT_FIELDS = ["name", "kind", *ADDRESS_FIELDS, "timezone", "cutoff_time"]
CREATE_FIELDS = ["code", *EDIT_FIELDS]
KIND_LABELS = {
    WarehouseKind.own.value: "Own warehouse",
    WarehouseKind.third_party.value: "3PL",
    WarehouseKind.fba.value: "Amazon FBA",
}


def _page(page: Page, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    return page.render(
        template,
        status=status,
        kinds=list(KIND_LABELS.items()),
        kind_labels=KIND_LABELS,
        zones=timezones(),
        **context,
    )


@router.get("/settings/warehouses", response_class=HTMLResponse)
def warehouses(page: ConsolePage) -> HTMLResponse:
    """The organisation's warehouses."""
    rows = service.list_warehouses(page.session, page.principal)
    return _page(page, "settings/warehouses.html", warehouses=rows)


@router.get("/settings/warehouses/new", response_class=HTMLResponse)
def warehouse_new(page: ConsolePage) -> HTMLResponse:
    """The form to add a warehouse."""
    page.principal.require(P.workspace_manage)
    state = FormState(values={"kind": "own", "cutoff_time": "15:00", "timezone": "UTC"})
    return _page(page, "settings/warehouse_form.html", state=state, warehouse=None)


@router.post("/settings/warehouses", response_class=HTMLResponse)
def warehouse_create(page: ConsoleAction) -> Response:
    """Add a warehouse."""
    page.principal.require(P.workspace_manage)
    values = text_fields(page.form, CREATE_FIELDS)
    state = FormState(values=dict(values))
    data = parse(WarehouseCreate, values, state)
    if data is not None:
        created = attempt(
            page, state, CREATE_FIELDS, lambda s: service.create_warehouse(s, page.principal, data)
        )
        if created is not None:
            return page.redirect(
                "/settings/warehouses", f"Warehouse {created.code} · {created.name} added."
            )
    return _page(page, "settings/warehouse_form.html", state.status, state=state, warehouse=None)


def _edit_values(warehouse: Warehouse) -> dict[str, Any]:
    values = {field: getattr(warehouse, field) for field in EDIT_FIELDS}
    values["cutoff_time"] = warehouse.cutoff_time.strftime("%H:%M")
    values["is_active"] = warehouse.is_active
    return values


@router.get("/settings/warehouses/{warehouse_id}", response_class=HTMLResponse)
def warehouse_edit(page: ConsolePage, warehouse_id: str) -> HTMLResponse:
    """One warehouse, editable by managers."""
    warehouse = service.get_warehouse(page.session, page.principal, warehouse_id)
    state = FormState(values=_edit_values(warehouse))
    return _page(page, "settings/warehouse_form.html", state=state, warehouse=warehouse)


@router.post("/settings/warehouses/{warehouse_id}", response_class=HTMLResponse)
def warehouse_update(page: ConsoleAction, warehouse_id: str) -> Response:
    """Change a warehouse (its code stays: other records refer to it)."""
    page.principal.require(P.workspace_manage)
    warehouse = service.get_warehouse(page.session, page.principal, warehouse_id)
    values: dict[str, Any] = dict(text_fields(page.form, EDIT_FIELDS))
    values["is_active"] = checkbox(page.form, "is_active")
    state = FormState(values=dict(values))
    data = parse(WarehouseUpdate, values, state)
    if data is not None:
        done = attempt(
            page,
            state,
            EDIT_FIELDS,
            lambda s: service.update_warehouse(s, page.principal, warehouse_id, data),
        )
        if done is not None:
            return page.redirect("/settings/warehouses", f"Warehouse {done.code} saved.")
    return _page(
        page, "settings/warehouse_form.html", state.status, state=state, warehouse=warehouse
    )
