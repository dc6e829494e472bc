"""The fulfilment steps after the address check: allocate stock, route to a carrier, re-route.

    checked ──allocate──▶ allocated ──route──▶ routed      (held on `stock` / `routing` instead)

Each step takes the organisation's orders that are in its input state and not held, works them
in batches (one inventory.allocate or rating.routing.route call per batch), and writes the
outcome in bulk: the changed order rows in one flush, the timeline with one multi-row INSERT.
Never commits: the entry point (API request, CLI command, job) owns the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from linkstar.db.repository import chunks
from linkstar.inventory import allocation as stock
from linkstar.inventory.core import AllocationPolicy, AllocationRequest, RequestLine, Strategy
from linkstar.inventory.repository import AllocationRepository, SkuRepository
from linkstar.kit.clock import utcnow
from linkstar.kit.errors import InvalidInput
from linkstar.kit.ids import new_id
from linkstar.orders.core.states import OrderState, add_hold, holds_from_json, holds_to_json
from linkstar.orders.models import Order, OrderEvent, OrderLine
from linkstar.orders.parcels import order_of, parcel_rows
from linkstar.orders.repository import OrderLineRepository, OrderRepository
from linkstar.rating import routing
from linkstar.workspace import repository as wrepo
from linkstar.workspace.core import Permission, Principal

STOCK_HOLD = "stock"
ROUTING_HOLD = "routing"
BATCH = 500
MAX_ORDERS = 10_000
# The nearest warehouse holding every unit (one parcel, the shortest lane). An order that cannot
# be filled entirely gets nothing (and a `stock` hold), so a held order never sits on part of
# the stock another order could ship with.
POLICY = AllocationPolicy(strategy=Strategy.closest, all_or_nothing=True)
UNSHIPPED = (OrderState.ALLOCATED, OrderState.ROUTED, OrderState.LABEL_CREATED)


@dataclass
class StepReport:
    """What one run of a step did, by order id."""

    advanced: list[str] = field(default_factory=list)
    held: dict[str, list[str]] = field(default_factory=dict)  # order id → reasons

    def as_dict(self) -> dict[str, Any]:
        return {"advanced": len(self.advanced), "held": len(self.held)}


class Timeline:
    """Order events of one step, written with one multi-row INSERT."""

    def __init__(self, session: Session, actor: Principal) -> None:
        self.session, self.actor, self.at = session, actor, utcnow()
        self.rows: list[dict[str, Any]] = []

    def add(self, order: Order, kind: str, detail: dict[str, Any]) -> None:
        self.rows.append(
            {
                "id": new_id(),
                "organisation_id": order.organisation_id,
                "order_id": order.id,
                # A microsecond apart: the timeline (ordered by time) keeps the order they happened.
                "at": self.at + timedelta(microseconds=len(self.rows)),
                "kind": kind,
                "actor": self.actor.label[:254],
                "detail": detail,
            }
        )

    def move(self, order: Order, to: OrderState, **detail: Any) -> None:
        self.add(order, "state_changed", {"from": order.state, "to": to.value, **detail})
        order.state = to.value

    def hold(self, order: Order, reason: str, detail: str, extra: dict[str, Any]) -> None:
        holds, added = add_hold(holds_from_json(order.holds), reason, detail, self.at)
        if added:
            order.holds = holds_to_json(holds)
            order.is_held = True
            self.add(order, "held", {"reason": reason, "detail": holds[-1].detail, **extra})

    def write(self) -> None:
        self.session.flush()  # the order rows: one UPDATE statement per changed column set
        if self.rows:
            self.session.execute(insert(OrderEvent), self.rows)
        self.rows = []


def _waiting(
    session: Session, actor: Principal, state: OrderState, order_ids: Sequence[str] | None
) -> list[Order]:
    repo = OrderRepository(session, actor.organisation_id)
    stmt = repo.select().where(Order.state == state.value, Order.is_held.is_(False))
    if order_ids is not None:
        if not order_ids:
            return []
        if len(order_ids) > MAX_ORDERS:
            raise InvalidInput(f"at most {MAX_ORDERS} orders per run", {"field": "order_ids"})
        found: list[Order] = []
        for part in chunks(list(order_ids)):
            found += session.scalars(stmt.where(Order.id.in_(part)).order_by(Order.placed_at))
        return found
    return list(session.scalars(stmt.order_by(Order.placed_at, Order.id).limit(MAX_ORDERS)))


# Allocation ----------------------------------------------------------------------------------


def allocate_orders(
    session: Session, actor: Principal, order_ids: Sequence[str] | None = None
) -> StepReport:
    """Reserve stock for checked, unheld orders (oldest first): allocated, or held on `stock`."""
    actor.require(Permission.orders_write)
    org = actor.organisation_id
    orders = _waiting(session, actor, OrderState.CHECKED, order_ids)
    report = StepReport()
    warehouses = {w.code: w.id for w in wrepo.WarehouseRepository(session, org).list()}
    codes = {w_id: code for code, w_id in warehouses.items()}
    for part in chunks(orders, BATCH):
        timeline = Timeline(session, actor)
        lines = OrderLineRepository(session, org).of_many([o.id for o in part])
        known = SkuRepository(session, org).by_codes(
            {line.master_sku for o in part for line in lines.get(o.id, [])}
        )
        requests: list[AllocationRequest] = []
        by_ref: dict[str, Order] = {}
        for order in part:
            mine = lines.get(order.id, [])
            unknown = sorted({x.master_sku for x in mine} - known.keys())
            if not mine or unknown:
                why = f"unknown SKU(s): {', '.join(unknown)}" if unknown else "order has no lines"
                timeline.hold(order, STOCK_HOLD, why, {"unknown_skus": unknown})
                report.held[order.id] = [why]
                continue
            requests.append(_request(order, mine, warehouses))
            by_ref[order.id] = order
        stock_release_stale(session, org, list(by_ref), actor)
        for decision in stock.allocate(session, org, requests, POLICY, actor.label[:254]):
            order = by_ref[decision.order_ref]
            picks = [
                {
                    "line_id": line.line_ref,
                    "sku": line.master_sku,
                    "requested": line.requested,
                    "picks": [
                        {"warehouse": codes.get(p.warehouse_id, p.warehouse_id), "qty": p.quantity}
                        for p in line.picks
                    ],
                }
                for line in decision.lines
            ]
            if decision.status == "allocated":
                timeline.add(order, "allocated", {"lines": picks, "reasons": decision.reasons})
                timeline.move(order, OrderState.ALLOCATED)
                report.advanced.append(order.id)
                continue
            short = [
                f"{line.master_sku} short {line.shortfall} of {line.requested}"
                for line in decision.lines
                if line.shortfall
            ]
            timeline.hold(
                order, STOCK_HOLD, "; ".join(short), {"lines": picks, "reasons": decision.reasons}
            )
            report.held[order.id] = short
        timeline.write()
    return report


def _request(order: Order, lines: list[OrderLine], warehouses: dict[str, str]) -> AllocationRequest:
    # Rules name warehouses by code; allocation works with ids. Unknown codes are ignored.
    preferred = warehouses.get(order.warehouse_code or "")
    excluded = frozenset(warehouses[c] for c in order.excluded_warehouses if c in warehouses)
    return AllocationRequest(
        order_ref=order.id,
        dest_country=order.ship_country or "",
        dest_postcode=order.ship_postcode or "",
        lines=tuple(RequestLine(x.master_sku, x.quantity, x.id) for x in lines),
        allow_split=bool(order.split_plan),  # one parcel per order unless a rule plans a split
        excluded_warehouse_ids=excluded,
        preferred_warehouse_ids=(preferred,) if preferred else (),
    )


def stock_release_stale(
    session: Session, organisation_id: str, order_ids: Sequence[str], actor: Principal
) -> None:
    """Give back reservations an order still holds from an earlier pass (it was sent back to
    checked), so it can be allocated afresh."""
    held = AllocationRepository(session, organisation_id).for_orders(order_ids, "reserved")
    if held:
        session.flush()  # release() expires the session: write pending order changes first
    for ref in sorted({a.order_ref for a in held}):
        stock.release(session, organisation_id, ref, actor.label[:254])


def release_stock(session: Session, actor: Principal, order: Order) -> int:
    """Give back an order's reserved units (on cancel); notes it on the timeline."""
    units = stock.release(session, actor.organisation_id, order.id, actor.label[:254])
    if units:
        timeline = Timeline(session, actor)
        timeline.add(order, "allocation_released", {"units": units})
        timeline.write()
    return units


