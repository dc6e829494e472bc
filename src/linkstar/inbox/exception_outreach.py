"""Message the buyers of exception shipments from a template, in an inbox thread.

For each selected tracking exception (open or acknowledged): the shipment's order (its
`order_ref` is the order's id, external id or number) gives the buyer's address; the thread
already linked to that shipment with that buyer is reused, else a new e-mail thread is opened
and linked to the order and the shipment, so the buyer's answer lands beside it. The reply is
the inbox's own (`replies.reply`): rendered with the thread's buyer, order and shipment (live
status, estimate, public tracking link), linted for the channel, held for approval when the
workspace's policy says so, else queued for sending. A marketplace order's buyer address is the
marketplace's relay, so the message must also pass that marketplace's rules (Amazon, for one,
allows no links but its own). Each exception is worked in a savepoint: one that cannot be
messaged is skipped with the reason and leaves nothing behind. The exception's `detail` records
the thread and message. Never commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from linkstar.inbox import replies, service, template_store
from linkstar.inbox.core.compliance import Outgoing, default_rules, lint
from linkstar.inbox.core.threads import ThreadStatus
from linkstar.inbox.models import InboxLink, InboxThread
from linkstar.inbox.schemas import ReplyCreate
from linkstar.kit.clock import utcnow
from linkstar.kit.errors import InvalidInput
from linkstar.orders.models import Order
from linkstar.tracking.core.exceptions import ExceptionState
from linkstar.tracking.models import Shipment, TrackingException
from linkstar.workspace import audit
from linkstar.workspace.core import Permission, Principal

MESSAGE_TYPE = "order_fulfillment_issue"  # what every channel's rules allow for a delivery problem
EVIDENCE = "tracking_exception"
ACTIVE = (ExceptionState.OPEN.value, ExceptionState.ACKNOWLEDGED.value)
MAX_IDS = 500


@dataclass
class Outreach:
    """What happened to each selected exception."""

    messaged: list[dict[str, Any]] = field(default_factory=list)  # exception, thread, message
    skipped: list[dict[str, str]] = field(default_factory=list)  # exception, reason

    def as_dict(self) -> dict[str, Any]:
        return {"messaged": self.messaged, "skipped": self.skipped}


def message_buyers(
    session: Session,
    actor: Principal,
    exception_ids: list[str],
    template_id: str,
    *,
    public_base: str = "",
) -> Outreach:
    """Message the buyer of each exception's shipment from the template (see the module)."""
    actor.require(service.REPLY)
    actor.require(Permission.tracking_read)
    if not exception_ids or len(exception_ids) > MAX_IDS:
        raise InvalidInput(f"select 1 to {MAX_IDS} exceptions", {"field": "ids"})
    template_store.get_template(session, actor, template_id)  # NotFound before anything else
    org = actor.organisation_id
    rows = session.execute(
        select(TrackingException, Shipment)
        .join(Shipment, Shipment.id == TrackingException.shipment_id)
        .where(
            TrackingException.organisation_id == org,
            Shipment.organisation_id == org,
            TrackingException.id.in_(sorted(set(exception_ids))),
        )
    ).all()
    found = {exc.id: (exc, shipment) for exc, shipment in rows}
    shipments = [shipment for _exc, shipment in rows]
    orders = _orders_by_ref(session, org, {s.order_ref for s in shipments if s.order_ref})
    threads = _threads_by_shipment(session, org, {s.id for s in shipments})
    out = Outreach()
    sent: dict[str, dict[str, Any]] = {}  # shipment id -> the message this call sent its buyer
    for exception_id in dict.fromkeys(exception_ids):
        if exception_id not in found:
            out.skipped.append({"exception_id": exception_id, "reason": "no such exception"})
            continue
        exc, shipment = found[exception_id]
        if exc.state not in ACTIVE:
            out.skipped.append({"exception_id": exc.id, "reason": f"the exception is {exc.state}"})
            continue
        if shipment.id in sent:  # another exception of the same parcel: one message is enough
            _record(session, actor, exc, sent[shipment.id], out)
            continue
        reason = _why_not(shipment, orders)
        if isinstance(reason, str):
            out.skipped.append({"exception_id": exc.id, "reason": reason})
            continue
        savepoint = session.begin_nested()
        try:
            address = (reason.buyer_email or "").strip()
            thread = threads.get((shipment.id, address)) or _new_thread(
                session, org, reason, shipment
            )
            message, _findings, job_id = replies.reply(
                session, actor, thread.id,
                ReplyCreate(template_id=template_id, message_type=MESSAGE_TYPE),
                public_base=public_base,
            )  # fmt: skip
            _marketplace_lint(reason.channel, message.subject, message.text)
        except InvalidInput as problem:
            savepoint.rollback()
            out.skipped.append({"exception_id": exc.id, "reason": _reason(problem)})
            continue
        savepoint.commit()
        sent[shipment.id] = {"thread_id": thread.id, "message_id": message.id,
                             "status": message.outbound_status, "job_id": job_id}  # fmt: skip
        _record(session, actor, exc, sent[shipment.id], out)
    session.flush()
    return out


