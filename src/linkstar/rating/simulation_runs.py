"""Use cases of stored routing simulations: start one, advance it a batch at a time, read them.

A simulation replays a policy (a body, or a stored policy version) on the newest decision of
every order decided from `since` up to the moment it was created (`until`, so later decisions
never shift a running simulation). Up to `inline_limit` orders it runs inside the request and
is stored `done`; bigger ones are `queued` and the `routing.simulate` job advances them one
batch per job, committing progress (`orders_done`) and the running sums after each batch, then
queueing the next. Never commits: the entry point (request, job, command) owns the transaction.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from linkstar.db.outbox import enqueue
from linkstar.kit.clock import utcnow
from linkstar.kit.errors import InvalidInput
from linkstar.kit.pagination import Page
from linkstar.rating import routing_policies
from linkstar.rating.core import CompiledService
from linkstar.rating.core.simulation import Comparison
from linkstar.rating.simulation import MAX_ORDERS, choosers_for, replay
from linkstar.rating.simulation_models import RoutingSimulation
from linkstar.rating.simulation_repository import SimulationRepository
from linkstar.workspace.core import Permission, Principal

SIMULATE_JOB = "routing.simulate"
SIMULATE_ATTEMPTS = 3  # the job's max_attempts: the last one marks the simulation failed
BATCH = 1_000  # orders per job (and per step of an inline run)
INLINE_ORDERS = 2_000  # default of the `simulation_inline_orders` setting


def _policy(
    session: Session, actor: Principal, body: dict[str, Any] | None, policy_id: str | None
) -> tuple[dict[str, Any], str | None, str]:
    """(body, version id, label) of exactly one of a body or a stored policy version."""
    if (body is None) == (policy_id is None):
        raise InvalidInput("give exactly one of a policy body or a policy_id", {"field": "body"})
    if policy_id is not None:
        row = routing_policies.get_policy(session, actor, policy_id)
        return dict(row.body), row.id, f"{row.name} v{row.version}"
    assert body is not None
    return body, None, str(body.get("name") or "unnamed policy")[:160]


def start(
    session: Session,
    actor: Principal,
    *,
    body: dict[str, Any] | None = None,
    policy_id: str | None = None,
    since: date | None = None,
    cards_on: date | None = None,
    inline_limit: int = INLINE_ORDERS,
    services: list[CompiledService] | None = None,
    cards_label: str = "",
) -> RoutingSimulation:
    """Store a simulation; run it now when small (or given card files), else queue the job.

    A bad policy or too many orders raise before anything is written.
    """
    actor.require(Permission.routing_read)
    policy, version_id, label = _policy(session, actor, body, policy_id)
    routing_policies.check_policy(policy)
    repo = SimulationRepository(session, actor.organisation_id)
    until = utcnow()
    total = len(repo.newest_decision_ids(since, until))
    if total > MAX_ORDERS:
        raise InvalidInput(
            f"{total} orders: at most {MAX_ORDERS} per simulation; give a later `since`",
            {"field": "since"},
        )
    sim = repo.add(
        RoutingSimulation(
            organisation_id=actor.organisation_id,
            status="queued",
            policy=policy,
            policy_id=version_id,
            policy_label=label,
            cards_on=cards_on,
            cards_label=cards_label[:200],
            since=since,
            until=until,
            orders_total=total,
            tallies=None,
            result=None,
            created_by=actor.label[:254],
        )
    )
    if total <= inline_limit or services is not None:
        while sim.status in ("queued", "running"):
            advance(session, actor, sim, services)
    else:
        _queue(session, sim)
    return sim


def _queue(session: Session, sim: RoutingSimulation) -> None:
    payload = {"simulation_id": sim.id, "offset": sim.orders_done}
    enqueue(session, SIMULATE_JOB, payload, organisation_id=sim.organisation_id)


def advance(
    session: Session,
    actor: Principal,
    sim: RoutingSimulation,
    services: list[CompiledService] | None = None,
) -> None:
    """Replay the next batch of orders and add it to the sums; the last batch stores the
    result. A simulation already done or failed is left alone."""
    if sim.status in ("done", "failed"):
        return
    if sim.started_at is None:
        sim.started_at = utcnow()
    sim.status = "running"
    repo = SimulationRepository(session, actor.organisation_id)
    ids = repo.newest_decision_ids(sim.since, sim.until)[sim.orders_done : sim.orders_done + BATCH]
    comparison = Comparison.from_state(sim.tallies)
    if ids:
        choosers = choosers_for(session, actor, dict(sim.policy), services)
        comparison.add(*replay(choosers, repo.decisions(ids), sim.cards_on))
    sim.orders_done += len(ids)
    sim.tallies = comparison.state()
    if not ids or sim.orders_done >= sim.orders_total:
        sim.orders_done = sim.orders_total = max(sim.orders_done, sim.orders_total)
        sim.result = comparison.result().as_json()
        sim.tallies = None
        sim.status, sim.finished_at = "done", utcnow()
    session.flush()


def step(session: Session, actor: Principal, sim: RoutingSimulation) -> None:
    """One job's work: advance a batch, then queue the next job while orders remain."""
    advance(session, actor, sim)
    if sim.status == "running":
        _queue(session, sim)


def fail(session: Session, sim: RoutingSimulation, error: str) -> None:
    """Mark the simulation failed with the reason shown to the user."""
    sim.status, sim.error, sim.finished_at = "failed", error[:2000], utcnow()
    sim.tallies = None
    session.flush()


def simulations_page(
    session: Session, actor: Principal, limit: int, cursor: str | None
) -> Page[RoutingSimulation]:
    """Simulations, newest first."""
    actor.require(Permission.routing_read)
    return SimulationRepository(session, actor.organisation_id).page_newest_first(limit, cursor)


def get_simulation(session: Session, actor: Principal, simulation_id: str) -> RoutingSimulation:
    """One simulation."""
    actor.require(Permission.routing_read)
    return SimulationRepository(session, actor.organisation_id).get(simulation_id)
