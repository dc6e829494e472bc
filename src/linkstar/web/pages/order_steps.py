"""Orders: Allocate, Route and Release buttons on an order and on a selection of the list.

The buttons call the same pipeline steps as the jobs (`orders.flow.allocate_orders`,
`route_orders`) and the same hold release as the holds queue, in the request's transaction,
and say what happened in the flash message.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.responses import Response

from linkstar.kit.errors import LinkStarError, NotFound
from linkstar.orders import flow, service
from linkstar.orders.models import Order
from linkstar.orders.repository import OrderRepository
from linkstar.web.context import ConsoleAction, Page
from linkstar.workspace.core import Permission, Principal

router = APIRouter()
MAX_SELECTED = 200
Step = Callable[[Session, Principal, Sequence[str] | None], flow.StepReport]
STEPS: dict[str, tuple[Step, str, str]] = {
    "allocate": (flow.allocate_orders, "allocated", "checked"),
    "route": (flow.route_orders, "routed", "allocated"),
}


def _summary(verb: str, wanted: str, report: flow.StepReport, asked: int) -> str:
    held = ", ".join(sorted({reason for reasons in report.held.values() for reason in reasons}))
    skipped = asked - len(report.advanced) - len(report.held)
    parts = [f"{len(report.advanced)} {verb}"]
    if report.held:
        parts.append(f"{len(report.held)} held ({held})")
    if skipped:
        parts.append(f"{skipped} not {wanted} and unheld, left as they were")
    return ", ".join(parts) + "."


def _step(page: Page, name: str, ids: list[str]) -> tuple[str, str]:
    step, verb, wanted = STEPS[name]
    report = step(page.session, page.principal, ids)
    level = "success" if report.advanced else "error"
    return _summary(verb, wanted, report, len(ids)), level


def _release(page: Page, ids: list[str]) -> tuple[str, str]:
    released, refused = 0, 0
    for order_id in ids:
        try:
            with page.session.begin_nested():  # one order's refusal undoes only its own writes
                service.release_hold(page.session, page.principal, order_id, None, "console bulk")
            released += 1
        except NotFound:
            raise
        except LinkStarError:
            refused += 1
    text = f"{released} released" + (f", {refused} had no hold" if refused else "") + "."
    return text, "success" if released else "error"


@router.post("/orders/{order_id}/allocate")
def allocate_one(page: ConsoleAction, order_id: str) -> Response:
    """Reserve stock for this order now (it must be checked and unheld)."""
    page.principal.require(Permission.orders_write)
    OrderRepository(page.session, page.principal.organisation_id).get(order_id)
    text, level = _step(page, "allocate", [order_id])
    return page.redirect(f"/orders/{order_id}", f"Allocate: {text}", level)


@router.post("/orders/{order_id}/route")
def route_one(page: ConsoleAction, order_id: str) -> Response:
    """Choose the carrier for this order now (it must be allocated and unheld)."""
    page.principal.require(Permission.orders_write)
    OrderRepository(page.session, page.principal.organisation_id).get(order_id)
    text, level = _step(page, "route", [order_id])
    return page.redirect(f"/orders/{order_id}", f"Route: {text}", level)


@router.post("/orders/bulk-action")
def bulk_action(page: ConsoleAction) -> Response:
    """Allocate, route or release the orders ticked in the list."""
    page.principal.require(Permission.orders_write)
    action = str(page.form.get("action") or "")
    ids = list(dict.fromkeys(str(v) for v in page.form.getlist("order_id") if str(v).strip()))
    back = str(page.form.get("back") or "/orders")
    back = back if back in ("/orders", "/orders/holds") else "/orders"
    if action not in ("allocate", "route", "release"):
        return page.redirect(back, "Choose Allocate, Route or Release hold.", "error")
    if not ids:
        return page.redirect(back, "Select at least one order.", "error")
    if len(ids) > MAX_SELECTED:
        return page.redirect(back, f"Select at most {MAX_SELECTED} orders at a time.", "error")
    orders = OrderRepository(page.session, page.principal.organisation_id)
    known = set(
        page.session.scalars(orders.select().where(Order.id.in_(ids)).with_only_columns(Order.id))
    )
    if len(known) != len(ids):  # another organisation's ids are as unknown as made-up ones
        return page.redirect(back, "Some selected orders do not exist.", "error")
    if action == "release":
        text, level = _release(page, ids)
        return page.redirect(back, f"Release hold: {text}", level)
    text, level = _step(page, action, ids)
    return page.redirect(back, f"{action.capitalize()}: {text}", level)
