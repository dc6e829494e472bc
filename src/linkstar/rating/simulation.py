"""Use case: replay a policy (and optionally other rate cards) against the workspace's past orders.

The baseline is what was actually decided: the newest stored routing decision of every order
(since a date). The candidate is the same inputs decided again under the given policy, with the
workspace's cards in force on each ship date (or the given rate cards), FX, lane statistics and
suspensions. Nothing is written; `rating.core.simulation.compare` does the sums.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from linkstar.kit.countries import country_code
from linkstar.kit.errors import InvalidInput
from linkstar.rating.core import CompiledService
from linkstar.rating.core.choose import Chooser, Decision, RankedPolicy
from linkstar.rating.core.policy import parse_policy
from linkstar.rating.core.reliability import ReliabilityBook
from linkstar.rating.core.simulation import Outcome, Simulation, compare
from linkstar.rating.models import RoutingDecision
from linkstar.rating.order_files import HeldInput, order_from_row
from linkstar.rating.repository import DecisionRepository
from linkstar.rating.routing import _Choosers
from linkstar.rating.routing_setup import check_policy
from linkstar.workspace.core import Permission, Principal

MAX_ORDERS = 100_000


class _CardChoosers(_Choosers):
    """The same choosers over a fixed set of services (rate cards given as files)."""

    def __init__(
        self,
        session: Session,
        actor: Principal,
        ranked: list[RankedPolicy],
        services: list[CompiledService],
    ) -> None:
        super().__init__(session, actor, ranked)
        book = ReliabilityBook([c.service for c in services], self.stats)
        self.fixed = Chooser(services, self.fx, self.ranked, book, self.stops)

    def on(self, day: date) -> Chooser:
        return self.fixed


def _country(value: Any) -> str:
    try:
        return country_code(str(value or ""))
    except InvalidInput:
        return ""


def _promised(inputs: Mapping[str, Any]) -> int | None:
    try:
        days = int(str(inputs.get("promised_days") or "").strip())
    except ValueError:
        return None
    return days if days > 0 else None


def baseline_outcome(row: RoutingDecision) -> Outcome:
    """What a stored decision chose, as an Outcome."""
    chosen = next((c for c in row.candidates if c.get("service_id") == row.chosen_service_id), None)
    priced = row.status == "assigned" and chosen is not None and row.price is not None
    return Outcome(
        order_id=row.subject_ref,
        status=row.status,
        carrier=(row.chosen_carrier or "") if priced else "",
        service_id=(row.chosen_service_id or "") if priced else "",
        dest_country=_country(row.inputs.get("dest_country")),
        zone=str(chosen.get("zone") or "") if chosen else "",
        price=row.price if priced else None,
        currency=row.currency or "",
        on_time=chosen.get("on_time_probability") if chosen else None,
        p90_days=chosen.get("transit_p90_days") if chosen else None,
        promised_days=_promised(row.inputs),
    )


def decision_outcome(decision: Decision | HeldInput, promised: int | None) -> Outcome:
    """What a fresh decision chose, as an Outcome (the lane's country is set by the caller)."""
    if isinstance(decision, HeldInput) or decision.choice is None:
        return Outcome(decision.ref, "held", promised_days=promised)
    c = decision.choice
    return Outcome(
        order_id=decision.ref,
        status=decision.status,
        carrier=c.carrier,
        service_id=c.service_id,
        zone=c.zone,
        price=c.total,
        currency=c.currency,
        on_time=c.on_time_probability,
        p90_days=c.transit_p90_days,
        promised_days=promised,
    )


def newest_decisions(
    session: Session, actor: Principal, since: date | None
) -> list[RoutingDecision]:
    """The newest decision of every order (decided on or after `since`), oldest order first."""
    repo = DecisionRepository(session, actor.organisation_id)
    stmt = repo.select()
    if since is not None:
        start = datetime(since.year, since.month, since.day, tzinfo=UTC)
        stmt = stmt.where(RoutingDecision.created_at >= start)
    order = (RoutingDecision.created_at.desc(), RoutingDecision.id.desc())
    newest: dict[str, RoutingDecision] = {}
    for row in session.scalars(stmt.order_by(*order)):
        newest.setdefault(row.subject_ref, row)
    rows = list(reversed(newest.values()))
    if len(rows) > MAX_ORDERS:
        raise InvalidInput(f"{len(rows)} orders: at most {MAX_ORDERS} per simulation; use --since")
    return rows


def simulate(
    session: Session,
    actor: Principal,
    body: dict[str, Any],
    since: date | None = None,
    services: list[CompiledService] | None = None,
) -> Simulation:
    """Past decisions (baseline) against the policy `body` replayed on the same inputs."""
    actor.require(Permission.routing_read)
    check_policy(body)
    ranked = [RankedPolicy(parse_policy(body), "simulation", 0, 0)]
    choosers = (
        _Choosers(session, actor, ranked)
        if services is None
        else _CardChoosers(session, actor, ranked, services)
    )
    rows = newest_decisions(session, actor, since)
    baseline: list[Outcome] = []
    candidate: list[Outcome] = []
    for line, row in enumerate(rows, start=1):
        base = baseline_outcome(row)
        baseline.append(base)
        inputs = dict(row.inputs)
        inputs.setdefault("order_id", row.subject_ref)
        item = order_from_row(inputs, line, row.created_at.date())
        decision = (
            item if isinstance(item, HeldInput) else choosers.on(item.parcel.ship_date).choose(item)
        )
        outcome = decision_outcome(decision, base.promised_days)
        candidate.append(_with_country(outcome, base.dest_country))
    return compare(baseline, candidate)


def _with_country(outcome: Outcome, country: str) -> Outcome:
    return replace(outcome, dest_country=country)
