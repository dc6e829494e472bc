"""Queries of stored routing simulations, scoped by organisation."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlalchemy import select

from linkstar.db.repository import Repository, chunks
from linkstar.rating.models import RoutingDecision
from linkstar.rating.simulation_models import RoutingSimulation


class SimulationRepository(Repository[RoutingSimulation]):
    model = RoutingSimulation

    def newest_decision_ids(self, since: date | None, until: datetime) -> list[str]:
        """The id of the newest decision of every subject decided in [since, until], oldest
        subject first. Reads three narrow columns, so a batch job can call it cheaply."""
        d = RoutingDecision
        stmt = (
            select(d.id, d.subject_ref)
            .where(d.organisation_id == self.organisation_id, d.created_at <= until)
            .order_by(d.created_at.desc(), d.id.desc())
        )
        if since is not None:
            start = datetime(since.year, since.month, since.day, tzinfo=UTC)
            stmt = stmt.where(d.created_at >= start)
        newest: dict[str, str] = {}
        for decision_id, subject in self.session.execute(stmt):
            newest.setdefault(subject, decision_id)
        return list(reversed(newest.values()))

    def decisions(self, ids: Sequence[str]) -> list[RoutingDecision]:
        """The decisions with these ids, in the order given."""
        d = RoutingDecision
        found: dict[str, RoutingDecision] = {}
        for part in chunks(ids):
            stmt = select(d).where(d.organisation_id == self.organisation_id, d.id.in_(part))
            found.update((row.id, row) for row in self.session.scalars(stmt))
        return [found[i] for i in ids if i in found]
