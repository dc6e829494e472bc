"""Warehouses: where stock sits and parcels leave from."""

from __future__ import annotations

from fastapi import Depends, Response

from linkstar.api.deps import DbSession
from linkstar.api.idempotency import Idempotent
from linkstar.api.pagination import Paging
from linkstar.api.routing import api_router, created, errors, needs
from linkstar.api.schemas import PageOf
from linkstar.workspace import service
from linkstar.workspace.core import Permission, Principal
from linkstar.workspace.schemas import WarehouseCreate, WarehouseRead, WarehouseUpdate

router = api_router("warehouses")
READ = Permission.workspace_read
MANAGE = Permission.workspace_manage


@router.get(
    "/warehouses",
    summary="List warehouses",
    response_model=PageOf[WarehouseRead],
    responses=errors(403, 422),
)
def list_warehouses(
    paging: Paging, session: DbSession, actor: Principal = Depends(needs(READ))
) -> dict[str, object]:
    page = service.warehouses_page(session, actor, paging.limit, paging.cursor)
    return paging.out(page, WarehouseRead.model_validate)


@router.post(
    "/warehouses",
    summary="Add a warehouse",
    description="`code` (2-20 of A-Z, 0-9, - and _; upper-cased) is unique in the organisation; "
    "`cutoff_time` is the daily cut-off in the warehouse's `timezone`.",
    status_code=201,
    response_model=WarehouseRead,
    responses={**created("The warehouse."), **errors(400, 403, 409, 413, 422)},
)
def create_warehouse(
    data: WarehouseCreate,
    session: DbSession,
    idem: Idempotent,
    actor: Principal = Depends(needs(MANAGE)),
) -> WarehouseRead:
    return WarehouseRead.model_validate(service.create_warehouse(session, actor, data))


@router.get(
    "/warehouses/{warehouse_id}",
    summary="Read a warehouse",
    response_model=WarehouseRead,
    responses=errors(403, 404),
)
def read_warehouse(
    warehouse_id: str, session: DbSession, actor: Principal = Depends(needs(READ))
) -> WarehouseRead:
    return WarehouseRead.model_validate(service.get_warehouse(session, actor, warehouse_id))


@router.patch(
    "/warehouses/{warehouse_id}",
    summary="Update a warehouse",
    description="Omitted or null fields are left unchanged; the code cannot be changed.",
    response_model=WarehouseRead,
    responses=errors(400, 403, 404, 413, 422),
)
def update_warehouse(
    warehouse_id: str,
    data: WarehouseUpdate,
    session: DbSession,
    actor: Principal = Depends(needs(MANAGE)),
) -> WarehouseRead:
    warehouse = service.update_warehouse(session, actor, warehouse_id, data)
    return WarehouseRead.model_validate(warehouse)


@router.delete(
    "/warehouses/{warehouse_id}",
    summary="Delete a warehouse",
    description="A warehouse still referenced elsewhere cannot be deleted (409): deactivate it.",
    status_code=204,
    response_class=Response,
    responses=errors(403, 404, 409),
)
def delete_warehouse(
    warehouse_id: str, session: DbSession, actor: Principal = Depends(needs(MANAGE))
) -> Response:
    service.delete_warehouse(session, actor, warehouse_id)
    return Response(status_code=204)
