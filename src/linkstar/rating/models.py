"""Tables of rating: immutable rate card versions and the zone charts they are pinned to."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from linkstar.db.base import Base, IdMixin, OrgScoped, TimestampMixin
from linkstar.kit.clock import utcnow


class ZoneChartVersion(IdMixin, TimestampMixin, OrgScoped, Base):
    """One version of a named zone chart; rows are [origin_from, origin_to, dest_country,
    dest_from, dest_to, zone] as the zones sheet wrote them. Never changed once written."""

    __tablename__ = "zone_charts"
    __table_args__ = (UniqueConstraint("organisation_id", "name", "version"),)

    name: Mapped[str] = mapped_column(String(120))
    version: Mapped[int]
    origin_country: Mapped[str] = mapped_column(String(2))
    row_count: Mapped[int]
    source_filename: Mapped[str] = mapped_column(String(255), default="")
    imported_by: Mapped[str] = mapped_column(String(254))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    rows: Mapped[list[Any]] = mapped_column(deferred=True)  # large: loaded only when needed


class RateCardVersion(IdMixin, TimestampMixin, OrgScoped, Base):
    """One imported version of a carrier's rate card. Only `effective_to` and `status` change,
    when the next version takes over; the card itself (`tables`) is never rewritten."""

    __tablename__ = "rate_card_versions"
    __table_args__ = (
        UniqueConstraint("organisation_id", "carrier", "name", "version"),
        Index("ix_rate_card_versions_org_window", "organisation_id", "effective_from"),
    )

    carrier: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(120))
    version: Mapped[int]
    effective_from: Mapped[date]
    effective_to: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(16))
    source_filename: Mapped[str] = mapped_column(String(255), default="")
    imported_by: Mapped[str] = mapped_column(String(254))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    row_counts: Mapped[dict[str, Any]]
    service_ids: Mapped[list[Any]]
    zone_chart_ids: Mapped[dict[str, Any]]  # chart name → ZoneChartVersion.id (pinned)
    # The validated card as text tables (zones excluded); loaded only to rebuild the card.
    tables: Mapped[dict[str, Any]] = mapped_column(deferred=True)


class FxRateRow(IdMixin, TimestampMixin, OrgScoped, Base):
    """One rate of the seller's FX table: units of `base_currency` per unit of `currency`."""

    __tablename__ = "fx_rates"
    __table_args__ = (UniqueConstraint("organisation_id", "currency", "effective_date"),)

    base_currency: Mapped[str] = mapped_column(String(3))
    currency: Mapped[str] = mapped_column(String(3))
    rate_to_base: Mapped[str] = mapped_column(String(40))  # a decimal, kept exact as text
    effective_date: Mapped[date]


class RoutingPolicyVersion(IdMixin, TimestampMixin, OrgScoped, Base):
    """One version of a named routing policy; a change writes the next version, never edits."""

    __tablename__ = "routing_policies"
    __table_args__ = (UniqueConstraint("organisation_id", "name", "version"),)

    name: Mapped[str] = mapped_column(String(120))
    version: Mapped[int]
    precedence: Mapped[int] = mapped_column(default=100)
    enabled: Mapped[bool] = mapped_column(default=True)
    body: Mapped[dict[str, Any]]
    created_by: Mapped[str] = mapped_column(String(254))


class ServiceLaneStat(IdMixin, TimestampMixin, OrgScoped, Base):
    """Observed outcomes of one carrier service on one lane (tracking fills it)."""

    __tablename__ = "service_lane_stats"
    __table_args__ = (
        UniqueConstraint(
            "organisation_id",
            "service_id",
            "origin",
            "dest_country",
            "postcode_prefix",
            name="uq_service_lane_stats_lane",
        ),
    )

    service_id: Mapped[str] = mapped_column(String(80))
    carrier: Mapped[str] = mapped_column(String(80))
    origin: Mapped[str] = mapped_column(String(20))  # warehouse code, or "*"
    dest_country: Mapped[str] = mapped_column(String(2))
    postcode_prefix: Mapped[str] = mapped_column(String(10), default="")
    n: Mapped[int]
    delivered: Mapped[int]
    on_time: Mapped[int]
    transit_p50_days: Mapped[float | None]
    transit_p90_days: Mapped[float | None]
    transit_p95_days: Mapped[float | None]


class RoutingSuspension(IdMixin, TimestampMixin, OrgScoped, Base):
    """A carrier or one of its services taken out of routing for some lanes and dates."""

    __tablename__ = "routing_suspensions"
    __table_args__ = (Index("ix_routing_suspensions_org_carrier", "organisation_id", "carrier"),)

    carrier: Mapped[str] = mapped_column(String(80))
    service_id: Mapped[str | None] = mapped_column(String(80))
    dest_countries: Mapped[list[Any]]
    origins: Mapped[list[Any]]
    starts: Mapped[date | None]
    ends: Mapped[date | None]
    reason: Mapped[str] = mapped_column(String(500), default="")
    source: Mapped[str] = mapped_column(String(16), default="user")  # user | tracking
    created_by: Mapped[str] = mapped_column(String(254))
    resumed_at: Mapped[datetime | None]
    resumed_by: Mapped[str | None] = mapped_column(String(254))


class RoutingDecision(IdMixin, OrgScoped, Base):
    """The immutable record of one routing decision: inputs, candidates, policy, choice."""

    __tablename__ = "routing_decisions"
    __table_args__ = (
        Index("ix_routing_decisions_org_subject", "organisation_id", "subject_ref", "created_at"),
        Index("ix_routing_decisions_org_created", "organisation_id", "created_at"),
    )

    subject_ref: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(16))  # assigned | held
    inputs: Mapped[dict[str, Any]]
    candidates: Mapped[list[Any]]
    policy_id: Mapped[str | None] = mapped_column(String(32))
    policy_name: Mapped[str] = mapped_column(String(120))
    policy_version: Mapped[int]
    chosen_service_id: Mapped[str | None] = mapped_column(String(80))
    chosen_carrier: Mapped[str | None] = mapped_column(String(80))
    price: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(3))
    fallback: Mapped[bool]
    reasons: Mapped[list[Any]]
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
