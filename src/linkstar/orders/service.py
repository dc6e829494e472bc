"""Use cases of the order hub: read orders, move them through the state machine, hold and
release them, and work the dead-letter queue. Never commits: the entry point does."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from linkstar.kit.clock import utcnow
from linkstar.kit.errors import Conflict, InvalidInput, LinkStarError, NotFound
from linkstar.orders.connectors import webhook_bodies
from linkstar.orders.core.codec import order_from_json
from linkstar.orders.core.states import (
    OrderState,
    add_hold,
    holds_from_json,
    holds_to_json,
    release,
    transition,
)
from linkstar.orders.flow import release_stock
from linkstar.orders.ingest import (
    IngestError,
    IngestReport,
    Item,
    ingest,
    record_dead_letter,
    store_of,
)
from linkstar.orders.models import Order, OrderDeadLetter, OrderEvent, OrderLine, OrderPayload
from linkstar.orders.repository import (
    DeadLetterRepository,
    OrderEventRepository,
    OrderLineRepository,
    OrderPayloadRepository,
    OrderRepository,
)
from linkstar.workspace import audit
from linkstar.workspace.core import Permission, Principal

ParseFn = Callable[[str], Sequence[Item]]
DEAD_LETTER_STATES = ("open", "retried", "discarded")


@dataclass(frozen=True)
class OrderFilters:
    state: str | None = None
    store_id: str | None = None
    channel: str | None = None
    held: bool | None = None
    q: str | None = None

    def __post_init__(self) -> None:
        if self.state is not None and self.state not in {s.value for s in OrderState}:
            raise InvalidInput(
                f"state must be one of {', '.join(s.value for s in OrderState)}",
                {"field": "state"},
            )
        if self.q is not None and len(self.q) > 200:
            raise InvalidInput("search text is at most 200 characters", {"field": "q"})


@dataclass(frozen=True)
class OrderDetail:
    order: Order
    lines: list[OrderLine]
    events: list[OrderEvent]
    payloads: list[OrderPayload]


def list_orders(
    session: Session, actor: Principal, filters: OrderFilters, limit: int, offset: int = 0
) -> tuple[list[Order], int]:
    """A page of orders (newest first) matching the filters, and how many match in all."""
    actor.require(Permission.orders_read)
    orders = OrderRepository(session, actor.organisation_id)
    stmt = orders.filtered(
        state=filters.state,
        store_id=filters.store_id,
        channel=filters.channel,
        held=filters.held,
        q=filters.q,
    )
    return orders.page_filtered(stmt, limit, offset), orders.count_filtered(stmt)


def order_numbers(session: Session, actor: Principal, order_ids: Sequence[str]) -> dict[str, str]:
    """The number a seller knows each order by (channel number, else external id), by order id."""
    actor.require(Permission.orders_read)
    wanted = list(dict.fromkeys(order_ids))
    if not wanted:
        return {}
    orders = OrderRepository(session, actor.organisation_id)
    rows = session.execute(
        orders.select()
        .where(Order.id.in_(wanted))
        .with_only_columns(Order.id, Order.external_number, Order.external_id)
    )
    return {row.id: row.external_number or row.external_id for row in rows}


def get_order(session: Session, actor: Principal, order_id: str) -> OrderDetail:
    """One order with its lines, timeline and raw payloads."""
    actor.require(Permission.orders_read)
    org = actor.organisation_id
    order = OrderRepository(session, org).get(order_id)
    return OrderDetail(
        order,
        OrderLineRepository(session, org).of(order.id),
        OrderEventRepository(session, org).of(order.id),
        OrderPayloadRepository(session, org).of(order.id),
    )


def order_by_ref(session: Session, actor: Principal, ref: str) -> Order:
    """An order by its id, its external id or its external number (NotFound otherwise)."""
    actor.require(Permission.orders_read)
    orders = OrderRepository(session, actor.organisation_id)
    for key in ("id", "external_id", "external_number"):
        found = orders.find(**{key: ref})
        if found is not None:
            return found
    raise NotFound(f"no order {ref!r}")


def _event(
    session: Session, actor: Principal, order: Order, kind: str, detail: dict[str, Any]
) -> None:
    session.add(
        OrderEvent(
            organisation_id=actor.organisation_id,
            order_id=order.id,
            at=utcnow(),
            kind=kind,
            actor=actor.label[:254],
            detail=detail,
        )
    )


def change_state(
    session: Session, actor: Principal, order_id: str, target: str, note: str = ""
) -> Order:
    """Move an order along the state machine (refused when not allowed or while held)."""
    actor.require(Permission.orders_write)
    order = OrderRepository(session, actor.organisation_id).get(order_id)
    try:
        wanted = OrderState(target)
    except ValueError:
        raise InvalidInput(f"unknown state {target!r}", {"field": "state"}) from None
    before = order.state
    order.state = transition(OrderState(order.state), wanted, holds_from_json(order.holds)).value
    _event(
        session, actor, order, "state_changed", {"from": before, "to": order.state, "note": note}
    )
    audit.record(
        session, actor, "order.state", order, before={"state": before}, after={"state": order.state}
    )
    session.flush()
    if wanted is OrderState.CANCELLED:
        release_stock(session, actor, order)  # a cancelled order gives its reserved units back
    return order


def cancel(session: Session, actor: Principal, order_id: str, note: str = "") -> Order:
    """Cancel an order that has not shipped."""
    return change_state(session, actor, order_id, OrderState.CANCELLED.value, note)


def hold(session: Session, actor: Principal, order_id: str, reason: str, detail: str = "") -> Order:
    """Put an order on hold for a reason (one hold per reason; holding twice is a no-op)."""
    actor.require(Permission.orders_write)
    order = OrderRepository(session, actor.organisation_id).get(order_id)
    if OrderState(order.state) in {OrderState.CANCELLED, OrderState.RETURNED}:
        raise Conflict(f"order is {order.state}: nothing to hold", {"state": order.state})
    holds, added = add_hold(holds_from_json(order.holds), reason, detail, utcnow())
    if added:
        before = list(order.holds)
        order.holds = holds_to_json(holds)
        order.is_held = True
        _event(
            session, actor, order, "held", {"reason": holds[-1].reason, "detail": holds[-1].detail}
        )
        audit.record(
            session,
            actor,
            "order.hold",
            order,
            before={"holds": before},
            after={"holds": order.holds},
        )
        session.flush()
    return order


def release_hold(
    session: Session, actor: Principal, order_id: str, reason: str | None = None, note: str = ""
) -> Order:
    """Release one hold (by reason) or all of them; NotFound-like Conflict when none matches."""
    actor.require(Permission.orders_write)
    order = OrderRepository(session, actor.organisation_id).get(order_id)
    kept, gone = release(holds_from_json(order.holds), reason)
    if not gone:
        raise Conflict(
            "order has no such hold" if reason else "order is not on hold",
            {"reason": reason, "holds": [h["reason"] for h in order.holds]},
        )
    before = list(order.holds)
    order.holds = holds_to_json(kept)
    order.is_held = bool(kept)
    for h in gone:
        _event(session, actor, order, "released", {"reason": h.reason, "note": note})
    audit.record(
        session,
        actor,
        "order.release",
        order,
        before={"holds": before},
        after={"holds": order.holds},
    )
    session.flush()
    return order


# --- dead letters ----------------------------------------------------------------------------


def list_dead_letters(
    session: Session, actor: Principal, state: str | None, limit: int, cursor: str | None
) -> Any:
    """A page of dead letters, newest first (optionally only one state)."""
    actor.require(Permission.orders_read)
    if state is not None and state not in DEAD_LETTER_STATES:
        raise InvalidInput(
            f"state must be one of {', '.join(DEAD_LETTER_STATES)}", {"field": "state"}
        )
    filters = {"state": state} if state else {}
    return DeadLetterRepository(session, actor.organisation_id).page_newest_first(
        limit, cursor, **filters
    )


def get_dead_letter(session: Session, actor: Principal, dead_id: str) -> OrderDeadLetter:
    actor.require(Permission.orders_read)
    return DeadLetterRepository(session, actor.organisation_id).get(dead_id)


def canonical_parser(text: str) -> Sequence[Item]:
    """Parse the canonical JSON format (one order or a list), as sent to POST /orders/import."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise InvalidInput(f"not JSON: {exc}") from None
    items = data if isinstance(data, list) else [data]
    return [(order_from_json(item), item) for item in items]


