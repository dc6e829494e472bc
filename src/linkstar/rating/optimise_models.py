"""Tables of capacity-constrained routing: capacities and optimisation runs (waves)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from linkstar.db.base import Base, IdMixin, OrgScoped, TimestampMixin


class RoutingCapacity(IdMixin, TimestampMixin, OrgScoped, Base):
    """How many parcels a service (at a warehouse) or a carrier may take on a day."""

    __tablename__ = "routing_capacities"
    __table_args__ = (Index("ix_routing_capacities_org_name", "organisation_id", "kind", "name"),)

    kind: Mapped[str] = mapped_column(String(16))  # service | carrier
    name: Mapped[str] = mapped_column(String(80))  # service_id or carrier
    warehouse: Mapped[str | None] = mapped_column(String(80))  # None: every warehouse (carrier)
    day: Mapped[date | None]  # one date …
    weekday: Mapped[int | None]  # … or a weekday 0 (Monday) - 6; both None = every day
    max_parcels: Mapped[int]


class OptimisationRun(IdMixin, TimestampMixin, OrgScoped, Base):
    """One optimised wave (a warehouse and ship date): inputs, status, solver and results."""

    __tablename__ = "routing_optimisations"
    __table_args__ = (
        Index("ix_routing_optimisations_org_created", "organisation_id", "created_at"),
    )

    warehouse: Mapped[str] = mapped_column(String(80))
    ship_date: Mapped[date]
    status: Mapped[str] = mapped_column(String(16))  # queued | running | done | failed
    stage: Mapped[str] = mapped_column(String(40), default="")  # progress within a run
    parcels: Mapped[int]
    inputs: Mapped[dict[str, Any]]  # parcels, deferral_penalty, baseline
    solver: Mapped[str | None] = mapped_column(String(32))
    fallback_reason: Mapped[str] = mapped_column(String(200), default="")
    currency: Mapped[str | None] = mapped_column(String(3))
    total: Mapped[int | None] = mapped_column(BigInteger)
    shipping: Mapped[int | None] = mapped_column(BigInteger)
    penalty: Mapped[int | None] = mapped_column(BigInteger)
    assigned: Mapped[int] = mapped_column(default=0)
    deferred: Mapped[int] = mapped_column(default=0)
    held: Mapped[int] = mapped_column(default=0)
    unplaced_priority: Mapped[int] = mapped_column(default=0)
    saving_vs_naive: Mapped[int | None] = mapped_column(BigInteger)
    baseline: Mapped[str | None] = mapped_column(String(80))
    saving_vs_baseline: Mapped[int | None] = mapped_column(BigInteger)
    cost_by_carrier: Mapped[dict[str, Any]]
    infeasibility: Mapped[dict[str, Any] | None]
    error: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(254))
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
