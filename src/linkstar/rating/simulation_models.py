"""Table of stored routing simulations: a policy replayed on past orders, with progress."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from linkstar.db.base import Base, IdMixin, OrgScoped, TimestampMixin


class RoutingSimulation(IdMixin, TimestampMixin, OrgScoped, Base):
    """One simulation: what it replays (policy, cards, orders), its progress and its result."""

    __tablename__ = "routing_simulations"
    __table_args__ = (Index("ix_routing_simulations_org_created", "organisation_id", "created_at"),)

    status: Mapped[str] = mapped_column(String(16))  # queued | running | done | failed
    policy: Mapped[dict[str, Any]]  # the candidate policy body, copied when a version is named
    policy_id: Mapped[str | None] = mapped_column(String(32))  # the stored version, if named
    policy_label: Mapped[str] = mapped_column(String(160))  # "name v3" or the body's name
    cards_on: Mapped[date | None]  # decide every order as shipped that day (None: its own day)
    cards_label: Mapped[str] = mapped_column(String(200), default="")  # rate card files (CLI)
    since: Mapped[date | None]  # orders decided from this day …
    until: Mapped[datetime]  # … up to this moment (the snapshot, fixed when it was created)
    orders_total: Mapped[int]
    orders_done: Mapped[int] = mapped_column(default=0)
    tallies: Mapped[dict[str, Any] | None]  # running sums between batches (core Comparison)
    result: Mapped[dict[str, Any] | None]  # the comparison, once done
    error: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(254))
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
