"""Seed one organisation's inbox rows through the services (for store, API and console tests)."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from linkstar.db.uow import unit_of_work
from linkstar.inbox.core.classify import Classifier
from linkstar.inbox.core.inbound import Channel, InboundMessage
from linkstar.inbox.core.model import cached_model
from linkstar.inbox.core.training import seed_examples
from linkstar.inbox.models import InboxTemplate
from linkstar.inbox.schemas import TemplateCreate
from linkstar.inbox.store import ingest_messages
from linkstar.kit.clock import utcnow

T0 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # a Monday


def inbound(external_id: str, text: str, **kw: Any) -> InboundMessage:
    """An e-mail from a buyer unless told otherwise."""
    return InboundMessage(
        channel=kw.pop("channel", Channel.EMAIL),
        external_id=external_id,
        received_at=kw.pop("received_at", T0),
        sender_address=kw.pop("sender_address", "maria@example.com"),
        sender_name=kw.pop("sender_name", "Maria Lopez"),
        subject=kw.pop("subject", "Question"),
        text=text,
        display_body=kw.pop("display_body", text),
        raw=kw.pop("raw", text.encode()),
        raw_content_type=kw.pop("raw_content_type", "text/plain"),
        **kw,
    )


WISMO_TEMPLATE = {
    "name": "Where is my order",
    "intent": "where_is_my_order",
    "mode": "text",
    "variants": {
        "en": {
            "subject": "Your order {{ order.id }}",
            "body": "Hello {{ buyer.first_name }},\nyour parcel with {{ shipment.carrier }} is "
            "{{ shipment.status_text }}. Track it here: {{ shipment.tracking_url }}\n",
        },
        "es": {"subject": "Su pedido", "body": "Hola {{ buyer.first_name }}, gracias."},
    },
}


def seed_inbox(
    sessions: sessionmaker[Session],
    org_id: str,
    marker: str,
    classifier: Classifier | None = None,
    *,
    order_ref: str = "",
    text: str = "",
) -> dict[str, str]:
    """A thread with one buyer message (received an hour ago) and a template; their ids."""
    body = text or f"Hello, where is my order {order_ref or marker + '-1001'}? It has not arrived."
    message = inbound(
        f"<{marker.lower()}-1@buyer.example>",
        body,
        received_at=utcnow() - timedelta(hours=1),
        sender_address=f"buyer-{marker.lower()}@example.com",
        sender_name=f"Buyer {marker}",
        subject=f"Order {marker}",
        order_refs=(order_ref,) if order_ref else (),
    )
    with unit_of_work(sessions) as s:
        result = ingest_messages(
            s, org_id, [message], classifier=classifier or seed_only_classifier()
        )
        # A row, not the service: seeding must not add audit entries that other tests count.
        data = TemplateCreate.model_validate(WISMO_TEMPLATE)
        template = InboxTemplate(
            organisation_id=org_id,
            name=data.name,
            intent=data.intent,
            mode=data.mode,
            variants={str(k): v.model_dump() for k, v in data.variants.items()},
        )
        s.add(template)
        s.flush()
        return {
            "thread_id": result.thread_ids[0],
            "message_id": result.message_ids[0],
            "template_id": template.id,
        }


@lru_cache(maxsize=1)
def seed_only_classifier() -> Classifier:
    """The seed-set model, trained once per process (cached on disk across processes)."""
    cache = Path(tempfile.gettempdir()) / "linkstar-test-inbox-models"
    return Classifier(cached_model(seed_examples(), cache))


def seed_held_reply(
    sessions: sessionmaker[Session], org_id: str, thread_id: str, marker: str
) -> str:
    """A reply to `thread_id` waiting in the approval queue, written directly (no audit entry);
    its id."""
    from linkstar.inbox.models import InboxApproval, InboxMessage

    body = f"{marker} held reply: our lawyer has read your message."
    with unit_of_work(sessions) as s:
        message = InboxMessage(
            organisation_id=org_id,
            thread_id=thread_id,
            direction="out",
            channel="email",
            external_id=f"linkstar-out-{marker.lower()}-held",
            received_at=utcnow(),
            subject=f"Re: Order {marker}",
            text=body,
            display_body=body,
            raw=body.encode(),
            raw_content_type="text/plain; charset=utf-8",
            outbound_status="awaiting_approval",
            lint_findings=[],
        )
        s.add(message)
        s.flush()
        s.add(
            InboxApproval(
                organisation_id=org_id,
                message_id=message.id,
                thread_id=thread_id,
                reasons=[{"code": "legal_threat", "detail": "legal-threat words: lawyer"}],
                requested_by=f"{marker} Agent",
                original_subject=message.subject,
                original_text=body,
            )
        )
        return message.id
