"""Tables of rating: immutable rate card versions and the zone charts they are pinned to."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Index, String, UniqueConstraint
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
