"""Demo inbox history that feeds the reports and the A/B results: the orders some B2B leads
placed after writing in, and an A/B test of the "where is my order" reply whose answered
threads carry their variant and outcome (buyer wrote back, resolved).

Like the demo's replies, this is written as history rows: the demo buyers never wrote a real
second message, so each outcome is drawn with a variant-dependent rate.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from linkstar.inbox import template_store
from linkstar.inbox.automation import ab_service
from linkstar.inbox.automation.models import ABOutcomeRow
from linkstar.inbox.core.automation.ab import ABTestSpec, assign_variant
from linkstar.inbox.core.threads import HIGH_VALUE_INTENTS
from linkstar.inbox.models import InboxMessage, InboxThread
from linkstar.inbox.schemas import TemplateCreate
from linkstar.kit.ids import new_id
from linkstar.orders.models import Order, OrderLine
from linkstar.workspace.core import Principal

SHORT_TEMPLATE = {
    "name": "Where is my order (short)",
    "intent": "where_is_my_order",
    "mode": "text",
    "variants": {
        "en": {
            "subject": "Your order",
            "body": "Hello {{ buyer.first_name }}, your parcel is on its way. {{ seller.name }}",
        }
    },
}
AB_TEST = {
    "name": "WISMO reply: short or detailed",
    "metric": "buyer_replied",
    "variants": [
        {"key": "short", "template": "Where is my order (short)", "percent": 50},
        {"key": "detailed", "template": "Where is my order", "percent": 50},
    ],
    "min_samples": 40,
}
REPLY_RATE = {"short": 0.45, "detailed": 0.2}  # the detailed answer leaves fewer questions
WISMO = ("where_is_my_order", "delivery_problem")
SKIP = {"id", "external_id", "external_number", "buyer_name", "buyer_email", "placed_at"}


def load_outcomes(
    session: Session, actor: Principal, thread_ids: list[str], rng: random.Random, now: datetime
) -> tuple[int, int]:
    """The A/B test with its outcomes and the leads' orders; (outcomes, orders) written."""
    org = actor.organisation_id
    template_store.create_template(session, actor, TemplateCreate.model_validate(SHORT_TEMPLATE))
    test = ab_service.create_test(session, actor, AB_TEST)
    spec = ABTestSpec.model_validate(AB_TEST)
    threads = list(
        session.scalars(
            select(InboxThread).where(InboxThread.id.in_(thread_ids)).order_by(InboxThread.id)
        )
    )
    replies = {
        m.thread_id: m
        for m in session.scalars(
            select(InboxMessage).where(
                InboxMessage.organisation_id == org,
                InboxMessage.external_id.startswith("demo-reply-"),
            )
        )
    }
    outcomes = 0
    for thread in threads:
        reply = replies.get(thread.id)
        if thread.intent not in WISMO or reply is None or thread.first_response_at is None:
            continue
        key = assign_variant(spec, test.id, thread.id)
        reply.ab_test_id, reply.ab_variant = test.id, key
        session.add(
            ABOutcomeRow(
                organisation_id=org,
                test_id=test.id,
                variant_key=key,
                subject_id=thread.id,
                assigned_at=thread.first_response_at,
                buyer_replied=rng.random() < REPLY_RATE[key],
                resolved_at=thread.closed_at,
            )
        )
        outcomes += 1
    return outcomes, _lead_orders(session, org, threads, rng, now)


def _lead_orders(
    session: Session, org: str, threads: list[InboxThread], rng: random.Random, now: datetime
) -> int:
    """Every other B2B lead older than three days ordered 1 to 9 days after writing in."""
    template = session.scalars(
        select(Order).where(Order.organisation_id == org).order_by(Order.placed_at.desc())
    ).first()
    if template is None:
        return 0
    line = session.scalars(select(OrderLine).where(OrderLine.order_id == template.id)).first()
    seen: set[str] = set()
    made = 0
    for thread in threads:
        if thread.intent not in HIGH_VALUE_INTENTS or thread.buyer_address in seen:
            continue
        seen.add(thread.buyer_address)
        age = (now - thread.created_at).days
        if age < 3 or len(seen) % 2 == 0:
            continue
        placed = thread.created_at + timedelta(days=rng.uniform(1, min(9, age - 1)))
        columns: dict[str, Any] = {
            c.key: getattr(template, c.key)
            for c in inspect(Order).column_attrs
            if c.key not in SKIP and c.key not in ("created_at", "updated_at")
        }
        number = f"B2B-{made + 1:04d}"
        order = Order(
            **columns,
            id=new_id(),
            external_id=number,
            external_number=number,
            buyer_name=thread.buyer_name,
            buyer_email=thread.buyer_address,
            placed_at=placed,
        )
        order.version, order.content_hash, order.merge_group = placed, number, None
        session.add(order)
        session.flush()
        if line is not None:
            session.add(
                OrderLine(
                    organisation_id=org,
                    order_id=order.id,
                    position=0,
                    external_line_id=f"{number}-1",
                    channel_sku=line.channel_sku,
                    master_sku=line.master_sku,
                    title=line.title,
                    quantity=200,
                    unit_price=line.unit_price,
                )
            )
        made += 1
    session.flush()
    return made
