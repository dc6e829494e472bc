"""Every query of rating; tenant-scoped through the repository base."""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, func, or_, select

from linkstar.db.repository import Repository
from linkstar.rating.models import (
    FxRateRow,
    RateCardVersion,
    RoutingDecision,
    RoutingPolicyVersion,
    RoutingSuspension,
    ServiceLaneStat,
    ZoneChartVersion,
)


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


class FxRateRepository(Repository[FxRateRow]):
    model = FxRateRow

    def table_rows(self) -> list[FxRateRow]:
        """Every rate, by currency and date."""
        stmt = self.select().order_by(FxRateRow.currency, FxRateRow.effective_date)
        return list(self.session.scalars(stmt))

    def clear(self) -> int:
        """Delete every rate of the organisation (the table is replaced as a whole)."""
        stmt = delete(FxRateRow).where(FxRateRow.organisation_id == self.organisation_id)
        return int(self.session.execute(stmt).rowcount or 0)  # type: ignore[attr-defined]


class PolicyRepository(Repository[RoutingPolicyVersion]):
    model = RoutingPolicyVersion

    def versions(self, name: str) -> list[RoutingPolicyVersion]:
        """Every version of one policy, newest first."""
        stmt = self.select().where(RoutingPolicyVersion.name == name)
        return list(self.session.scalars(stmt.order_by(RoutingPolicyVersion.version.desc())))

    def latest_of_each(self) -> list[RoutingPolicyVersion]:
        """The newest version of every policy, by precedence then name."""
        newest: dict[str, RoutingPolicyVersion] = {}
        stmt = self.select().order_by(RoutingPolicyVersion.version.desc())
        for row in self.session.scalars(stmt):
            newest.setdefault(row.name, row)
        return sorted(newest.values(), key=lambda r: (r.precedence, r.name))


class LaneStatRepository(Repository[ServiceLaneStat]):
    model = ServiceLaneStat


class SuspensionRepository(Repository[RoutingSuspension]):
    model = RoutingSuspension

    def active(self) -> list[RoutingSuspension]:
        """Suspensions not resumed (their dates are checked per parcel)."""
        stmt = self.select().where(RoutingSuspension.resumed_at.is_(None))
        return list(self.session.scalars(stmt.order_by(RoutingSuspension.created_at)))


class DecisionRepository(Repository[RoutingDecision]):
    model = RoutingDecision

    def latest(self, subject_ref: str) -> RoutingDecision | None:
        """The newest decision about one subject (order id)."""
        stmt = self.select().where(RoutingDecision.subject_ref == subject_ref)
        order = (RoutingDecision.created_at.desc(), RoutingDecision.id.desc())
        return self.session.scalars(stmt.order_by(*order)).first()

    def latest_of_order(self, order_id: str) -> list[RoutingDecision]:
        """The newest decision of each parcel of an order: the order itself (one parcel) or
        `<order id>/<warehouse code>` (a parcel of a split order), by subject."""
        stmt = self.select().where(
            (RoutingDecision.subject_ref == order_id)
            | RoutingDecision.subject_ref.startswith(order_id + "/", autoescape=True)
        )
        order = (RoutingDecision.created_at.desc(), RoutingDecision.id.desc())
        newest: dict[str, RoutingDecision] = {}
        for row in self.session.scalars(stmt.order_by(*order)):
            newest.setdefault(row.subject_ref, row)
        return [newest[ref] for ref in sorted(newest)]

    def latest_choosing(self, carrier: str, service_id: str | None) -> list[RoutingDecision]:
        """Newest decision per subject, kept where it chose the carrier (and service)."""
        newest: dict[str, RoutingDecision] = {}
        order = (RoutingDecision.created_at.desc(), RoutingDecision.id.desc())
        refs = select(RoutingDecision.subject_ref).where(
            RoutingDecision.organisation_id == self.organisation_id,
            RoutingDecision.chosen_carrier == carrier,
        )
        stmt = self.select().where(RoutingDecision.subject_ref.in_(refs)).order_by(*order)
        for row in self.session.scalars(stmt):
            newest.setdefault(row.subject_ref, row)
        return [
            row
            for row in newest.values()
            if row.chosen_carrier == carrier
            and (service_id is None or row.chosen_service_id == service_id)
        ]
