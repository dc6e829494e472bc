"""The audit log: who changed what, when, with the values before and after."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from linkstar.api.deps import DbSession
from linkstar.api.pagination import Paging
from linkstar.api.routing import api_router, errors, needs
from linkstar.api.schemas import PageOf
from linkstar.workspace import service
from linkstar.workspace.core import Permission, Principal
from linkstar.workspace.schemas import AuditRead

router = api_router("audit-log")


@router.get(
    "/audit-log",
    summary="List audit entries",
    description="Oldest first. Secrets (password and key hashes, credentials) never appear.",
    response_model=PageOf[AuditRead],
    responses=errors(403, 422),
)
def list_audit_entries(
    paging: Paging,
    session: DbSession,
    entity_type: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=60,
            description="Only entries about this kind of entity, e.g. `stores`, `users`.",
        ),
    ] = None,
    actor: Principal = Depends(needs(Permission.audit_read)),
) -> dict[str, object]:
    page = service.audit_page(session, actor, paging.limit, paging.cursor, entity_type)
    return paging.out(page, AuditRead.model_validate)
