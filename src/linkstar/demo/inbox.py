"""Demo inbox: about 150 buyer threads over the last 30 days on the demo's own buyers, orders
and shipments, in six languages, with B2B leads, answered and unanswered threads (some
overdue), and reply templates.

Message texts are the hand-written seed messages (src/linkstar/inbox/data/seed_messages.jsonl)
and, when the reference data directory holds it, real Bitext customer-support utterances
for English. Messages go through the real store (threading, classification, linking, SLA);
the replies of older threads are written as history (already `sent`), so the demo's job queue
does not try to send them through a channel that has no sender.
"""

from __future__ import annotations

import logging
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from linkstar.config import get_settings
from linkstar.demo import inbox_outcomes
from linkstar.inbox import replies as reply_flow
from linkstar.inbox import template_store
from linkstar.inbox.core.inbound import Channel, InboundMessage
from linkstar.inbox.core.model import Example
from linkstar.inbox.core.training import BITEXT_FILE, bitext_examples, seed_examples
from linkstar.inbox.models import InboxMessage, InboxThread
from linkstar.inbox.schemas import TemplateCreate
from linkstar.inbox.store import ingest_messages
from linkstar.inbox.understanding import classifier
from linkstar.kit.clock import utcnow
from linkstar.kit.ids import new_id
from linkstar.orders.models import Order
from linkstar.tracking.models import Shipment
from linkstar.workspace.core import Principal

log = logging.getLogger(__name__)
SEED = 20261207
THREADS = 150
DAYS = 30
LANGUAGE_WEIGHTS = {"en": 50, "es": 12, "de": 11, "fr": 10, "pt": 9, "zh": 8}
INTENT_WEIGHTS = {
    "where_is_my_order": 24, "delivery_problem": 10, "return_request": 8, "refund_request": 7,
    "cancel_order": 5, "change_order": 5, "shipping_question": 5, "invoice_request": 3,
    "payment_question": 3, "bulk_or_oem_inquiry": 9, "price_negotiation": 4,
    "product_question": 6, "complaint": 4, "feedback": 3, "account_help": 2, "subscription": 1,
    "human_agent": 2, "other": 2,
}  # fmt: skip
ORDER_INTENTS = frozenset(
    {"where_is_my_order", "delivery_problem", "return_request", "refund_request",
     "cancel_order", "change_order", "invoice_request", "complaint"}
)  # fmt: skip
ORDER_WORD = {"en": "Order", "es": "Pedido", "de": "Bestellung", "fr": "Commande",
              "pt": "Pedido", "zh": "订单号"}  # fmt: skip
TRACKING_WORD = {"en": "Tracking", "es": "Seguimiento", "de": "Sendungsnummer", "fr": "Suivi",
                 "pt": "Rastreio", "zh": "运单号"}  # fmt: skip
CHANNELS = {c.value: c for c in Channel}
CHANNELS = {c.value: c for c in Channel}
LEADS = (
    ("Hannah Weber", "h.weber@weber-handel.de", "de"),
    ("Carlos Mendes", "compras@mendes-distribuidora.com.br", "pt"),
    ("Zhang Wei", "zhangwei@hz-gifts.cn", "zh"),
    ("Priya Nair", "priya@nair-interiors.co.uk", "en"),
    ("Lucas Moreau", "achats@moreau-deco.fr", "fr"),
    ("Sofía Ruiz", "sofia@tiendaruiz.es", "es"),
    ("Mark Ellison", "purchasing@ellison-corporate-gifts.com", "en"),
)


def _v(subject: str, *lines: str) -> dict[str, str]:
    return {"subject": subject, "body": "\n".join(lines)}