# Routing -------------------------------------------------------------------------------------


def route_orders(
    session: Session, actor: Principal, order_ids: Sequence[str] | None = None
) -> StepReport:
    """Route allocated, unheld orders through rating.routing, one decision per parcel (a split
    order has one parcel per warehouse): routed when every parcel got a service, else held on
    `routing`."""
    actor.require(Permission.orders_write)
    org = actor.organisation_id
    orders = _waiting(session, actor, OrderState.ALLOCATED, order_ids)
    report = StepReport()
    warehouses = {w.id: w for w in wrepo.WarehouseRepository(session, org).list()}
    for part in chunks(orders, BATCH):
        timeline = Timeline(session, actor)
        parcels = _parcels(session, org, part, warehouses)
        decisions = routing.route(session, actor, [row for rows in parcels for row in rows])
        at = 0
        for order, rows in zip(part, parcels, strict=True):
            mine = decisions[at : at + len(rows)]
            at += len(rows)
            _routed(timeline, report, order, rows, mine)
        timeline.write()
    return report


def _routed(
    timeline: Timeline,
    report: StepReport,
    order: Order,
    rows: Sequence[dict[str, Any]],
    decisions: Sequence[Any],
) -> None:
    """Advance the order when every parcel was assigned a service; else hold it."""
    split = len(rows) > 1
    if all(d.status == "assigned" for d in decisions):
        if split:
            detail = {
                "parcels": [_parcel_detail(r, d) for r, d in zip(rows, decisions, strict=True)]
            }
        else:
            detail = decision_detail(decisions[0])
        timeline.add(order, "routed", detail)
        timeline.move(order, OrderState.ROUTED, decision_id=decisions[0].id)
        report.advanced.append(order.id)
        return
    reasons: list[str] = []
    for row, decision in zip(rows, decisions, strict=True):
        if decision.status == "assigned":
            continue
        why = list(decision.reasons) or [decision.status]
        reasons += [f"{row['warehouse']}: {r}" for r in why] if split else why
    failed = next(d for d in decisions if d.status != "assigned")
    extra: dict[str, Any] = {"decision_id": failed.id, "reasons": reasons}
    if split:
        extra["parcels"] = [_parcel_detail(r, d) for r, d in zip(rows, decisions, strict=True)]
    timeline.hold(order, ROUTING_HOLD, ", ".join(reasons), extra)
    report.held[order.id] = reasons


