"""Routing simulations: a policy replayed on past orders, stored with progress and result."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Response

from linkstar.api.deps import DbSession, get_settings
from linkstar.api.idempotency import Idempotent
from linkstar.api.pagination import Paging
from linkstar.api.routing import api_router, created, errors, needs
from linkstar.api.schemas import PageOf
from linkstar.config import Settings
from linkstar.rating import simulation_runs
from linkstar.rating.simulation_models import RoutingSimulation
from linkstar.rating.simulation_schemas import SimulationRequest, SimulationRunRead
from linkstar.workspace.core import Permission, Principal

router = api_router("routing")
READ = Permission.routing_read
PATH = "/routing/simulations"


@router.post(
    PATH,
    summary="Simulate a policy on past orders",
    description="Replays a policy (`body`, or a stored version by `policy_id`) on the inputs of "
    "every order's newest stored decision (optionally only those decided from `since`; "
    "optionally as if shipped on `cards_on`) with the rate cards, FX, statistics and "
    "suspensions in force, and compares cost, on-time probability and p90 against the "
    "promise with what was decided, per carrier and per lane. The simulation is stored: up to "
    "`LINKSTAR_SIMULATION_INLINE_ORDERS` orders (default 2,000) it runs in the request and "
    "answers `done` with its `result`; bigger ones answer `queued` and the `routing.simulate` "
    "job replays them a batch at a time (poll `orders_done`). At most 100,000 orders. A bad "
    "policy is refused with 422 `policy_rejected` and nothing is stored.",
    status_code=201,
    response_model=SimulationRunRead,
    responses={
        **created("The stored simulation (`Location` names it)."),
        **errors(403, 404, 413, 422),
    },
)
def create_simulation(
    data: SimulationRequest,
    response: Response,
    session: DbSession,
    idem: Idempotent,
    settings: Settings = Depends(get_settings),
    actor: Principal = Depends(needs(READ)),
) -> RoutingSimulation:
    """Store and run (or queue) a simulation."""
    sim = simulation_runs.start(
        session,
        actor,
        body=data.body,
        policy_id=data.policy_id,
        since=data.since,
        cards_on=data.cards_on,
        inline_limit=settings.simulation_inline_orders,
    )
    response.headers["Location"] = f"/api/v1{PATH}/{sim.id}"
    return sim


@router.get(
    PATH,
    summary="List simulations",
    response_model=PageOf[SimulationRunRead],
    responses=errors(403, 422),
)
def list_simulations(
    paging: Paging, session: DbSession, actor: Principal = Depends(needs(READ))
) -> dict[str, Any]:
    """A page of simulations, newest first."""
    page = simulation_runs.simulations_page(session, actor, paging.limit, paging.cursor)
    return paging.out(page, SimulationRunRead.model_validate)


@router.get(
    PATH + "/{simulation_id}",
    summary="Read a simulation",
    response_model=SimulationRunRead,
    responses=errors(403, 404),
)
def read_simulation(
    simulation_id: str, session: DbSession, actor: Principal = Depends(needs(READ))
) -> RoutingSimulation:
    """One simulation with its progress and, once done, its result."""
    return simulation_runs.get_simulation(session, actor, simulation_id)