SIGN = "{{ seller.name }}"
TRACK = "{{ shipment.tracking_url }}"
STATUS = "{{ shipment.carrier }} ({{ shipment.status_text }})"
TEMPLATES = (
    {
        "name": "Where is my order",
        "intent": "where_is_my_order",
        "variants": {
            "en": _v("Your order {{ order.id }}", "Hello {{ buyer.first_name }},", "",
                     f"your parcel is with {STATUS}.",
                     "Expected delivery: {{ shipment.eta or 'in a few days' }}.",
                     f"Follow it here: {TRACK}", "", "Best regards,", SIGN),
            "es": _v("Su pedido {{ order.id }}", "Hola {{ buyer.first_name }},", "",
                     f"su paquete está con {STATUS}.", f"Puede seguirlo aquí: {TRACK}", "",
                     "Saludos,", SIGN),
            "de": _v("Ihre Bestellung {{ order.id }}", "Hallo {{ buyer.first_name }},", "",
                     f"Ihr Paket ist bei {STATUS}.", f"Sendungsverfolgung: {TRACK}", "",
                     "Viele Grüße", SIGN),
        },
    },
    {
        "name": "Return instructions",
        "intent": "return_request",
        "variants": {
            "en": _v("Returning your order {{ order.id }}", "Hello {{ buyer.first_name }},", "",
                     "sorry the item did not work out. Please reply with a photo and we will",
                     "send you a prepaid return label for order {{ order.id }}.", "", SIGN),
        },
    },
    {
        "name": "Wholesale enquiry",
        "intent": "bulk_or_oem_inquiry",
        "variants": {
            "en": _v("Your wholesale enquiry", "Dear {{ buyer.name }},", "",
                     "thank you for your interest. Our wholesale price list starts at 200 units;",
                     "custom logo printing is available from 500 units. Could you tell us the",
                     "quantities and the delivery country?", "", SIGN),
        },
    },
    {
        "name": "Delay apology",
        "intent": "delivery_problem",
        "variants": {
            "en": _v("About your delivery", "Hello {{ buyer.first_name }},", "",
                     "we are sorry for the delay. We have opened an investigation with the",
                     "carrier and will update you within 24 hours.", "", SIGN),
        },
    },
)  # fmt: skip
REPLY_TEXT = "Hello {name},\n\nthank you for your message, we have looked into it and {what}.\n\nBest regards,\nLinkStar Demo Store"  # noqa: E501


@dataclass(frozen=True)
class InboxDemo:
    threads: int
    messages: int
    replies: int


def _texts(data_dir: Path) -> dict[tuple[str, str], list[str]]:
    pool: dict[tuple[str, str], list[str]] = defaultdict(list)
    examples: list[Example] = list(seed_examples())
    bitext = data_dir / BITEXT_FILE
    if bitext.is_file():
        examples += [e for e in bitext_examples(bitext) if "{{" not in e.text]
    for e in examples:
        pool[(e.intent, e.lang or "en")].append(e.text)
    return pool


def load_inbox(
    session: Session, actor: Principal, data_dir: Path, *, now: datetime | None = None
) -> InboxDemo:
    """Create the demo threads, their replies and the reply templates."""
    rng = random.Random(SEED)
    now = now or utcnow()
    org = actor.organisation_id
    pool = _texts(data_dir)
    orders = list(
        session.scalars(
            select(Order).where(Order.organisation_id == org).order_by(Order.placed_at.desc())
        )
    )[:300]
    shipments = list(
        session.scalars(
            select(Shipment)
            .where(Shipment.organisation_id == org, Shipment.status != "delivered")
            .order_by(Shipment.tracking_number)
        )
    )
    intents, weights = list(INTENT_WEIGHTS), list(INTENT_WEIGHTS.values())
    langs, lang_weights = list(LANGUAGE_WEIGHTS), list(LANGUAGE_WEIGHTS.values())
    messages: list[InboundMessage] = []
    for n in range(THREADS):
        intent = rng.choices(intents, weights)[0]
        lang = rng.choices(langs, lang_weights)[0]
        texts = pool.get((intent, lang)) or pool.get((intent, "en")) or ["Hello?"]
        text = rng.choice(texts)
        at = now - timedelta(hours=rng.uniform(0.5, DAYS * 24))
        refs: tuple[str, ...] = ()
        if intent in ("bulk_or_oem_inquiry", "price_negotiation"):
            name, address, lang_lead = LEADS[n % len(LEADS)]
            texts = pool.get((intent, lang_lead)) or texts
            text = rng.choice(texts)
            channel = Channel.EMAIL if n % 3 else Channel.WEBSITE
        else:
            order = orders[n % len(orders)] if orders else None
            name = (order.buyer_name if order else None) or "Demo Buyer"
            address = (order.buyer_email if order else None) or f"buyer{n}@example.com"
            channel = CHANNELS.get(order.channel if order else "", Channel.EMAIL)
            if order is not None and intent in ORDER_INTENTS:
                number = order.external_number or order.external_id
                if channel is Channel.AMAZON:
                    refs = (order.external_id,)
                else:
                    text = f"{text}\n{ORDER_WORD[lang]}: {number}"
            wismo = intent in ("where_is_my_order", "delivery_problem")
            if wismo and order is not None and shipments:
                # The tracking demo's parcels carry no order reference; pair one with the order
                # the buyer asks about so the sidebar shows its live status and ETA.
                shipment = shipments[n % len(shipments)]
                shipment.order_ref = shipment.order_ref or order.external_id
                if n % 2 == 0:
                    text = f"{text}\n{TRACKING_WORD[lang]}: {shipment.tracking_number}"
        subject = text.split("\n")[0][:70]
        raw = text.encode("utf-8")
        messages.append(
            InboundMessage(
                channel=channel,
                external_id=f"<demo-{n:04d}@buyers.linkstar.example>",
                received_at=at,
                sender_address=address,
                sender_name=name,
                subject=subject,
                text=text,
                display_body=text,
                order_refs=refs,
                raw=raw,
                raw_content_type="text/plain; charset=utf-8",
            )
        )
    settings = get_settings()
    model = classifier(settings.model_copy(update={"reference_data_dir": data_dir}))
    result = ingest_messages(session, org, messages, classifier=model)
    replies = _history(session, org, result.thread_ids, rng, now)
    _drafts_for_approval(session, org, result.thread_ids)
    for spec in TEMPLATES:
        template_store.create_template(session, actor, TemplateCreate.model_validate(spec))
    outcomes, lead_orders = inbox_outcomes.load_outcomes(
        session, actor, result.thread_ids, rng, now
    )
    log.info("demo inbox: %d A/B outcomes, %d orders by leads", outcomes, lead_orders)
    log.info("demo inbox: %d threads, %d messages, %d replies", len(result.thread_ids),
             result.created, replies)  # fmt: skip
    return InboxDemo(len(result.thread_ids), result.created, replies)


