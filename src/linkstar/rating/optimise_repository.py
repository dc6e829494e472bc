"""Queries of capacity-constrained routing, scoped by organisation."""

from __future__ import annotations

from linkstar.db.repository import Repository
from linkstar.rating.optimise_models import OptimisationRun, RoutingCapacity


class CapacityRepository(Repository[RoutingCapacity]):
    model = RoutingCapacity

    def ordered(self) -> list[RoutingCapacity]:
        """Every capacity by kind, name, warehouse, then age."""
        m = RoutingCapacity
        stmt = self.select().order_by(m.kind.desc(), m.name, m.warehouse, m.created_at, m.id)
        return list(self.session.scalars(stmt))


class RunRepository(Repository[OptimisationRun]):
    model = OptimisationRun
