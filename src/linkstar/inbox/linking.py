"""Tying threads to orders and shipments, with the evidence that tied them.

Evidence, strongest first: "channel order ref" (the channel attached the order to the message),
"order_id in text" (an order id or number among the entities), "tracking number" (a tracking
number among the entities, or any token of the subject or text that is the tracking number of
one of the organisation's shipments, whatever its format), "buyer e-mail" (the sender's address
is an order's buyer e-mail), "shipment of order" (a shipment whose order reference is a linked
order). One query per kind for the whole batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from linkstar.db.repository import chunks
from linkstar.inbox.core.classify import Understanding
from linkstar.inbox.core.entities import reference_candidates
from linkstar.inbox.core.inbound import InboundMessage
from linkstar.inbox.models import InboxLink, InboxThread
from linkstar.orders.models import Order
from linkstar.tracking.core.numbers import normalise_tracking_number
from linkstar.tracking.models import Shipment

IN_CHUNK = 400
MAX_EMAIL_ORDERS = 5  # a repeat buyer links to their latest orders, not to their whole history

Batch = Sequence[tuple[InboxThread, Sequence[tuple[InboundMessage, Understanding | None]]]]


def _key(value: str) -> str:
    return value.strip().lstrip("#").upper()


def link_threads(session: Session, organisation_id: str, batch: Batch) -> int:
    """Create the missing links of each thread from its new messages; returns how many."""
    wanted: dict[str, dict[tuple[str, str], tuple[str, str]]] = {}
    channel_refs: dict[str, set[str]] = {}
    text_refs: dict[str, set[str]] = {}
    numbers: dict[str, set[str]] = {}
    emails: dict[str, str] = {}
    for thread, items in batch:
        wanted[thread.id] = {}
        for message, understanding in items:
            channel_refs.setdefault(thread.id, set()).update(
                _key(r) for r in message.order_refs if r.strip()
            )
            if "@" in message.sender_address:
                emails[thread.id] = message.sender_address.strip().lower()
            numbers.setdefault(thread.id, set()).update(
                reference_candidates(f"{message.subject}\n{message.text}")
            )
            if understanding is None:
                continue
            for entity in understanding.entities:
                if entity.type == "order_id":
                    text_refs.setdefault(thread.id, set()).add(_key(str(entity.value)))
                elif entity.type == "tracking_number":
                    number = normalise_tracking_number(str(entity.value)) or str(entity.value)
                    numbers.setdefault(thread.id, set()).add(number)
    orders = _orders_by_ref(
        session,
        organisation_id,
        {r for s in (*channel_refs.values(), *text_refs.values()) for r in s},
    )
    by_email = _orders_by_email(session, organisation_id, set(emails.values()))
    shipments = _shipments_by_number(
        session, organisation_id, {n for s in numbers.values() for n in s}
    )
    linked_orders: dict[str, list[Order]] = {}
    for thread, _items in batch:
        links = wanted[thread.id]
        for evidence, refs in (
            ("channel order ref", channel_refs.get(thread.id, set())),
            ("order_id in text", text_refs.get(thread.id, set())),
        ):
            for ref in sorted(refs):
                for order in orders.get(ref, []):
                    links.setdefault(("order", order.id), (evidence, ref))
                    linked_orders.setdefault(thread.id, []).append(order)
        email = emails.get(thread.id)
        for order in by_email.get(email or "", [])[:MAX_EMAIL_ORDERS]:
            links.setdefault(("order", order.id), ("buyer e-mail", email or ""))
            linked_orders.setdefault(thread.id, []).append(order)
        for number in sorted(numbers.get(thread.id, set())):
            for shipment in shipments.get(number, []):
                links.setdefault(("shipment", shipment.id), ("tracking number", number))
    order_shipments = _shipments_of_orders(
        session, organisation_id, [o for os in linked_orders.values() for o in os]
    )
    for thread_id, linked in linked_orders.items():
        for order in linked:
            for shipment in order_shipments.get(order.id, []):
                wanted[thread_id].setdefault(
                    ("shipment", shipment.id), ("shipment of order", shipment.order_ref or "")
                )
    return _store(session, organisation_id, wanted)


def _orders_by_ref(
    session: Session, organisation_id: str, refs: set[str]
) -> dict[str, list[Order]]:
    out: dict[str, list[Order]] = {}
    values = sorted(refs | {f"#{r}" for r in refs})
    for part in chunks(values, IN_CHUNK):
        stmt = select(Order).where(
            Order.organisation_id == organisation_id,
            or_(Order.external_id.in_(part), Order.external_number.in_(part)),
        )
        for order in session.scalars(stmt):
            keys = {_key(order.external_id), _key(order.external_number or "")} & refs
            for key in keys:
                out.setdefault(key, []).append(order)
    return out


def _orders_by_email(
    session: Session, organisation_id: str, emails: set[str]
) -> dict[str, list[Order]]:
    out: dict[str, list[Order]] = {}
    for part in chunks(sorted(emails), IN_CHUNK):
        stmt = (
            select(Order)
            .where(Order.organisation_id == organisation_id, Order.buyer_email.in_(part))
            .order_by(Order.placed_at.desc())
        )
        for order in session.scalars(stmt):
            out.setdefault((order.buyer_email or "").lower(), []).append(order)
    return out


def _shipments_by_number(
    session: Session, organisation_id: str, numbers: set[str]
) -> dict[str, list[Shipment]]:
    out: dict[str, list[Shipment]] = {}
    for part in chunks(sorted(numbers), IN_CHUNK):
        stmt = shipments_by_number_query(organisation_id, part)
        for shipment in session.scalars(stmt):
            out.setdefault(shipment.tracking_number, []).append(shipment)
    return out


def shipments_by_number_query(organisation_id: str, numbers: Sequence[str]) -> Select[Any]:
    """The organisation's shipments with these numbers, any carrier (ix_shipments_org_number)."""
    return select(Shipment).where(
        Shipment.organisation_id == organisation_id, Shipment.tracking_number.in_(numbers)
    )


def _shipments_of_orders(
    session: Session, organisation_id: str, orders: Sequence[Order]
) -> dict[str, list[Shipment]]:
    refs: dict[str, str] = {}
    for order in orders:
        refs[order.external_id] = order.id
        if order.external_number:
            refs[order.external_number] = order.id
    out: dict[str, list[Shipment]] = {}
    for part in chunks(sorted(refs), IN_CHUNK):
        stmt = select(Shipment).where(
            Shipment.organisation_id == organisation_id, Shipment.order_ref.in_(part)
        )
        for shipment in session.scalars(stmt):
            out.setdefault(refs[shipment.order_ref or ""], []).append(shipment)
    return out


def _store(
    session: Session,
    organisation_id: str,
    wanted: dict[str, dict[tuple[str, str], tuple[str, str]]],
) -> int:
    existing: set[tuple[str, str, str]] = set()
    for part in chunks(sorted(wanted), IN_CHUNK):
        rows = session.execute(
            select(InboxLink.thread_id, InboxLink.kind, InboxLink.target_id).where(
                InboxLink.organisation_id == organisation_id, InboxLink.thread_id.in_(part)
            )
        )
        existing.update((t, k, x) for t, k, x in rows)
    created = 0
    for thread_id, links in wanted.items():
        for (kind, target), (evidence, value) in links.items():
            if (thread_id, kind, target) in existing:
                continue
            session.add(
                InboxLink(
                    organisation_id=organisation_id,
                    thread_id=thread_id,
                    kind=kind,
                    target_id=target,
                    evidence=evidence,
                    matched_value=value[:200],
                )
            )
            created += 1
    session.flush()
    return created