LEAD_DRAFT = (
    "Hello {name},\n\nthank you for your interest in a wholesale order. For 500 units we can "
    "offer 8% off the list price, with custom logo printing from 1,000 units; samples ship "
    "within 5 business days.\n\nBest regards,\nLinkStar Demo Store"
)


def _drafts_for_approval(session: Session, org: str, thread_ids: list[str]) -> int:
    """Draft first answers to up to three unanswered B2B leads, held by the approval policy
    (first reply to a lead) so the Approvals tab shows real work."""
    leads = session.scalars(
        select(InboxThread)
        .where(
            InboxThread.id.in_(thread_ids),
            InboxThread.intent.in_(("bulk_or_oem_inquiry", "price_negotiation")),
            InboxThread.first_response_at.is_(None),
        )
        .order_by(InboxThread.last_activity_at.desc())
        .limit(3)
    )
    count = 0
    for thread in leads:
        body = LEAD_DRAFT.format(name=(thread.buyer_name or "there").split()[0])
        reasons = reply_flow.hold_reasons(session, thread, body)
        if not reasons:
            continue
        message = InboxMessage(
            id=new_id(), organisation_id=org, thread_id=thread.id, direction="out",
            channel=thread.channel, external_id=f"demo-draft-{thread.id}", received_at=utcnow(),
            sender_name="Ava Agent", subject=f"Re: {thread.subject}"[:500], text=body,
            display_body=body, html=False, raw=body.encode(), raw_content_type="text/plain",
            understanding=None, attachments=[], warnings=[], outbound_status="awaiting_approval",
            lint_findings=[],
        )  # fmt: skip
        session.add(message)
        thread.message_count += 1
        session.flush()
        reply_flow.hold(session, thread, message, reasons, "Ava Agent")
        count += 1
    return count


def _history(
    session: Session, org: str, thread_ids: list[str], rng: random.Random, now: datetime
) -> int:
    """Answer the threads older than two days (most of them in time), close the oldest."""
    threads = list(session.scalars(select(InboxThread).where(InboxThread.id.in_(thread_ids))))
    count = 0
    for thread in threads:
        inbound_at = thread.last_inbound_at or thread.created_at
        if now - inbound_at < timedelta(days=2) or rng.random() < 0.15:
            continue  # unanswered: due soon, ok or overdue
        late = rng.random() < 0.2
        at = inbound_at + timedelta(hours=rng.uniform(26, 40) if late else rng.uniform(1, 20))
        name = (thread.buyer_name or "there").split()[0]
        body = REPLY_TEXT.format(name=name, what="your request is being handled")
        session.add(
            InboxMessage(
                id=new_id(), organisation_id=org, thread_id=thread.id, direction="out",
                channel=thread.channel, external_id=f"demo-reply-{thread.id}", received_at=at,
                sender_name="Ava Agent", subject=f"Re: {thread.subject}"[:500], text=body,
                display_body=body, html=False, raw=body.encode(), raw_content_type="text/plain",
                understanding=None, attachments=[], warnings=[], outbound_status="sent",
                lint_findings=[],
            )
        )  # fmt: skip
        thread.first_response_at = at
        thread.last_outbound_at = at
        thread.last_activity_at = max(thread.last_activity_at, at)
        thread.message_count += 1
        thread.sla_due_at = thread.sla_due_soon_at = None
        if now - at > timedelta(days=10):
            thread.status = "closed"
            thread.closed_at = at + timedelta(hours=rng.uniform(2, 96))
        else:
            thread.status = "pending"
        count += 1
    session.flush()
    return count
