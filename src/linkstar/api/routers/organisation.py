"""The caller's organisation and the caller itself."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from linkstar.api.deps import DbSession, get_principal
from linkstar.api.routing import api_router, errors, needs
from linkstar.api.schemas import MeRead
from linkstar.workspace import access, service
from linkstar.workspace.core import Permission, Principal
from linkstar.workspace.schemas import OrganisationRead, OrganisationUpdate

router = api_router("organisation")


@router.get(
    "/me",
    summary="Who am I",
    description="The authenticated principal: user or API key, role, permissions, organisation.",
    response_model=MeRead,
)
def read_me(session: DbSession, actor: Annotated[Principal, Depends(get_principal)]) -> MeRead:
    org = access.whoami(session, actor)
    return MeRead(
        actor_type=actor.actor_type,
        actor_id=actor.actor_id,
        label=actor.label,
        role=actor.role,
        permissions=sorted(actor.permissions, key=lambda p: p.value),
        organisation=OrganisationRead.model_validate(org),
    )


@router.get(
    "/organisation",
    summary="Read the organisation",
    response_model=OrganisationRead,
    responses=errors(403),
)
def read_organisation(
    session: DbSession, actor: Principal = Depends(needs(Permission.workspace_read))
) -> OrganisationRead:
    return OrganisationRead.model_validate(service.get_organisation(session, actor))


@router.patch(
    "/organisation",
    summary="Update the organisation",
    description="Change the name, timezone, base currency or audit retention (90-3650 days). "
    "Omitted or null fields are left unchanged.",
    response_model=OrganisationRead,
    responses=errors(400, 403, 413, 422),
)
def update_organisation(
    data: OrganisationUpdate,
    session: DbSession,
    actor: Principal = Depends(needs(Permission.workspace_manage)),
) -> OrganisationRead:
    return OrganisationRead.model_validate(service.update_organisation(session, actor, data))
