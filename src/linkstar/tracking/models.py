"""Tables of the tracking hub: shipments, their events, exceptions, rules, statistics.

A shipment's status columns are a cache of what its events say (`core.derive.current_status`);
they are recomputed from the stored events whenever new events arrive, never from arrival order.
Events carry an integer key (there are millions) and a 64-bit fingerprint of their identity key
(`core.keys`), unique per shipment, so a repeated report is ignored by the database itself.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from linkstar.db.base import Base, IdMixin, OrgScoped, TimestampMixin
from linkstar.kit.clock import utcnow

EVENT_ID = BigInteger().with_variant(Integer(), "sqlite")  # SQLite: the rowid alias


SWEEP_INDEX_COLUMNS = (
    "organisation_id", "carrier", "dest_country", "last_event_at", "status", "status_since",
    "first_scan_at", "sub_status", "promised_by", "delivered_at", "unmapped_count",
    "carrier_service", "warehouse_id", "dest_postcode", "created_at", "id",
)  # fmt: skip


def new_public_token() -> str:
    """An unguessable token for the buyer's tracking page (256 bits)."""
    return secrets.token_urlsafe(32)


class Shipment(IdMixin, TimestampMixin, OrgScoped, Base):
    """One parcel followed by the hub; status fields are derived from its events."""

    __tablename__ = "shipments"
    __table_args__ = (
        UniqueConstraint("organisation_id", "carrier", "tracking_number"),
        Index("ix_shipments_org_status", "organisation_id", "status"),
        # Covers every column the sweep and the lane statistics read (migration 0020).
        Index("ix_shipments_sweep", *SWEEP_INDEX_COLUMNS),
    )

    tracking_number: Mapped[str] = mapped_column(String(64))
    carrier: Mapped[str] = mapped_column(String(40))
    carrier_service: Mapped[str | None] = mapped_column(String(80))
    order_ref: Mapped[str | None] = mapped_column(String(120))
    warehouse_id: Mapped[str | None] = mapped_column(String(32))  # origin of the lane
    dest_country: Mapped[str | None] = mapped_column(String(2))
    dest_postcode: Mapped[str | None] = mapped_column(String(16))
    promised_by: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(24), default="pending")
    sub_status: Mapped[str | None] = mapped_column(String(40))
    status_since: Mapped[datetime | None]
    last_event_at: Mapped[datetime | None]
    first_scan_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    event_count: Mapped[int] = mapped_column(default=0)
    unmapped_count: Mapped[int] = mapped_column(default=0)  # unmapped events after the decider
    source: Mapped[str] = mapped_column(String(40), default="api")
    public_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_public_token)


class TrackingEventRow(Base):
    """One stored carrier event: raw fields as sent, normalised fields beside them."""

    __tablename__ = "tracking_events"
    __table_args__ = (UniqueConstraint("shipment_id", "fingerprint"),)

    id: Mapped[int] = mapped_column(EVENT_ID, primary_key=True, autoincrement=True)
    organisation_id: Mapped[str] = mapped_column(String(32))  # copied from the shipment
    shipment_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("shipments.id", ondelete="CASCADE")
    )
    fingerprint: Mapped[int] = mapped_column(BigInteger)  # core.keys.fingerprint
    event_time: Mapped[datetime]
    carrier: Mapped[str] = mapped_column(String(40))
    code_source: Mapped[str | None] = mapped_column(String(40))
    raw_code: Mapped[str] = mapped_column(Text)
    raw_description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(24))
    sub_status: Mapped[str | None] = mapped_column(String(40))
    rule_id: Mapped[str | None] = mapped_column(String(80))
    location: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(120))
    state: Mapped[str | None] = mapped_column(String(80))
    postcode: Mapped[str | None] = mapped_column(String(16))
    country: Mapped[str | None] = mapped_column(String(2))
    source: Mapped[str] = mapped_column(String(40))
    received_at: Mapped[datetime]


class TrackingException(IdMixin, TimestampMixin, OrgScoped, Base):
    """A shipment that needs attention: open → acknowledged → resolved."""

    __tablename__ = "tracking_exceptions"
    __table_args__ = (
        Index("ix_tracking_exceptions_org_state", "organisation_id", "state"),
        Index("ix_tracking_exceptions_shipment", "shipment_id", "kind"),
    )

    shipment_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("shipments.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), default="open")
    owner_user_id: Mapped[str | None] = mapped_column(String(32))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(40))  # "sweep" or a user id
    notified_at: Mapped[datetime | None]
    detail: Mapped[dict[str, Any]]


class TrackingRuleSet(IdMixin, TimestampMixin, OrgScoped, Base):
    """A workspace's exception rules as validated JSON (`core.rules.ExceptionRules`)."""

    __tablename__ = "tracking_rule_sets"
    __table_args__ = (UniqueConstraint("organisation_id"),)

    version: Mapped[int] = mapped_column(default=1)
    rules: Mapped[dict[str, Any]]
    updated_by: Mapped[str] = mapped_column(String(254), default="system")


class LaneTransitStat(IdMixin, OrgScoped, Base):
    """Transit-time statistics of one carrier service on one lane (or a carrier and country row)."""

    __tablename__ = "lane_transit_stats"
    __table_args__ = (
        Index("ix_lane_transit_stats_org_lane", "organisation_id", "carrier", "dest_country"),
    )

    level: Mapped[str] = mapped_column(String(16))  # "lane" or "country" (the shrinkage prior)
    carrier: Mapped[str] = mapped_column(String(40))
    carrier_service: Mapped[str] = mapped_column(String(80), default="")
    origin: Mapped[str] = mapped_column(String(32), default="")
    dest_country: Mapped[str] = mapped_column(String(2))
    postcode_prefix: Mapped[str] = mapped_column(String(8), default="")
    shipments: Mapped[int]
    delivered: Mapped[int]
    p50_days: Mapped[float]
    p90_days: Mapped[float]
    p95_days: Mapped[float]
    on_time_rate: Mapped[float | None]
    success_rate: Mapped[float]
    gap_p95_hours: Mapped[float | None]  # p95 of hours between consecutive scans (stall limit)
    confidence: Mapped[float]
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


class TrackingDeadLetter(IdMixin, OrgScoped, Base):
    """A webhook or file payload that could not be ingested, kept whole for a retry."""

    __tablename__ = "tracking_dead_letters"

    source: Mapped[str] = mapped_column(String(40))
    headers: Mapped[dict[str, Any]]
    body: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    state: Mapped[str] = mapped_column(String(16), default="new")  # new | retried | discarded


class TrackingSuspension(IdMixin, OrgScoped, Base):
    """A carrier (or one lane of it) suspended for routing after a burst of exceptions."""

    __tablename__ = "tracking_suspensions"

    carrier: Mapped[str] = mapped_column(String(40))
    dest_country: Mapped[str] = mapped_column(String(2), default="")  # "" = every lane
    origin: Mapped[str] = mapped_column(String(32), default="")
    reason: Mapped[str] = mapped_column(Text)
    since: Mapped[datetime]
    until: Mapped[datetime]
    detail: Mapped[dict[str, Any]]


class NotificationTarget(IdMixin, TimestampMixin, OrgScoped, Base):
    """Where a workspace wants exception alerts sent: an Apprise URL, encrypted at rest."""

    __tablename__ = "tracking_notification_targets"

    name: Mapped[str] = mapped_column(String(120))
    sealed_url: Mapped[str] = mapped_column(Text)  # kit.crypto.SecretBox({"url": ...})
    kinds: Mapped[list[Any]]  # exception kinds to send; empty = all
    active: Mapped[bool] = mapped_column(default=True)
