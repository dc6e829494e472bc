"""Receiving a return against an order: stock back into the ledger, the order to `returned`.

The inventory side (inventory.returns) books each line as restocked or written off, once per
return id; this side checks the order has shipped, limits each SKU to what the order shipped
less what came back before, notes the return on the timeline and moves the order to returned.
A second return of the same order (another return id) books its stock and leaves the state.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from linkstar.inventory import returns as stock_returns
from linkstar.inventory.schemas import ReturnCreate, ReturnRead
from linkstar.orders.core.states import InvalidTransition, OrderState
from linkstar.orders.flow import Timeline
from linkstar.orders.repository import OrderLineRepository, OrderRepository
from linkstar.workspace import audit
from linkstar.workspace.core import Permission, Principal

S = OrderState
RETURNABLE = frozenset({S.SHIPPED, S.DELIVERED, S.EXCEPTION, S.RETURNED})


def receive_return(
    session: Session, actor: Principal, order_id: str, data: ReturnCreate
) -> ReturnRead:
    """Book a received return of an order (idempotent by return id)."""
    actor.require(Permission.orders_write)
    org = actor.organisation_id
    order = OrderRepository(session, org).get(order_id)
    state = S(order.state)
    if state not in RETURNABLE:
        raise InvalidTransition(
            f"order is {state.value}: only a shipped, delivered or exception order can be returned",
            {"from": state.value, "to": S.RETURNED.value},
        )
    ordered: dict[str, int] = {}
    for line in OrderLineRepository(session, org).of(order.id):
        ordered[line.master_sku] = ordered.get(line.master_sku, 0) + line.quantity
    booked = stock_returns.book(session, actor, order.id, ordered, data)
    if booked.created:
        timeline = Timeline(session, actor)
        timeline.add(
            order,
            "return_received",
            {
                "return": data.reference,
                "warehouse": data.warehouse.upper(),
                "lines": [
                    {"sku": x.sku, "quantity": x.quantity, "disposition": x.disposition.value}
                    for x in data.lines
                ],
            },
        )
        if state is not S.RETURNED:
            timeline.move(order, S.RETURNED, return_ref=data.reference)
            audit.record(
                session,
                actor,
                "order.state",
                order,
                before={"state": state.value},
                after={"state": S.RETURNED.value},
            )
        timeline.write()
    return stock_returns.read(session, actor, booked.row, booked.created)


def returns_of(session: Session, actor: Principal, order_id: str) -> list[ReturnRead]:
    """Every return booked for an order, oldest first."""
    actor.require(Permission.orders_read)
    OrderRepository(session, actor.organisation_id).get(order_id)
    return [
        stock_returns.read(session, actor, row, False)
        for row in stock_returns.of_order(session, actor, order_id)
    ]
