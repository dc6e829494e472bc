"""Every query of rating; tenant-scoped through the repository base."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, or_, select

from linkstar.db.repository import Repository
from linkstar.rating.models import RateCardVersion, ZoneChartVersion


class ZoneChartRepository(Repository[ZoneChartVersion]):
    model = ZoneChartVersion

    def latest(self, name: str) -> ZoneChartVersion | None:
        """The newest version of the chart called `name`."""
        stmt = self.select().where(ZoneChartVersion.name == name)
        return self.session.scalars(stmt.order_by(ZoneChartVersion.version.desc())).first()

    def next_version(self, name: str) -> int:
        """The version number the next import of `name` gets."""
        stmt = select(func.max(ZoneChartVersion.version)).where(
            ZoneChartVersion.organisation_id == self.organisation_id,
            ZoneChartVersion.name == name,
        )
        return int(self.session.scalar(stmt) or 0) + 1


class RateCardRepository(Repository[RateCardVersion]):
    model = RateCardVersion

    def latest(self, carrier: str, name: str) -> RateCardVersion | None:
        """The newest version of one card."""
        stmt = self.select().where(RateCardVersion.carrier == carrier, RateCardVersion.name == name)
        return self.session.scalars(stmt.order_by(RateCardVersion.version.desc())).first()

    def in_force(self, day: date, carrier: str | None = None) -> list[RateCardVersion]:
        """Versions whose window holds `day`, one per (carrier, name), by carrier and name."""
        stmt = self.select().where(
            RateCardVersion.effective_from <= day,
            or_(RateCardVersion.effective_to.is_(None), RateCardVersion.effective_to >= day),
        )
        if carrier is not None:
            stmt = stmt.where(RateCardVersion.carrier == carrier)
        order = (RateCardVersion.carrier, RateCardVersion.name, RateCardVersion.version.desc())
        found: dict[tuple[str, str], RateCardVersion] = {}
        for row in self.session.scalars(stmt.order_by(*order)):
            found.setdefault((row.carrier, row.name), row)
        return list(found.values())
