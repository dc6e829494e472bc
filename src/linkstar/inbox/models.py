"""Tables of the buyer inbox: threads, their messages (raw payload always kept), links to
orders and shipments with the evidence, and reply templates.

The list page reads threads newest activity first for 100,000+ threads, so threads carry a
`last_activity_at` key with (organisation, last_activity_at, id) indexes per common filter.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from linkstar.db.base import Base, IdMixin, OrgScoped, TimestampMixin
from linkstar.kit.clock import utcnow

# The predicate of the partial index; queries repeat it literally so both databases use it.
OPEN_WITH_SLA = "status IN ('open', 'snoozed') AND sla_due_at IS NOT NULL"
REPORT_COLUMNS = [
    "channel",
    "intent",
    "status",
    "first_response_at",
    "first_response_due_at",
    "closed_at",
    "buyer_address",
    "id",
]


class InboxThread(IdMixin, TimestampMixin, OrgScoped, Base):
    """One conversation with a buyer; its understanding fields summarise its messages."""

    __tablename__ = "inbox_threads"
    __table_args__ = (
        Index("ix_inbox_threads_org_activity", "organisation_id", "last_activity_at", "id"),
        Index(
            "ix_inbox_threads_org_status_activity",
            "organisation_id",
            "status",
            "last_activity_at",
            "id",
        ),
        Index(
            "ix_inbox_threads_org_intent_activity",
            "organisation_id",
            "intent",
            "last_activity_at",
            "id",
        ),
        Index("ix_inbox_threads_org_sla", "organisation_id", "sla_due_at"),
        # Open threads with an SLA in activity order; the SLA filters walk it (search.py).
        Index(
            "ix_inbox_threads_open_activity",
            "organisation_id",
            "last_activity_at",
            "id",
            "sla_due_at",
            sqlite_where=text(OPEN_WITH_SLA),
            postgresql_where=text(OPEN_WITH_SLA),
        ),
        Index("ix_inbox_threads_org_buyer", "organisation_id", "buyer_address"),
        Index("ix_inbox_threads_org_external", "organisation_id", "channel", "external_thread_id"),
        # Reports read threads by the day they were opened; on PostgreSQL the index carries
        # every column they read, so a report is an index-only scan.
        Index(
            "ix_inbox_threads_org_created",
            "organisation_id",
            "created_at",
            postgresql_include=REPORT_COLUMNS,
        ),
    )

    channel: Mapped[str] = mapped_column(String(20))
    store_ref: Mapped[str] = mapped_column(String(120), default="")
    external_thread_id: Mapped[str] = mapped_column(String(300), default="")
    buyer_address: Mapped[str] = mapped_column(String(320))
    buyer_name: Mapped[str] = mapped_column(String(200), default="")
    subject: Mapped[str] = mapped_column(String(500), default="")
    intent: Mapped[str] = mapped_column(String(40), default="other")
    confidence: Mapped[float] = mapped_column(default=0.0)
    language: Mapped[str] = mapped_column(String(12), default="unknown")
    sentiment: Mapped[str] = mapped_column(String(12), default="neutral")
    urgency: Mapped[str] = mapped_column(String(12), default="normal")
    priority: Mapped[str] = mapped_column(String(10), default="normal")  # low|normal|high|urgent
    status: Mapped[str] = mapped_column(String(12), default="open")
    snoozed_until: Mapped[datetime | None]
    assignee_user_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("users.id", ondelete="SET NULL")
    )
    tags: Mapped[list[Any]] = mapped_column(default=list)
    order_refs: Mapped[list[Any]] = mapped_column(default=list)  # order ids seen in the thread
    sla_due_at: Mapped[datetime | None]
    sla_due_soon_at: Mapped[datetime | None]  # from the workspace's calendar and SLA target
    first_response_at: Mapped[datetime | None]
    # The first SLA deadline the thread had and when it was last closed (reports: SLA hit
    # rate and resolution time are read from these, never recomputed per thread).
    first_response_due_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    last_inbound_at: Mapped[datetime | None]
    last_outbound_at: Mapped[datetime | None]
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)
    message_count: Mapped[int] = mapped_column(default=0)
    snippet: Mapped[str] = mapped_column(String(200), default="")


class InboxMessage(IdMixin, OrgScoped, Base):
    """One message in or out; the raw bytes and their content type are always kept."""

    __tablename__ = "inbox_messages"
    __table_args__ = (
        UniqueConstraint("organisation_id", "channel", "external_id"),
        Index("ix_inbox_messages_thread_at", "thread_id", "received_at"),
    )

    thread_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("inbox_threads.id", ondelete="CASCADE")
    )
    direction: Mapped[str] = mapped_column(String(3))  # in | out
    channel: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(300))
    in_reply_to: Mapped[list[Any]] = mapped_column(default=list)
    received_at: Mapped[datetime]
    sender_address: Mapped[str] = mapped_column(String(320), default="")
    sender_name: Mapped[str] = mapped_column(String(200), default="")
    subject: Mapped[str] = mapped_column(String(500), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    display_body: Mapped[str] = mapped_column(Text, default="")  # sanitised when html
    html: Mapped[bool] = mapped_column(Boolean, default=False)
    raw: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    raw_content_type: Mapped[str] = mapped_column(String(120), default="application/json")
    understanding: Mapped[dict[str, Any] | None]
    attachments: Mapped[list[Any]] = mapped_column(default=list)
    warnings: Mapped[list[Any]] = mapped_column(default=list)
    outbound_status: Mapped[str | None] = mapped_column(String(20))
    failure_reason: Mapped[str | None] = mapped_column(Text)
    template_id: Mapped[str | None] = mapped_column(String(32))
    ab_test_id: Mapped[str | None] = mapped_column(String(32))  # the A/B test that chose it
    ab_variant: Mapped[str | None] = mapped_column(String(40))
    lint_findings: Mapped[list[Any]] = mapped_column(default=list)
    author_user_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class InboxLink(IdMixin, OrgScoped, Base):
    """A thread tied to an order or a shipment, with the evidence that tied them."""

    __tablename__ = "inbox_links"
    __table_args__ = (
        UniqueConstraint("thread_id", "kind", "target_id"),
        Index("ix_inbox_links_target", "organisation_id", "kind", "target_id"),
    )

    thread_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("inbox_threads.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(10))  # order | shipment
    target_id: Mapped[str] = mapped_column(String(32))
    evidence: Mapped[str] = mapped_column(String(40))
    matched_value: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class InboxTemplate(IdMixin, TimestampMixin, OrgScoped, Base):
    """A reply template: per-language subject/body variants, sandboxed Jinja2, versioned."""

    __tablename__ = "inbox_templates"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    name: Mapped[str] = mapped_column(String(120))
    intent: Mapped[str | None] = mapped_column(String(40))
    mode: Mapped[str] = mapped_column(String(8), default="text")
    # {"en": {"subject": "...", "body": "..."}, "es": {...}}
    variants: Mapped[dict[str, Any]]
    version: Mapped[int] = mapped_column(default=1)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class InboxApproval(IdMixin, OrgScoped, Base):
    """A reply held for a person to approve: why it was held and what was decided.

    The reply itself is the outbound message (status `awaiting_approval`, then `queued` or
    `rejected`); `original_*` keep the text as it was drafted, so an edit stays visible.
    """

    __tablename__ = "inbox_approvals"
    __table_args__ = (
        UniqueConstraint("message_id"),
        Index("ix_inbox_approvals_org_state_requested", "organisation_id", "state", "requested_at"),
    )

    message_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("inbox_messages.id", ondelete="CASCADE")
    )
    thread_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("inbox_threads.id", ondelete="CASCADE")
    )
    state: Mapped[str] = mapped_column(String(10), default="pending")  # pending|approved|rejected
    reasons: Mapped[list[Any]] = mapped_column(default=list)  # [{code, detail}]
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    requested_by: Mapped[str] = mapped_column(String(200), default="")
    original_subject: Mapped[str] = mapped_column(String(500), default="")
    original_text: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None]
    decided_by_user_id: Mapped[str | None] = mapped_column(String(32))
    decided_by: Mapped[str] = mapped_column(String(200), default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    edited: Mapped[bool] = mapped_column(Boolean, default=False)


class InboxMessagePoll(IdMixin, TimestampMixin, OrgScoped, Base):
    """Polling of one store's buyer messages (eBay member messages, TikTok Shop customer
    service): off until enabled, its cursor, token bucket and last outcome."""

    __tablename__ = "inbox_message_polls"

    store_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("stores.id", ondelete="CASCADE"), unique=True
    )
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    interval_seconds: Mapped[int] = mapped_column(default=300)
    cursor: Mapped[datetime | None]  # messages created at or after this are asked for next
    bucket_tokens: Mapped[float | None] = mapped_column(Float)
    bucket_at: Mapped[datetime | None]
    last_poll_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    next_run_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    last_status: Mapped[str] = mapped_column(String(16), default="never")
    last_fetched: Mapped[int] = mapped_column(default=0)
    last_created: Mapped[int] = mapped_column(default=0)
    failures: Mapped[int] = mapped_column(default=0)
