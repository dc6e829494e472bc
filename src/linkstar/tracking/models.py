"""Tables of the tracking hub: shipments, their events, exceptions, rules, statistics.

A shipment's status columns are a cache of what its events say (`core.derive.current_status`);
they are recomputed from the stored events whenever new events arrive, never from arrival order.
Events carry an integer key (there are millions) and a 64-bit fingerprint of their identity key
(`core.keys`), unique per shipment, so a repeated report is ignored by the database itself.
"""

from __future__ import annotations

import base64
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
    text,
)
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from linkstar.db.base import Base, IdMixin, OrgScoped, TimestampMixin
from linkstar.kit.clock import utcnow
from linkstar.tracking.core.epochs import EPOCHS, second_of

EVENT_ID = BigInteger().with_variant(Integer(), "sqlite")  # SQLite: the rowid alias


SWEEP_INDEX_COLUMNS = (
    "organisation_id", "carrier", "dest_country", "last_event_s", "status", "status_since_s",
    "first_scan_s", "sub_status", "promised_s", "delivered_s", "unmapped_count",
    "carrier_service", "warehouse_id", "dest_postcode", "created_s", "lane_id", "id",
)  # fmt: skip
# A finished shipment: out of the sweep's scope once finished longer than its recent days.
FINISHED_STATUSES = ("delivered", "returned")
FINISHED_WHERE = "status IN ('" + "', '".join(FINISHED_STATUSES) + "')"
_UNFINISHED = FINISHED_WHERE.replace(" IN ", " NOT IN ")
FINISHED_INDEX = "ix_shipments_finished"
_NO_DEDUP = {"deduplicate_items": "off"}
# The finished shipments by (organisation, when they finished), then the same columns.
FINISHED_INDEX_COLUMNS = (
    "organisation_id", "status_since_s",
    *(c for c in SWEEP_INDEX_COLUMNS if c not in ("organisation_id", "status_since_s")),
)  # fmt: skip

LANE_COLUMNS = ("carrier", "carrier_service", "origin", "dest_country", "postcode_prefix")


EXCEPTION_LANE_INDEX = (
    "organisation_id", "opened_at", "kind", "carrier", "dest_country", "last_scan_at",
)  # fmt: skip


def new_public_token() -> str:
    """An unguessable token for the buyer's tracking page (256 bits, URL-safe base64)."""
    return new_public_tokens(1)[0]


def new_public_tokens(n: int) -> list[str]:
    """`n` tokens like `new_public_token`, from one read of the system's random source."""
    raw = secrets.token_bytes(32 * n)
    encode = base64.urlsafe_b64encode
    return [encode(raw[i : i + 32])[:43].decode("ascii") for i in range(0, 32 * n, 32)]


class Shipment(IdMixin, TimestampMixin, OrgScoped, Base):
    """One parcel followed by the hub; status fields are derived from its events."""

    __tablename__ = "shipments"
    organisation_indexed = False  # the unique key below starts with it (migration 0037)
    __table_args__ = (
        UniqueConstraint("organisation_id", "carrier", "tracking_number"),
        # The lists' newest-first order within an organisation, and within a status
        # (migration 0042): SQLite's per-index averages otherwise plan a small workspace's page
        # as a scan of every workspace's shipments and a sort, and a status-filtered page of a
        # large one as a walk of all its shipments. The status counts read the first index.
        Index("ix_shipments_org_status", "organisation_id", "status", "created_at", "id"),
        Index("ix_shipments_org_created", "organisation_id", "created_at", "id"),
        # The inbox linker and shipment creation look numbers up without a carrier (0030).
        Index("ix_shipments_org_number", "organisation_id", "tracking_number"),
        # Cover every column the sweep and the lane statistics read (migrations 0025, 0029),
        # split by whether the shipment is finished (0031): the sweep walks the unfinished
        # ones and seeks the recently finished ones; the statistics seek the finished ones.
        # Their keys end in the id and move with every write-back: PostgreSQL's deduplication
        # would find nothing to merge (0043).
        Index(
            "ix_shipments_sweep",
            *SWEEP_INDEX_COLUMNS,
            sqlite_where=text(_UNFINISHED),
            postgresql_where=text(_UNFINISHED),
            postgresql_with=_NO_DEDUP,
        ),
        Index(
            FINISHED_INDEX,
            *FINISHED_INDEX_COLUMNS,
            sqlite_where=text(FINISHED_WHERE),
            postgresql_where=text(FINISHED_WHERE),
            postgresql_with=_NO_DEDUP,
        ),
        # The shipments `lane_ids.assign` has yet to give a lane id (migration 0029).
        Index(
            "ix_shipments_lane_unassigned",
            "organisation_id",
            sqlite_where=text("lane_id IS NULL"),
            postgresql_where=text("lane_id IS NULL"),
        ),
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
    # The times above as whole epoch seconds (`core.epochs`: every writer of a time writes its
    # epoch too, migration 0036); the sweep and the statistics read them from their index.
    last_event_s: Mapped[int | None] = mapped_column(BigInteger)
    status_since_s: Mapped[int | None] = mapped_column(BigInteger)
    first_scan_s: Mapped[int | None] = mapped_column(BigInteger)
    delivered_s: Mapped[int | None] = mapped_column(BigInteger)
    promised_s: Mapped[int | None] = mapped_column(BigInteger)
    created_s: Mapped[int | None] = mapped_column(BigInteger)
    # Its tracking_lanes row; NULL until `lane_ids.assign` (writers of a lane field reset it).
    lane_id: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(40), default="api")
    public_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_public_token)