def _parcel_detail(row: dict[str, Any], decision: Any) -> dict[str, Any]:
    return {
        "parcel": row["order_id"],
        "warehouse": row["warehouse"],
        "status": decision.status,
        **decision_detail(decision),
    }


def _parcels(
    session: Session, org: str, orders: Sequence[Order], warehouses: dict[str, Any]
) -> list[list[dict[str, Any]]]:
    ids = [o.id for o in orders]
    reserved: dict[str, list[Any]] = {}
    for row in AllocationRepository(session, org).for_orders(ids, "reserved"):
        reserved.setdefault(row.order_ref, []).append(row)
    lines = OrderLineRepository(session, org).of_many(ids)
    skus = SkuRepository(session, org).by_codes(
        {x.master_sku for o in orders for x in lines.get(o.id, [])}
    )
    return [
        parcel_rows(order, lines.get(order.id, []), reserved.get(order.id, []), warehouses, skus)
        for order in orders
    ]


def decision_detail(decision: Any) -> dict[str, Any]:
    """What the timeline keeps of a routing decision (the full record stays in rating)."""
    return {
        "decision_id": decision.id,
        "carrier": decision.chosen_carrier,
        "service_id": decision.chosen_service_id,
        "price": decision.price,
        "currency": decision.currency,
        "fallback": decision.fallback,
        "policy": decision.policy_name,
    }


def reroute_orders(session: Session, actor: Principal, subject_refs: Sequence[str]) -> StepReport:
    """Route again the parcels among `subject_refs` (order ids, or `<order id>/<warehouse>` for
    a parcel of a split order, whose decision chose a service now suspended) of unshipped
    orders: a new decision on the timeline, or back to allocated with a `routing` hold."""
    actor.require(Permission.orders_write)
    repo = OrderRepository(session, actor.organisation_id)
    states = [s.value for s in UNSHIPPED if s is not OrderState.ALLOCATED]
    refs_of: dict[str, list[str]] = {}
    for ref in subject_refs:
        refs_of.setdefault(order_of(ref), []).append(ref)
    orders: list[Order] = []
    for part in chunks(sorted(refs_of)):
        orders += session.scalars(
            repo.select().where(Order.id.in_(part), Order.state.in_(states)).order_by(Order.id)
        )
    report = StepReport()
    if not orders:
        return report
    timeline = Timeline(session, actor)
    refs = [ref for order in orders for ref in refs_of[order.id]]
    decisions = iter(routing.reroute(session, actor, refs))
    for order in orders:
        mine = [(ref, next(decisions)) for ref in refs_of[order.id]]
        failed = [(ref, d) for ref, d in mine if d.status != "assigned"]
        if not failed:
            for ref, decision in mine:
                detail = decision_detail(decision)
                timeline.add(
                    order, "rerouted", detail if ref == order.id else {"parcel": ref, **detail}
                )
            report.advanced.append(order.id)
            continue
        reasons = [r for _ref, d in failed for r in (list(d.reasons) or [d.status])]
        if order.state == OrderState.ROUTED.value:
            timeline.move(order, OrderState.ALLOCATED, decision_id=failed[0][1].id)
        timeline.hold(
            order,
            ROUTING_HOLD,
            ", ".join(reasons),
            {"decision_id": failed[0][1].id, "reasons": reasons},
        )
        report.held[order.id] = reasons
    timeline.write()
    return report


def orders_choosing(session: Session, organisation_id: str, refs: Sequence[str]) -> list[str]:
    """The refs among `refs` that name an order of the organisation, or a parcel of one
    (decisions may also name rows of routed files)."""
    found: set[str] = set()
    ids = sorted({order_of(ref) for ref in refs})
    for part in chunks(ids):
        found.update(
            session.scalars(
                select(Order.id).where(Order.organisation_id == organisation_id, Order.id.in_(part))
            )
        )
    return [ref for ref in refs if order_of(ref) in found]