@dataclass(frozen=True)
class RetryResult:
    dead_letter: OrderDeadLetter
    report: IngestReport | None
    error: str | None


def retry_dead_letter(
    session: Session,
    actor: Principal,
    dead_id: str,
    parse: ParseFn | None = None,
    store_id: str | None = None,
) -> RetryResult:
    """Parse a dead letter again (after a parser fix) and ingest it; a failure stays open.

    `parse` is the channel's parser (the canonical JSON parser by default). Parsing and
    ingesting run in a savepoint, so a retry that fails leaves no partial order behind.
    """
    actor.require(Permission.orders_write)
    dead = DeadLetterRepository(session, actor.organisation_id).get(dead_id)
    if dead.state != "open":
        raise Conflict(f"dead letter is {dead.state}, not open", {"state": dead.state})
    target_store = dead.store_id or store_id
    if target_store is None:
        raise InvalidInput("this dead letter has no store: say which store to import it into")
    if parse is None and dead.source == "webhook":
        # A Shopify or TikTok Shop webhook body is read by its channel's parser, not as JSON.
        channel = store_of(session, actor.organisation_id, target_store).channel
        parse = webhook_bodies.parser_for(channel, dead.raw)
    dead.attempts += 1
    try:
        with session.begin_nested():
            items = (parse or canonical_parser)(dead.raw)
            report = ingest(
                session, actor.organisation_id, target_store, items, dead.source, actor=actor.label
            )
            if report.errors:
                raise InvalidInput(report.errors[0].message)
    except (LinkStarError, ValueError) as exc:
        message = exc.message if isinstance(exc, LinkStarError) else str(exc)
        dead.error = message[:4000]
        session.flush()
        return RetryResult(dead, None, message)
    dead.state = "retried"
    dead.order_id = report.order_ids[0] if report.order_ids else None
    audit.record(session, actor, "order_dead_letter.retry", dead, after={"state": "retried"})
    session.flush()
    return RetryResult(dead, report, None)


