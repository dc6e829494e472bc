"""Replaying a policy (and optionally other rate cards) on the workspace's past orders.

The baseline is what was actually decided: the newest stored routing decision of every order.
The candidate is the same inputs decided again under the given policy, with the workspace's
cards in force on each ship date (or on one chosen day, or the given rate cards), FX, lane
statistics and suspensions. `rating.simulation_runs` stores runs and feeds the outcomes to
`rating.core.simulation.Comparison` a batch at a time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from linkstar.kit.countries import country_code
from linkstar.kit.errors import InvalidInput
from linkstar.rating.core import CompiledService
from linkstar.rating.core.choose import Chooser, Decision, RankedPolicy
from linkstar.rating.core.policy_format import parse_policy
from linkstar.rating.core.reliability import ReliabilityBook
from linkstar.rating.core.simulation import Outcome
from linkstar.rating.models import RoutingDecision
from linkstar.rating.order_files import HeldInput, order_from_row
from linkstar.rating.routing import _Choosers
from linkstar.rating.routing_policies import check_policy
from linkstar.workspace.core import Principal

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


def replay(
    choosers: _Choosers, rows: Sequence[RoutingDecision], cards_on: date | None = None
) -> tuple[list[Outcome], list[Outcome]]:
    """Each stored decision (baseline) and the same inputs decided again (candidate); with
    `cards_on`, every order is decided as if shipped that day (cards, surcharges, FX)."""
    baseline: list[Outcome] = []
    candidate: list[Outcome] = []
    for line, row in enumerate(rows, start=1):
        base = baseline_outcome(row)
        baseline.append(base)
        inputs = dict(row.inputs)
        inputs.setdefault("order_id", row.subject_ref)
        if cards_on is not None:
            inputs["ship_date"] = cards_on.isoformat()
        item = order_from_row(inputs, line, row.created_at.date())
        decision = (
            item if isinstance(item, HeldInput) else choosers.on(item.parcel.ship_date).choose(item)
        )
        outcome = decision_outcome(decision, base.promised_days)
        candidate.append(replace(outcome, dest_country=base.dest_country))
    return baseline, candidate


def choosers_for(
    session: Session,
    actor: Principal,
    body: dict[str, Any],
    services: list[CompiledService] | None = None,
) -> _Choosers:
    """Choosers ranking with the policy `body` alone (over `services` when given as files)."""
    check_policy(body)
    ranked = [RankedPolicy(parse_policy(body), "simulation", 0, 0)]
    if services is None:
        return _Choosers(session, actor, ranked)
    return _CardChoosers(session, actor, ranked, services)
