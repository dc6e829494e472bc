"""Replies: rendered from a template with the thread's buyer, order and shipment (live tracking
status, estimated delivery, public tracking link) or written freely; linted for the channel's
rules before anything is queued (errors block, warnings are shown); stored as an outbound
message `queued` with an outbox job `inbox.send` that hands it to the channel's sender, or,
when the workspace's approval policy (or a rule) says a person must look first, stored
`awaiting_approval` in the approval queue (`inbox/approvals.py`) with no job at all.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from linkstar.db.outbox import OutboxJob, enqueue
from linkstar.inbox import sending, service, settings_store, template_store
from linkstar.inbox.automation import ab_outcomes
from linkstar.inbox.core.automation.approval import (
    Money,
    ReplyContext,
    money_from_entities,
    needs_approval,
)
from linkstar.inbox.core.compliance import Outgoing, lint
from linkstar.inbox.core.entities import Entity
from linkstar.inbox.core.templates import LANGUAGES, Mode, ReplyTemplate, render
from linkstar.inbox.core.threads import ThreadStatus
from linkstar.inbox.models import InboxApproval, InboxMessage, InboxThread
from linkstar.inbox.schemas import ReplyCreate
from linkstar.kit.clock import utcnow
from linkstar.kit.errors import InvalidInput, NotFound
from linkstar.kit.ids import new_id
from linkstar.orders.models import Order
from linkstar.rating.cells import currency_exponent
from linkstar.tracking.shipments import shipment_eta
from linkstar.workspace import audit
from linkstar.workspace.core import Principal

log = logging.getLogger(__name__)
SEND_JOB = "inbox.send"
AWAITING = "awaiting_approval"
APPROVAL_TAG = "needs_approval"
# Compliance rules are written per marketplace; a website contact form is answered by e-mail.
LINT_CHANNEL = {"website": "email"}


def lint_channel(channel: str) -> str:
    """The channel whose compliance rules apply to a reply on `channel`."""
    return LINT_CHANNEL.get(channel, channel)


def variables(
    session: Session, thread: InboxThread, public_base: str = "", seller: str = ""
) -> dict[str, Any]:
    """Template variables of a thread: buyer, its latest linked order and shipment, seller."""
    orders, shipments = service.linked_records(session, thread)
    name = thread.buyer_name or thread.buyer_address.split("@")[0]
    out: dict[str, Any] = {
        "buyer": {
            "name": name,
            "first_name": name.split()[0] if name.split() else name,
            "language": thread.language,
            "email": thread.buyer_address if "@" in thread.buyer_address else "",
        },
        "order": None,
        "shipment": None,
        "seller": {"name": seller},
    }
    if orders:
        o = orders[0].order
        out["order"] = {
            "id": o.external_number or o.external_id,
            "channel": o.channel,
            "placed_at": o.placed_at.date().isoformat(),
            "total": str(o.total),
            "currency": o.currency,
            "lines": [
                {"sku": x.master_sku, "title": x.title or x.master_sku, "quantity": x.quantity,
                 "price": str(x.unit_price)}
                for x in orders[0].lines
            ],
        }  # fmt: skip
    if shipments:
        s = shipments[0].shipment
        eta = shipment_eta(session, s)
        out["shipment"] = {
            "carrier": s.carrier,
            "service": s.carrier_service or "",
            "tracking_number": s.tracking_number,
            "tracking_url": f"{public_base}/t/{s.public_token}",
            "status": s.status,
            "status_text": s.status.replace("_", " "),
            "eta": eta["p50"].date().isoformat() if eta else "",
        }
    return out


def render_for_thread(
    session: Session,
    thread: InboxThread,
    template: ReplyTemplate,
    public_base: str,
    seller: str,
) -> tuple[str, str]:
    """Subject and body of a template for a thread; a template that names an order or
    shipment the thread lacks fails with the reason (TemplateProblem)."""
    rendered = render(template, variables(session, thread, public_base, seller))
    return rendered.subject, rendered.body


def reply(
    session: Session,
    actor: Principal,
    thread_id: str,
    data: ReplyCreate,
    *,
    public_base: str = "",
    seller: str = "",
) -> tuple[InboxMessage, list[dict[str, Any]], str | None]:
    """Lint and queue a reply (or hold it for approval: then no job id); InvalidInput (nothing
    written) when the lint finds errors."""
    actor.require(service.REPLY)
    thread = service.ThreadRepository(session, actor.organisation_id).get(thread_id)
    if (data.template_id is None) == (data.body is None):
        raise InvalidInput("send either template_id or body", {"field": "body"})
    template_id = None
    choice: ab_outcomes.Choice | None = None
    if data.template_id is not None:
        requested = template_store.get_template(session, actor, data.template_id)
        # A template under an A/B test answers with the variant the split gives this thread.
        choice = ab_outcomes.choose(session, thread, requested)
        language = data.language or (thread.language if thread.language in LANGUAGES else "en")
        template = template_store.as_template(choice.template, language)
        subject, body = render_for_thread(session, thread, template, public_base, seller)
        html = template.mode is Mode.html
        template_id = choice.template.id
    else:
        subject, body, html = "", data.body or "", False
    if data.subject is not None:
        subject = data.subject
    if not subject:
        subject = (
            thread.subject
            if thread.subject.lower().startswith("re:")
            else (f"Re: {thread.subject}" if thread.subject else "")
        )
    result = lint(
        Outgoing(
            channel=lint_channel(thread.channel),
            body=body,
            subject=subject,
            message_type=data.message_type,
        )
    )
    findings = [f.as_dict() for f in result.findings]
    if not result.ok:
        raise InvalidInput("the reply breaks the channel's rules", {"findings": findings})
    reasons = hold_reasons(session, thread, body)
    now = utcnow()
    message = InboxMessage(
        organisation_id=actor.organisation_id,
        thread_id=thread.id,
        direction="out",
        channel=thread.channel,
        external_id=f"linkstar-out-{new_id()}",
        received_at=now,
        sender_address="",
        sender_name=actor.label[:200],
        subject=subject[:500],
        text=body,
        display_body=body,
        html=html,
        raw=body.encode("utf-8"),
        raw_content_type="text/html; charset=utf-8" if html else "text/plain; charset=utf-8",
        understanding=None,
        attachments=[],
        warnings=[],
        outbound_status=AWAITING if reasons else "queued",
        template_id=template_id,
        ab_test_id=choice.test.id if choice and choice.test else None,
        ab_variant=choice.variant if choice else None,
        lint_findings=findings,
        author_user_id=actor.actor_id if actor.actor_type.value == "user" else None,
    )
    session.add(message)
    thread.message_count += 1
    thread.last_activity_at = max(thread.last_activity_at, now)
    session.flush()
    if choice is not None:
        ab_outcomes.assigned(session, actor, choice, thread.id)
    job_id = None
    if reasons:
        hold(session, thread, message, reasons, actor.label)
    else:
        job_id = queue_send(session, thread, message).id
    audit.record(
        session,
        actor,
        "inbox.reply.hold" if reasons else "inbox.reply.queue",
        message,
        after={
            "thread_id": thread.id,
            "template_id": template_id,
            "ab_variant": message.ab_variant,
            "findings": len(findings),
            "approval_reasons": reasons,
        },
    )
    return message, findings, job_id


def queue_send(
    session: Session, thread: InboxThread, message: InboxMessage, key_suffix: str = ""
) -> OutboxJob:
    """Mark the reply `queued`, the thread answered, and enqueue the `inbox.send` job."""
    now = utcnow()
    message.outbound_status = "queued"
    thread.last_outbound_at = now
    thread.last_activity_at = max(thread.last_activity_at, now)
    thread.first_response_at = thread.first_response_at or now
    # Answered: nothing owed until the buyer writes again.
    thread.sla_due_at = thread.sla_due_soon_at = None
    if thread.status == ThreadStatus.open.value:
        thread.status = ThreadStatus.pending.value  # waiting for the buyer
    session.flush()
    return enqueue(
        session,
        SEND_JOB,
        {"message_id": message.id},
        organisation_id=message.organisation_id,
        idempotency_key=f"{SEND_JOB}:{message.id}{key_suffix}",
    )


def hold(
    session: Session,
    thread: InboxThread,
    message: InboxMessage,
    reasons: list[dict[str, str]],
    requested_by: str,
) -> InboxApproval:
    """Put a reply in the approval queue: `awaiting_approval`, the thread tagged."""
    message.outbound_status = AWAITING
    thread.tags = sorted({*thread.tags, APPROVAL_TAG})
    row = InboxApproval(
        organisation_id=message.organisation_id,
        message_id=message.id,
        thread_id=thread.id,
        state="pending",
        reasons=reasons,
        requested_at=utcnow(),
        requested_by=requested_by[:200],
        original_subject=message.subject,
        original_text=message.text,
    )
    session.add(row)
    session.flush()
    return row


def hold_reasons(session: Session, thread: InboxThread, body: str) -> list[dict[str, str]]:
    """Why a reply must wait for approval: the workspace's approval policy on the buyer's
    latest message and the draft, plus a rule's `request_approval` (the thread's tag)."""
    policy = settings_store.load(session, thread.organisation_id).approval
    latest = session.scalars(
        select(InboxMessage)
        .where(
            InboxMessage.organisation_id == thread.organisation_id,
            InboxMessage.thread_id == thread.id,
            InboxMessage.direction == "in",
        )
        .order_by(InboxMessage.received_at.desc(), InboxMessage.id.desc())
    ).first()
    understood = (latest.understanding if latest is not None else None) or {}
    entities = [
        Entity(str(e.get("type", "")), str(e.get("value", "")), 0, 0, dict(e))
        for e in understood.get("entities", [])
        if isinstance(e, dict)
    ]
    orders, _shipments = service.linked_records(session, thread)
    order = orders[0].order if orders else None
    decision = needs_approval(
        ReplyContext(
            reply_text=body,
            inbound_text=latest.text if latest is not None else "",
            intent=understood.get("intent") or thread.intent,
            sentiment=understood.get("sentiment") or thread.sentiment,
            urgency=understood.get("urgency") or thread.urgency,
            prices=money_from_entities(entities),
            order_total=None if order is None else _money(order.total, order.currency),
            buyer_lifetime_value=_lifetime_value(session, thread, policy.high_value_buyer),
            first_reply=thread.first_response_at is None,
        ),
        policy,
    )
    reasons = [{"code": r.code, "detail": r.detail} for r in decision.reasons]
    if APPROVAL_TAG in thread.tags:
        reasons.append({"code": "rule_request", "detail": "an inbox rule asked for approval"})
    return reasons


def _money(amount: Decimal, currency: str) -> Money:
    return Money(int(amount.scaleb(currency_exponent(currency))), currency)


def _lifetime_value(
    session: Session, thread: InboxThread, thresholds: dict[str, int]
) -> Money | None:
    """What the buyer (by e-mail) has ordered, in the currency that comes closest to the
    high-value threshold."""
    if "@" not in thread.buyer_address:
        return None
    sums = session.execute(
        select(Order.currency, func.sum(Order.total))
        .where(
            Order.organisation_id == thread.organisation_id,
            func.lower(Order.buyer_email) == thread.buyer_address,
        )
        .group_by(Order.currency)
    ).all()
    values = [_money(Decimal(total), currency) for currency, total in sums if total is not None]
    if not values:
        return None
    return max(values, key=lambda m: m.amount / max(thresholds.get(m.currency, 0), 1))


@dataclass(frozen=True)
class SendOutcome:
    status: str
    reason: str = ""


def send(session: Session, organisation_id: str, message_id: str) -> SendOutcome:
    """Hand a queued reply to its channel's sender; idempotent (only `queued` moves)."""
    message = session.scalars(
        select(InboxMessage).where(
            InboxMessage.organisation_id == organisation_id, InboxMessage.id == message_id
        )
    ).first()
    if message is None:
        raise NotFound(f"message {message_id} not found")
    if message.outbound_status != "queued":
        return SendOutcome(message.outbound_status or "")
    thread = session.get(InboxThread, message.thread_id)
    assert thread is not None  # the foreign key guarantees it
    sender = sending.sender_for(message.channel)
    if sender is None:
        message.outbound_status = "failed"
        message.failure_reason = f"no sender configured for channel {message.channel}"
        session.flush()
        return SendOutcome("failed", message.failure_reason)
    answered = session.scalars(
        select(InboxMessage.external_id)
        .where(InboxMessage.thread_id == thread.id, InboxMessage.direction == "in")
        .order_by(InboxMessage.received_at.desc())
    ).first()
    try:
        external_id = sender.send(
            session,
            sending.OutboundMessage(
                message_id=message.id,
                organisation_id=organisation_id,
                channel=message.channel,
                store_ref=thread.store_ref,
                to_address=thread.buyer_address,
                to_name=thread.buyer_name,
                subject=message.subject,
                body=message.text,
                html=message.html,
                in_reply_to=answered or "",
                external_thread_id=thread.external_thread_id,
            ),
        )
    except sending.SendRefused as exc:
        message.outbound_status = "failed"
        message.failure_reason = exc.message[:500]
        session.flush()
        return SendOutcome("failed", message.failure_reason)
    message.outbound_status = "sent"
    if external_id:
        message.external_id = external_id[:300]
    session.flush()
    return SendOutcome("sent")