def discard_dead_letter(session: Session, actor: Principal, dead_id: str) -> OrderDeadLetter:
    """Give up on a dead letter (kept, marked discarded)."""
    actor.require(Permission.orders_write)
    dead = DeadLetterRepository(session, actor.organisation_id).get(dead_id)
    if dead.state != "open":
        raise Conflict(f"dead letter is {dead.state}, not open", {"state": dead.state})
    dead.state = "discarded"
    audit.record(session, actor, "order_dead_letter.discard", dead, after={"state": "discarded"})
    session.flush()
    return dead


def import_items(
    session: Session, actor: Principal, store_id: str, items: Sequence[Any], source: str = "api"
) -> IngestReport:
    """Import canonical JSON orders; an item that does not parse becomes a dead letter (with its
    index in the report) and the others are imported."""
    actor.require(Permission.orders_write)
    store_of(session, actor.organisation_id, store_id)
    parsed: list[Item] = []
    positions: list[int] = []
    refused: list[IngestError] = []
    for index, item in enumerate(items):
        try:
            parsed.append((order_from_json(item), item if isinstance(item, dict) else None))
            positions.append(index)
        except InvalidInput as exc:
            text = json.dumps(item, default=str)
            dead = record_dead_letter(
                session, actor.organisation_id, store_id, source, text, exc.message
            )
            external = item.get("external_id") if isinstance(item, dict) else None
            refused.append(IngestError(index, str(external or ""), exc.message, dead))
    report = ingest(session, actor.organisation_id, store_id, parsed, source, actor=actor.label)
    report.errors = refused + [
        IngestError(positions[e.index], e.external_id, e.message, e.dead_letter_id)
        for e in report.errors
    ]
    report.errors.sort(key=lambda e: e.index)
    return report
