"""Tables of inbox automation: rules and their versions, rule runs (audit), A/B tests.

Subjects (threads) are referenced by plain string ids: the thread store lives in its own
migration and the foreign keys are added when the two meet.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from linkstar.db.base import Base, IdMixin, OrgScoped, TimestampMixin
from linkstar.kit.clock import utcnow


class InboxRuleRow(IdMixin, TimestampMixin, OrgScoped, Base):
    """The current version of one automation rule (definition JSON as validated)."""

    __tablename__ = "inbox_rules"
    __table_args__ = (Index("ix_inbox_rules_org_position", "organisation_id", "position"),)

    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    trigger_event: Mapped[str] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(default=1)
    definition: Mapped[dict[str, Any]]


class InboxRuleVersionRow(IdMixin, OrgScoped, Base):
    """Every version a rule has had, so a run can always be explained by its definition."""

    __tablename__ = "inbox_rule_versions"
    __table_args__ = (UniqueConstraint("rule_id", "version"),)

    rule_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("inbox_rules.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int]
    definition: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(120))  # who saved it (label)


class InboxRuleRunRow(IdMixin, OrgScoped, Base):
    """Audit of one rule firing on one subject for one event, with each action's outcome."""

    __tablename__ = "inbox_rule_runs"
    __table_args__ = (
        # A rule fires at most once per thread per event id.
        UniqueConstraint("organisation_id", "rule_id", "subject_id", "event_id"),
        Index("ix_inbox_rule_runs_org_subject", "organisation_id", "subject_id"),
    )

    rule_id: Mapped[str] = mapped_column(String(32))  # kept when the rule is deleted
    rule_version: Mapped[int]
    event_type: Mapped[str] = mapped_column(String(40))
    event_id: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[str] = mapped_column(String(64))
    depth: Mapped[int] = mapped_column(default=0)
    matched: Mapped[bool] = mapped_column(Boolean)
    actions: Mapped[list[Any]]  # [{index, action, resolved?, ok, error?}]
    at: Mapped[datetime] = mapped_column(default=utcnow)


class ABTestRow(IdMixin, TimestampMixin, OrgScoped, Base):
    """An A/B test of reply templates; `spec` is the validated ABTestSpec JSON."""

    __tablename__ = "ab_tests"

    name: Mapped[str] = mapped_column(String(200))
    metric: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20), default="running")  # running|promoted|stopped
    winner: Mapped[str | None] = mapped_column(String(40))
    promoted_at: Mapped[datetime | None]
    spec: Mapped[dict[str, Any]]


class ABVariantRow(IdMixin, OrgScoped, Base):
    __tablename__ = "ab_variants"
    __table_args__ = (UniqueConstraint("test_id", "key"),)

    test_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("ab_tests.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(40))
    template: Mapped[str] = mapped_column(String(120))
    percent: Mapped[float] = mapped_column(Float)
    position: Mapped[int]


class ABOutcomeRow(IdMixin, OrgScoped, Base):
    """What happened on one thread that saw a variant (one row per thread and test)."""

    __tablename__ = "ab_outcomes"
    __table_args__ = (
        UniqueConstraint("test_id", "subject_id"),
        # Replies, inbound messages and closes find a thread's outcomes by its id.
        Index("ix_ab_outcomes_org_subject", "organisation_id", "subject_id"),
    )

    test_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("ab_tests.id", ondelete="CASCADE"), index=True
    )
    variant_key: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[str] = mapped_column(String(64))
    assigned_at: Mapped[datetime]
    buyer_replied: Mapped[bool] = mapped_column(Boolean, default=False)
    resolved_at: Mapped[datetime | None]
    order_placed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class InboxSettingsRow(IdMixin, TimestampMixin, OrgScoped, Base):
    """A workspace's inbox settings (`core.automation.policy.InboxSettings` as JSON)."""

    __tablename__ = "inbox_settings"
    __table_args__ = (UniqueConstraint("organisation_id"),)

    document: Mapped[dict[str, Any]]
    version: Mapped[int] = mapped_column(default=1)


class InboxTimerMark(IdMixin, OrgScoped, Base):
    """A timer event that has fired for a thread (sla_due_soon, sla_overdue, idle), so the
    periodic timer job fires each one once. `anchor_at` is the instant the timer counted from
    (the due time, or the last activity), so a new due time or new activity arms it again."""

    __tablename__ = "inbox_timer_marks"
    __table_args__ = (
        UniqueConstraint("thread_id", "kind", "threshold", "anchor_at"),
        Index("ix_inbox_timer_marks_org_thread", "organisation_id", "thread_id"),
    )

    thread_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("inbox_threads.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(20))
    threshold: Mapped[float] = mapped_column(Float, default=0.0)  # idle business hours
    anchor_at: Mapped[datetime]
    fired_at: Mapped[datetime] = mapped_column(default=utcnow)