@event.listens_for(Shipment, "before_insert")
def _epochs_on_insert(mapper: Mapper[Shipment], connection: Connection, row: Shipment) -> None:
    if row.created_at is None:  # the column default would come after this listener
        row.created_at = utcnow()
    for source, epoch in EPOCHS.items():
        setattr(row, epoch, second_of(getattr(row, source)))


@event.listens_for(Shipment, "before_update")
def _epochs_on_update(mapper: Mapper[Shipment], connection: Connection, row: Shipment) -> None:
    state = inspect(row)
    for source, epoch in EPOCHS.items():
        if state.attrs[source].history.has_changes():
            setattr(row, epoch, second_of(getattr(row, source)))


class ShipmentCarrierAlias(IdMixin, OrgScoped, Base):
    """A (carrier, number) a shipment was known by before a carrier correction: ingestion and
    registration under that old key land on the shipment (migration 0042)."""

    __tablename__ = "shipment_carrier_aliases"
    organisation_indexed = False  # the unique key below starts with it
    __table_args__ = (
        UniqueConstraint("organisation_id", "carrier", "tracking_number"),
        Index("ix_shipment_carrier_aliases_shipment_id", "shipment_id"),
    )

    carrier: Mapped[str] = mapped_column(String(40))  # the old carrier
    tracking_number: Mapped[str] = mapped_column(String(64))
    shipment_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("shipments.id", ondelete="CASCADE")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TrackingEventRow(Base):
    """One stored carrier event: raw fields as sent, normalised fields beside them."""

    __tablename__ = "tracking_events"
    __table_args__ = (UniqueConstraint("shipment_id", "fingerprint"),)

    id: Mapped[int] = mapped_column(EVENT_ID, primary_key=True, autoincrement=True)
    organisation_id: Mapped[str] = mapped_column(String(32))  # copied from the shipment
    # No foreign key (migration 0032): a delete trigger on shipments removes the shipment's
    # events, and the bulk writer adds events only to shipments it created or locked
    # (`event_store.insert_events`), instead of a parent look-up per inserted event.
    shipment_id: Mapped[str] = mapped_column(String(32))
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
        # The sweep's probe for an open exception of a kind, and its read of the open stalled
        # ones (migration 0028).
        Index("ix_tracking_exceptions_open", "organisation_id", "kind", "shipment_id", "state"),
        # What the per-lane disruption counts read, for the exceptions opened since a time.
        Index("ix_tracking_exceptions_lane", *EXCEPTION_LANE_INDEX),
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
    # The lane the exception was opened on and the parcel's last scan then (migration 0028):
    # the disruption judgement counts exceptions per carrier and country without a join.
    carrier: Mapped[str | None] = mapped_column(String(40))
    dest_country: Mapped[str | None] = mapped_column(String(2))
    last_scan_at: Mapped[datetime | None]


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


class TrackingLane(Base):
    """One lane of an organisation: carrier service x origin x destination country x postcode
    prefix ("" where the shipment has none). Shipments name theirs by `lane_id`."""

    __tablename__ = "tracking_lanes"
    __table_args__ = (
        UniqueConstraint("organisation_id", *LANE_COLUMNS, name="uq_tracking_lanes_lane"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organisation_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("organisations.id", ondelete="CASCADE")
    )
    carrier: Mapped[str] = mapped_column(String(40))
    carrier_service: Mapped[str] = mapped_column(String(80))
    origin: Mapped[str] = mapped_column(String(32))
    dest_country: Mapped[str] = mapped_column(String(2))
    postcode_prefix: Mapped[str] = mapped_column(String(8))


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
