"""Store polling: read a store's sync state, set its interval, poll it now."""

from __future__ import annotations

from fastapi import Depends

from linkstar.api.deps import DbSession
from linkstar.api.routing import api_router, errors, needs
from linkstar.kit.clock import utcnow
from linkstar.orders.sync import service
from linkstar.orders.sync.schemas import StoreSyncRead, StoreSyncSet, SyncRequested
from linkstar.workspace import repository as wrepo
from linkstar.workspace.core import Permission, Principal

router = api_router("stores")
READ = Permission.workspace_read
MANAGE = Permission.workspace_manage


def _view(session: DbSession, actor: Principal, store_id: str) -> StoreSyncRead:
    row = service.sync_state(session, actor, store_id)
    store = wrepo.StoreRepository(session, actor.organisation_id).get(store_id)
    return StoreSyncRead.of(store_id, service.is_polled(store), row)


@router.get(
    "/stores/{store_id}/sync",
    summary="A store's polling state",
    description="Last poll, cursor (`updated_since` of the next poll), next run, last error.",
    response_model=StoreSyncRead,
    responses=errors(403, 404),
)
def read_sync(
    store_id: str, session: DbSession, actor: Principal = Depends(needs(READ))
) -> StoreSyncRead:
    return _view(session, actor, store_id)


@router.patch(
    "/stores/{store_id}/sync",
    summary="Set how often a store is polled, or switch polling off / on",
    description="Switching polling on again is refused (409) while the store still has the "
    "credentials it was switched off for (the demo stores' placeholder keys).",
    response_model=StoreSyncRead,
    responses=errors(400, 403, 404, 409, 413, 422),
)
def set_sync(
    store_id: str,
    data: StoreSyncSet,
    session: DbSession,
    actor: Principal = Depends(needs(MANAGE)),
) -> StoreSyncRead:
    if data.polling_enabled is not None:
        service.set_polling(session, actor, store_id, data.polling_enabled)
    if data.interval_minutes is not None:
        service.set_interval(session, actor, store_id, data.interval_minutes)
    return _view(session, actor, store_id)


@router.post(
    "/stores/{store_id}/sync",
    summary="Poll a store now",
    description="Enqueues `orders.poll_store` for the store (one per store and minute); "
    "409 when the store is inactive, has no credentials or is on a channel without a poller.",
    status_code=202,
    response_model=SyncRequested,
    responses=errors(403, 404, 409),
)
def request_sync(
    store_id: str, session: DbSession, actor: Principal = Depends(needs(MANAGE))
) -> SyncRequested:
    job = service.request_sync(session, actor, store_id, utcnow())
    return SyncRequested(store_id=store_id, job_id=job.id)
