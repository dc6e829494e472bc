"""Capacity-constrained routing: capacities (CRUD) and optimised waves."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request, Response
from fastapi.concurrency import run_in_threadpool

from linkstar.api.deps import DbSession
from linkstar.api.idempotency import Idempotent
from linkstar.api.pagination import Paging
from linkstar.api.routing import api_router, created, errors, needs
from linkstar.api.schemas import PageOf
from linkstar.api.uploads import read_file_form, upload_body
from linkstar.rating import optimisations
from linkstar.rating.optimise_models import OptimisationRun, RoutingCapacity
from linkstar.rating.optimise_schemas import (
    CapacityRead,
    CapacityWrite,
    OptimisationCreate,
    OptimisationRead,
)
from linkstar.workspace.core import Permission, Principal

router = api_router("routing")
READ = Permission.routing_read
MANAGE = Permission.routing_manage


@router.get(
    "/routing/capacities",
    summary="List capacities",
    response_model=PageOf[CapacityRead],
    responses=errors(403),
)
def list_capacities(session: DbSession, actor: Principal = Depends(needs(READ))) -> dict[str, Any]:
    """Every capacity (one page)."""
    rows = optimisations.capacities(session, actor)
    return {"items": [CapacityRead.model_validate(r) for r in rows], "next_cursor": None}


@router.post(
    "/routing/capacities",
    summary="Add a capacity",
    description="A service's capacity at a warehouse, or a carrier's (at a warehouse, or at "
    "every warehouse together), on a date, a weekday or every day. The same capacity twice is "
    "a 409.",
    status_code=201,
    response_model=CapacityRead,
    responses={**created("The capacity."), **errors(403, 409, 413, 422)},
)
def create_capacity(
    data: CapacityWrite,
    session: DbSession,
    idem: Idempotent,
    actor: Principal = Depends(needs(MANAGE)),
) -> RoutingCapacity:
    """Add a capacity."""
    return optimisations.create_capacity(session, actor, data.model_dump())


_CSV_BODY = upload_body("The capacities CSV (docs/formats/routing.md).")


@router.post(
    "/routing/capacities/import",
    summary="Upload a capacities CSV",
    description="Multipart upload of a UTF-8 CSV with the header "
    "`warehouse,service_id,carrier,day,max_parcels` (the file of `linkstar route "
    "--capacities`). A file with any problem is refused with 422 `capacities_rejected` whose "
    "`details.errors` lists every bad row (line, column, reason) and nothing changes. "
    "Otherwise every row is stored; a row naming a stored capacity (same service or carrier, "
    "warehouse and day) replaces its number, and the other stored capacities stay.",
    response_model=PageOf[CapacityRead],
    responses=errors(403, 413, 422),
    openapi_extra={"requestBody": _CSV_BODY},
)
async def import_capacities(
    request: Request, session: DbSession, actor: Principal = Depends(needs(MANAGE))
) -> dict[str, Any]:
    """Store every row of a capacities CSV, or none."""
    _, data, _ = await read_file_form(request, "the capacities CSV")

    def run() -> dict[str, Any]:
        rows = optimisations.import_capacities_csv(session, actor, data)
        return {"items": [CapacityRead.model_validate(r) for r in rows], "next_cursor": None}

    return await run_in_threadpool(run)


@router.get(
    "/routing/capacities/{capacity_id}",
    summary="Read a capacity",
    response_model=CapacityRead,
    responses=errors(403, 404),
)
def read_capacity(
    capacity_id: str, session: DbSession, actor: Principal = Depends(needs(READ))
) -> RoutingCapacity:
    """One capacity."""
    return optimisations.get_capacity(session, actor, capacity_id)


@router.put(
    "/routing/capacities/{capacity_id}",
    summary="Replace a capacity",
    response_model=CapacityRead,
    responses=errors(403, 404, 409, 413, 422),
)
def update_capacity(
    capacity_id: str,
    data: CapacityWrite,
    session: DbSession,
    actor: Principal = Depends(needs(MANAGE)),
) -> RoutingCapacity:
    """Replace a capacity's fields."""
    return optimisations.update_capacity(session, actor, capacity_id, data.model_dump())


@router.delete(
    "/routing/capacities/{capacity_id}",
    summary="Delete a capacity",
    status_code=204,
    response_class=Response,
    responses=errors(403, 404),
)
def delete_capacity(
    capacity_id: str, session: DbSession, actor: Principal = Depends(needs(MANAGE))
) -> Response:
    """Remove a capacity."""
    optimisations.delete_capacity(session, actor, capacity_id)
    return Response(status_code=204)


@router.post(
    "/routing/optimisations",
    summary="Optimise a wave",
    description="Assigns the parcels of one warehouse and ship date to services at minimum "
    "total cost under the capacities (OR-Tools min-cost flow; regret-greedy if the solver is "
    "late or fails), deferring what cannot fit; one decision record per parcel. Waves of up "
    f"to {optimisations.INLINE_PARCELS} parcels are optimised in the request (`done`); bigger "
    "ones are `queued` as the `routing.optimise_wave` job: poll the run.",
    status_code=201,
    response_model=OptimisationRead,
    responses={**created("The run."), **errors(403, 413, 422)},
)
def create_optimisation(
    data: OptimisationCreate,
    session: DbSession,
    idem: Idempotent,
    actor: Principal = Depends(needs(MANAGE)),
) -> OptimisationRun:
    """Optimise a wave."""
    return optimisations.start(
        session,
        actor,
        data.warehouse,
        data.ship_date,
        [p.model_dump() for p in data.parcels],
        data.deferral_penalty,
        data.baseline,
    )


@router.get(
    "/routing/optimisations",
    summary="List optimisation runs",
    response_model=PageOf[OptimisationRead],
    responses=errors(403, 422),
)
def list_optimisations(
    paging: Paging, session: DbSession, actor: Principal = Depends(needs(READ))
) -> dict[str, object]:
    """A page of runs, newest first."""
    page = optimisations.runs_page(session, actor, paging.limit, paging.cursor)
    return paging.out(page, OptimisationRead.model_validate)


@router.get(
    "/routing/optimisations/{optimisation_id}",
    summary="Read an optimisation run",
    response_model=OptimisationRead,
    responses=errors(403, 404),
)
def read_optimisation(
    optimisation_id: str, session: DbSession, actor: Principal = Depends(needs(READ))
) -> OptimisationRun:
    """One run with its totals, savings and infeasibility report."""
    return optimisations.get_run(session, actor, optimisation_id)