def _record(
    session: Session, actor: Principal, exc: TrackingException, sent: dict[str, Any], out: Outreach
) -> None:
    """Note on the exception (its detail, the audit log) which message reached the buyer."""
    at = utcnow().isoformat()
    exc.detail = {**(exc.detail or {}), "buyer_thread_id": sent["thread_id"],
                  "buyer_message_id": sent["message_id"], "buyer_messaged_at": at}  # fmt: skip
    audit.record(session, actor, "tracking.exception.message_buyer", exc, after=dict(sent))
    out.messaged.append({"exception_id": exc.id, **sent})


def _orders_by_ref(session: Session, org: str, refs: set[str]) -> dict[str, Order]:
    """Each reference's order, found by our id, the channel's id or its number (the latest
    placed when several match), in one read."""
    if not refs:
        return {}
    found: dict[str, Order] = {}
    rows = session.scalars(
        select(Order)
        .where(
            Order.organisation_id == org,
            or_(Order.id.in_(refs), Order.external_id.in_(refs), Order.external_number.in_(refs)),
        )
        .order_by(Order.placed_at)
    )
    for order in rows:  # placed order: a later match replaces an earlier one
        for key in (order.id, order.external_id, order.external_number):
            if key in refs:
                found[key] = order
    return found


def _why_not(shipment: Shipment, orders: dict[str, Order]) -> str | Order:
    """The shipment's order when its buyer can be messaged, else the reason why not."""
    if not shipment.order_ref:
        return "the shipment has no order reference"
    order = orders.get(shipment.order_ref)
    if order is None:
        return f"no order {shipment.order_ref} in the workspace"
    if not (order.buyer_email or "").strip():
        return f"order {order.external_number or order.external_id} has no buyer e-mail"
    return order


def _threads_by_shipment(
    session: Session, org: str, shipment_ids: set[str]
) -> dict[tuple[str, str], InboxThread]:
    """(shipment id, buyer address) -> the most recently active thread linked to the shipment
    with that buyer, in one read."""
    if not shipment_ids:
        return {}
    rows = session.execute(
        select(InboxLink.target_id, InboxThread)
        .join(InboxThread, InboxLink.thread_id == InboxThread.id)
        .where(
            InboxLink.organisation_id == org,
            InboxLink.kind == "shipment",
            InboxLink.target_id.in_(shipment_ids),
            InboxThread.organisation_id == org,
        )
        .order_by(InboxThread.last_activity_at)
    )
    return {(shipment_id, thread.buyer_address): thread for shipment_id, thread in rows}


def _new_thread(session: Session, org: str, order: Order, shipment: Shipment) -> InboxThread:
    """A new e-mail thread with the order's buyer, linked to the order and the shipment."""
    address = (order.buyer_email or "").strip()
    now = utcnow()
    number = order.external_number or order.external_id
    thread = InboxThread(
        organisation_id=org,
        channel="email",
        buyer_address=address,
        buyer_name=(order.buyer_name or "")[:200],
        subject=f"Your order {number}: delivery update"[:500],
        intent="where_is_my_order",
        status=ThreadStatus.open.value,
        order_refs=[order.id],
        last_activity_at=now,
        tags=[EVIDENCE],
    )
    session.add(thread)
    session.flush()
    links = (("order", order.id, number), ("shipment", shipment.id, shipment.tracking_number))
    for kind, target, value in links:
        session.add(
            InboxLink(organisation_id=org, thread_id=thread.id, kind=kind, target_id=target,
                      evidence=EVIDENCE, matched_value=value[:200])
        )  # fmt: skip
    session.flush()
    return thread


def _marketplace_lint(channel: str, subject: str, body: str) -> None:
    """A marketplace order's buyer is reached through its relay: its rules apply too."""
    rules = default_rules()
    name = channel.strip().lower()
    if name not in rules.channels or name == "email":
        return
    result = lint(Outgoing(channel=name, body=body, subject=subject, message_type=MESSAGE_TYPE))
    if not result.ok:
        findings = [f.as_dict() for f in result.findings]
        raise InvalidInput(f"the message breaks {name}'s rules", {"findings": findings})


def _reason(problem: InvalidInput) -> str:
    details = problem.details if isinstance(problem.details, dict) else {}
    findings = [f for f in details.get("findings", []) if f.get("severity") == "error"]
    if findings:
        return f"{problem}: " + "; ".join(str(f.get("message", "")) for f in findings)
    return str(problem)
