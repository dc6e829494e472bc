"""Use cases of carrier routing: route a batch, dry-run a policy, re-route, read decisions.

Never commits: the entry point owns the transaction. Decisions are written in bulk (one
executemany INSERT per batch) and never changed afterwards; a re-route writes new records.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from linkstar.kit.clock import utcnow
from linkstar.kit.errors import InvalidInput, NotFound
from linkstar.kit.ids import new_id
from linkstar.kit.pagination import Page
from linkstar.rating import service as cards
from linkstar.rating.core import CompiledService
from linkstar.rating.core.choose import Chooser, Decision, RankedPolicy
from linkstar.rating.core.policy_format import parse_policy
from linkstar.rating.core.reliability import ReliabilityBook
from linkstar.rating.fx_rates import fx_table
from linkstar.rating.models import RoutingDecision
from linkstar.rating.order_files import HeldInput, order_from_row
from linkstar.rating.repository import DecisionRepository, PolicyRepository, SuspensionRepository
from linkstar.rating.routing_policies import check_policy, ranked_policies
from linkstar.rating.routing_setup import core_suspension, lane_stats
from linkstar.workspace.core import Permission, Principal

MAX_BATCH = 10_000


# Routing -------------------------------------------------------------------------------------


class _Choosers:
    """One chooser per ship date (the cards in force differ by date)."""

    def __init__(
        self, session: Session, actor: Principal, ranked: list[RankedPolicy] | None
    ) -> None:
        self.session, self.actor = session, actor
        org = actor.organisation_id
        self.fx = fx_table(session, org)
        self.ranked = (
            ranked
            if ranked is not None
            else ranked_policies(PolicyRepository(session, org).latest_of_each())
        )
        self.stats = lane_stats(session, org)
        self.stops = [core_suspension(r) for r in SuspensionRepository(session, org).active()]
        self.by_day: dict[date, Chooser] = {}

    def on(self, day: date) -> Chooser:
        found = self.by_day.get(day)
        if found is None:
            services: list[CompiledService] = []
            for row in cards.cards_in_force(self.session, self.actor, day):
                services += cards.compiled_card(self.session, row).services
            book = ReliabilityBook([c.service for c in services], self.stats)
            found = Chooser(services, self.fx, self.ranked, book, self.stops)
            self.by_day[day] = found
        return found


def _decide(
    choosers: _Choosers, rows: Sequence[Mapping[str, Any]], default_ship: date
) -> list[tuple[Mapping[str, Any], Decision | HeldInput]]:
    if len(rows) > MAX_BATCH:
        raise InvalidInput(f"at most {MAX_BATCH} parcels per request", {"field": "parcels"})
    out: list[tuple[Mapping[str, Any], Decision | HeldInput]] = []
    for line, row in enumerate(rows, start=1):
        item = order_from_row(dict(row), line, default_ship)
        if isinstance(item, HeldInput):
            out.append((row, item))
        else:
            out.append((row, choosers.on(item.parcel.ship_date).choose(item)))
    return out


def dry_run(
    session: Session,
    actor: Principal,
    body: dict[str, Any],
    rows: Sequence[Mapping[str, Any]],
    ship_date: date | None = None,
) -> list[tuple[Mapping[str, Any], Decision | HeldInput]]:
    """Decisions a policy body would take for these parcels; nothing is stored."""
    actor.require(Permission.routing_read)
    check_policy(body)
    choosers = _Choosers(session, actor, [RankedPolicy(parse_policy(body), "", 0, 0)])
    return _decide(choosers, rows, ship_date or utcnow().date())


def record_values(
    actor: Principal | None,
    inputs: Mapping[str, Any],
    decision: Decision | HeldInput,
    fallback: bool,
) -> dict[str, Any]:
    """The columns of a decision record; without an actor, an unsaved one (a dry run)."""
    clean = {k: v for k, v in inputs.items() if isinstance(v, str | int | float | bool | None)}
    base = {
        "id": None if actor is None else new_id(),
        "organisation_id": None if actor is None else actor.organisation_id,
        "subject_ref": decision.ref[:120],
        "inputs": clean,
        "created_by": "" if actor is None else actor.label[:254],
        "created_at": None if actor is None else utcnow(),
    }
    if isinstance(decision, HeldInput):
        return {
            **base,
            "status": "held",
            "candidates": [],
            "policy_id": None,
            "policy_name": "",
            "policy_version": 0,
            "chosen_service_id": None,
            "chosen_carrier": None,
            "price": None,
            "currency": None,
            "fallback": False,
            "reasons": list(decision.reasons),
        }
    chosen = decision.choice
    policy = decision.policy
    return {
        **base,
        "status": decision.status,
        "candidates": [c.as_json() for c in decision.candidates],
        "policy_id": policy.policy_id or None,
        "policy_name": policy.policy.name[:120],
        "policy_version": policy.version,
        "chosen_service_id": chosen.service_id if chosen else None,
        "chosen_carrier": chosen.carrier if chosen else None,
        "price": chosen.total if chosen else None,
        "currency": chosen.currency if chosen else None,
        "fallback": decision.fallback or fallback,
        "reasons": list(decision.reasons),
    }


def _store(session: Session, records: list[dict[str, Any]]) -> list[str]:
    if records:
        session.execute(insert(RoutingDecision), records)  # one executemany for the batch
    session.flush()
    return [r["id"] for r in records]


def route(
    session: Session,
    actor: Principal,
    rows: Sequence[Mapping[str, Any]],
    ship_date: date | None = None,
) -> list[RoutingDecision]:
    """Route a batch of parcels (ORDERS fields) and store one decision record each."""
    actor.require(Permission.routing_manage)
    decided = _decide(_Choosers(session, actor, None), rows, ship_date or utcnow().date())
    ids = _store(session, [record_values(actor, row, d, False) for row, d in decided])
    return _in_order(session, actor, ids)


def _in_order(session: Session, actor: Principal, ids: list[str]) -> list[RoutingDecision]:
    repo = DecisionRepository(session, actor.organisation_id)
    found = {
        r.id: r for r in repo.session.scalars(repo.select().where(RoutingDecision.id.in_(ids)))
    }
    return [found[i] for i in ids]


def reroute(
    session: Session, actor: Principal, subject_refs: Sequence[str]
) -> list[RoutingDecision]:
    """Route the subjects again from their stored inputs; new records note the fallback."""
    actor.require(Permission.routing_manage)
    repo = DecisionRepository(session, actor.organisation_id)
    previous = []
    for ref in subject_refs:
        row = repo.latest(ref)
        if row is None:
            raise NotFound(f"no routing decision for {ref}")
        previous.append(row)
    choosers = _Choosers(session, actor, None)
    records = []
    for row in previous:
        ((inputs, decision),) = _decide(choosers, [row.inputs], utcnow().date())
        moved = not isinstance(decision, HeldInput) and (
            decision.choice is None or decision.choice.service_id != row.chosen_service_id
        )
        records.append(record_values(actor, inputs, decision, moved))
    return _in_order(session, actor, _store(session, records))


# Reading -------------------------------------------------------------------------------------


def decisions_page(
    session: Session,
    actor: Principal,
    limit: int,
    cursor: str | None,
    **filters: Any,
) -> Page[RoutingDecision]:
    """Decisions, newest first (filters: status, subject_ref, chosen_carrier)."""
    actor.require(Permission.routing_read)
    repo = DecisionRepository(session, actor.organisation_id)
    return repo.page_newest_first(limit, cursor, **{k: v for k, v in filters.items() if v})


def get_decision(session: Session, actor: Principal, decision_id: str) -> RoutingDecision:
    """One decision record."""
    actor.require(Permission.routing_read)
    return DecisionRepository(session, actor.organisation_id).get(decision_id)


def parcel_decisions(session: Session, actor: Principal, order_id: str) -> list[RoutingDecision]:
    """The newest decision of each parcel of an order (one per warehouse when it was split)."""
    actor.require(Permission.routing_read)
    return DecisionRepository(session, actor.organisation_id).latest_of_order(order_id)


def explain(session: Session, actor: Principal, subject_ref: str) -> RoutingDecision:
    """The newest decision about a subject (order id)."""
    actor.require(Permission.routing_read)
    row = DecisionRepository(session, actor.organisation_id).latest(subject_ref)
    if row is None:
        raise NotFound(f"no routing decision for {subject_ref}")
    return row
