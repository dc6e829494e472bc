"""Inventory → Transfers (list, plan, detail with dispatch / receive / cancel) and the order
detail's "Receive return" action with its parcels and returns."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from linkstar.inventory import transfers
from linkstar.inventory.core import TransferStatus
from linkstar.inventory.schemas import ReturnCreate, TransferCreate
from linkstar.orders import returns, service
from linkstar.orders.models import Order
from linkstar.rating import routing
from linkstar.web.context import ConsoleAction, ConsolePage, Page
from linkstar.web.forms import FormState, parse, text_fields
from linkstar.web.pages.common import attempt
from linkstar.web.pages.inventory import SECTIONS
from linkstar.workspace import service as workspace
from linkstar.workspace.core import Permission

router = APIRouter()
P = Permission
TRANSFER_FIELDS = ["reference", "from_warehouse", "to_warehouse", "carrier", "tracking_ref", "eta"]
MAX_LINES = 200


def units_of(text: str) -> int | None:
    """A typed unit count: 1-9 ASCII digits (anything else, e.g. "²" or 5,000 digits, is None)."""
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


def _lines(text: str, state: FormState) -> list[dict[str, Any]] | None:
    """`SKU QUANTITY` (or SKU=QUANTITY) per line of the textarea (checked by the schema)."""
    found: list[dict[str, Any]] = []
    for number, raw in enumerate(text.splitlines()[: MAX_LINES + 1], start=1):
        if not raw.strip():
            continue
        sku, _sep, qty = raw.replace("=", " ").strip().rpartition(" ")
        units = units_of(qty)
        if not sku.strip() or not units or len(found) >= MAX_LINES:
            state.errors["lines"] = f"line {number}: write SKU and a positive quantity"
            return None
        found.append({"sku": sku.strip(), "quantity": units})
    if not found:
        state.errors["lines"] = "list at least one SKU and quantity"
        return None
    return found


def _list(page: Page, state: FormState | None = None) -> HTMLResponse:
    page.principal.require(P.inventory_read)
    status = page.request.query_params.get("status", "")
    chosen = status if status in {s.value for s in TransferStatus} else None
    rows = transfers.page(page.session, page.principal, 100, None, chosen).items
    state = state or FormState()
    return page.render(
        "inventory/transfers.html",
        status=state.status if state.failed else 200,
        sections=SECTIONS,
        section="transfers",
        transfers=[transfers.read(page.session, page.principal, r) for r in rows],
        statuses=[s.value for s in TransferStatus],
        chosen=chosen or "",
        warehouse_options=[
            (w.code, f"{w.code} · {w.name}")
            for w in workspace.list_warehouses(page.session, page.principal)
        ],
        state=state,
    )


@router.get("/inventory/transfers", response_class=HTMLResponse)
def transfer_list(page: ConsolePage) -> HTMLResponse:
    """Transfers between warehouses, newest first, and a form to plan one."""
    return _list(page)


@router.post("/inventory/transfers", response_class=HTMLResponse)
def transfer_create(page: ConsoleAction) -> Response:
    """Plan a transfer (a draft)."""
    page.principal.require(P.inventory_write)
    values = text_fields(page.form, [*TRANSFER_FIELDS, "lines"])
    state = FormState(values=dict(values))
    lines = _lines(values.pop("lines"), state)
    eta = values["eta"] or None
    data = parse(TransferCreate, {**values, "eta": eta, "lines": lines}, state) if lines else None
    for key in [k for k in state.errors if k.startswith("lines.")]:
        state.errors["lines"] = f"{key.removeprefix('lines.')}: {state.errors.pop(key)}"
    if data is not None:
        done = attempt(
            page,
            state,
            TRANSFER_FIELDS,
            lambda s: transfers.create(s, page.principal, data),
        )
        if done is not None:
            return page.redirect(
                f"/inventory/transfers/{done.id}", f"Transfer {done.reference} planned."
            )
    return _list(page, state)


@router.get("/inventory/transfers/{transfer_id}", response_class=HTMLResponse)
def transfer_detail(page: ConsolePage, transfer_id: str) -> HTMLResponse:
    """One transfer: lines with what arrived, and the actions its status allows."""
    view = transfers.read(
        page.session, page.principal, transfers.get(page.session, page.principal, transfer_id)
    )
    return page.render(
        "inventory/transfer.html", sections=SECTIONS, section="transfers", transfer=view
    )


def _act(page: Page, transfer_id: str, notice: str, action: Any) -> Response:
    page.principal.require(P.inventory_write)
    transfers.get(page.session, page.principal, transfer_id)  # another tenant's id: a 404 page
    state = FormState()
    done = attempt(page, state, [], action)
    back = f"/inventory/transfers/{transfer_id}"
    if done is None:
        return page.redirect(back, state.message or "; ".join(state.errors.values()), "error")
    return page.redirect(back, notice)


@router.post("/inventory/transfers/{transfer_id}/dispatch", response_class=HTMLResponse)
def transfer_dispatch(page: ConsoleAction, transfer_id: str) -> Response:
    """Dispatch: the units leave the origin."""
    return _act(
        page,
        transfer_id,
        "Dispatched: the units left the origin and show as inbound at the destination.",
        lambda s: transfers.dispatch(s, page.principal, transfer_id),
    )


@router.post("/inventory/transfers/{transfer_id}/receive", response_class=HTMLResponse)
def transfer_receive(page: ConsoleAction, transfer_id: str) -> Response:
    """Receive the quantities typed per line (blank: none of that SKU)."""
    page.principal.require(P.inventory_write)
    transfers.get(page.session, page.principal, transfer_id)
    requested: dict[str, int] = {}
    for key, value in page.form.multi_items():
        if key.startswith("qty:") and isinstance(value, str) and value.strip():
            units = units_of(value)
            if units is None:
                return page.redirect(
                    f"/inventory/transfers/{transfer_id}",
                    f"{key[4:][:64]}: the quantity is a whole number",
                    "error",
                )
            if units > 0:
                requested[key[4:][:64]] = units
    if not requested:
        return page.redirect(
            f"/inventory/transfers/{transfer_id}", "Type the units that arrived.", "error"
        )
    return _act(
        page,
        transfer_id,
        f"Received {sum(requested.values())} unit(s).",
        lambda s: transfers.receive(s, page.principal, transfer_id, requested),
    )


@router.post("/inventory/transfers/{transfer_id}/cancel", response_class=HTMLResponse)
def transfer_cancel(page: ConsoleAction, transfer_id: str) -> Response:
    """Cancel; units on the way go back on hand at the origin."""
    note = str(page.form.get("note") or "")[:300]
    return _act(
        page,
        transfer_id,
        "Transfer cancelled.",
        lambda s: transfers.cancel(s, page.principal, transfer_id, note),
    )


def order_context(page: Page, order: Order) -> dict[str, Any]:
    """What the order detail shows besides the order: parcels (routing decision per
    warehouse), returns booked, and the warehouses a return can be received at."""
    can = page.principal.can
    return {
        "parcels": routing.parcel_decisions(page.session, page.principal, order.id)
        if can(P.routing_read)
        else [],
        "returns": returns.returns_of(page.session, page.principal, order.id),
        "warehouses": workspace.list_warehouses(page.session, page.principal)
        if can(P.orders_write) and can(P.workspace_read)
        else [],
        "returnable": order.state in {s.value for s in returns.RETURNABLE},
    }


@router.post("/orders/{order_id}/returns", response_class=HTMLResponse)
def receive_return(page: ConsoleAction, order_id: str) -> Response:
    """Book a received return: per SKU the units restocked and written off."""
    page.principal.require(P.orders_write)
    order = service.get_order(page.session, page.principal, order_id).order
    back = f"/orders/{order.id}"
    form = text_fields(page.form, ["reference", "warehouse", "note"])
    units: dict[tuple[str, str], int] = {}  # (sku, disposition): a bundle SKU may repeat
    for key, value in page.form.multi_items():
        kind, _sep, sku = key.partition(":")
        if kind not in ("restock", "write_off") or not isinstance(value, str) or not value.strip():
            continue
        count = units_of(value)
        if count is None:
            return page.redirect(back, f"{sku[:64]}: the quantity is a whole number", "error")
        if count > 0:
            units[(sku, kind)] = units.get((sku, kind), 0) + count
    lines = [{"sku": k[0], "quantity": q, "disposition": k[1]} for k, q in units.items()]
    state = FormState(values=dict(form))
    data = parse(ReturnCreate, {**form, "lines": lines}, state)
    if data is None:
        why = "; ".join(f"{k}: {v}" for k, v in state.errors.items())
        return page.redirect(back, f"Return not booked: {why}", "error")
    done = attempt(
        page, state, [], lambda s: returns.receive_return(s, page.principal, order.id, data)
    )
    if done is None:
        return page.redirect(back, f"Return not booked: {state.message}", "error")
    if not done.created:
        return page.redirect(back, f"Return {done.reference} was already booked: nothing changed.")
    return page.redirect(back, f"Return {done.reference} booked; the order is returned.")
