"""Stores: the seller's marketplace and shop accounts. Credentials are write-only."""

from __future__ import annotations

from fastapi import Depends, Response

from linkstar.api.deps import DbSession, get_box
from linkstar.api.idempotency import Idempotent
from linkstar.api.pagination import Paging
from linkstar.api.routing import api_router, created, errors, needs
from linkstar.api.schemas import PageOf
from linkstar.kit.crypto import SecretBox
from linkstar.workspace import service
from linkstar.workspace.core import Permission, Principal
from linkstar.workspace.models import Store
from linkstar.workspace.schemas import StoreCreate, StoreRead, StoreUpdate

router = api_router("stores")
READ = Permission.workspace_read
MANAGE = Permission.workspace_manage


def render(store: Store) -> StoreRead:
    """The public view of a store: whether it has credentials and a masked hint, never them."""
    return StoreRead(
        id=store.id,
        name=store.name,
        channel=store.channel,
        region=store.region,
        currency=store.currency,
        external_id=store.external_id,
        is_active=store.is_active,
        has_credentials=bool(store.credentials_encrypted),
        credentials_hint=store.credentials_hint,
        created_at=store.created_at,
    )


@router.get(
    "/stores",
    summary="List stores",
    response_model=PageOf[StoreRead],
    responses=errors(403, 422),
)
def list_stores(
    paging: Paging, session: DbSession, actor: Principal = Depends(needs(READ))
) -> dict[str, object]:
    return paging.out(service.stores_page(session, actor, paging.limit, paging.cursor), render)


@router.post(
    "/stores",
    summary="Connect a store",
    description="`credentials` (channel API secrets) are encrypted at rest and never returned; "
    "reads show `has_credentials` and a masked `credentials_hint`.",
    status_code=201,
    response_model=StoreRead,
    responses={**created("The store."), **errors(400, 403, 409, 413, 422)},
)
def create_store(
    data: StoreCreate,
    session: DbSession,
    idem: Idempotent,
    box: SecretBox = Depends(get_box),
    actor: Principal = Depends(needs(MANAGE)),
) -> StoreRead:
    return render(service.create_store(session, actor, data, box))


@router.get(
    "/stores/{store_id}",
    summary="Read a store",
    response_model=StoreRead,
    responses=errors(403, 404),
)
def read_store(
    store_id: str, session: DbSession, actor: Principal = Depends(needs(READ))
) -> StoreRead:
    return render(service.get_store(session, actor, store_id))


@router.patch(
    "/stores/{store_id}",
    summary="Update a store",
    description="Omitted or null fields are left unchanged; `credentials: {}` removes the "
    "stored credentials.",
    response_model=StoreRead,
    responses=errors(400, 403, 404, 409, 413, 422),
)
def update_store(
    store_id: str,
    data: StoreUpdate,
    session: DbSession,
    box: SecretBox = Depends(get_box),
    actor: Principal = Depends(needs(MANAGE)),
) -> StoreRead:
    return render(service.update_store(session, actor, store_id, data, box))


@router.delete(
    "/stores/{store_id}",
    summary="Delete a store",
    status_code=204,
    response_class=Response,
    responses=errors(403, 404, 409),
)
def delete_store(
    store_id: str, session: DbSession, actor: Principal = Depends(needs(MANAGE))
) -> Response:
    service.delete_store(session, actor, store_id)
    return Response(status_code=204)
