"""Users of the organisation and their roles."""

from __future__ import annotations

from fastapi import Depends

from linkstar.api.deps import DbSession
from linkstar.api.idempotency import Idempotent
from linkstar.api.pagination import Paging
from linkstar.api.routing import api_router, created, errors, needs
from linkstar.api.schemas import PageOf
from linkstar.workspace import access
from linkstar.workspace.core import Permission, Principal
from linkstar.workspace.schemas import UserCreate, UserRead, UserUpdate

router = api_router("users")
READ = Permission.workspace_read
MANAGE = Permission.users_manage


@router.get(
    "/users",
    summary="List users",
    response_model=PageOf[UserRead],
    responses=errors(403, 422),
)
def list_users(
    paging: Paging, session: DbSession, actor: Principal = Depends(needs(READ))
) -> dict[str, object]:
    page = access.users_page(session, actor, paging.limit, paging.cursor)
    return paging.out(page, UserRead.model_validate)


@router.post(
    "/users",
    summary="Add a user",
    description="Nobody grants a role above their own, and only owners grant `owner` (403). "
    "E-mail addresses are unique across all organisations (409).",
    status_code=201,
    response_model=UserRead,
    responses={**created("The user."), **errors(400, 403, 409, 413, 422)},
)
def create_user(
    data: UserCreate,
    session: DbSession,
    idem: Idempotent,
    actor: Principal = Depends(needs(MANAGE)),
) -> UserRead:
    return UserRead.model_validate(access.create_user(session, actor, data))


@router.get(
    "/users/{user_id}",
    summary="Read a user",
    response_model=UserRead,
    responses=errors(403, 404),
)
def read_user(
    user_id: str, session: DbSession, actor: Principal = Depends(needs(READ))
) -> UserRead:
    return UserRead.model_validate(access.get_user(session, actor, user_id))


@router.patch(
    "/users/{user_id}",
    summary="Update a user",
    description="Change the name, role, activity or password. Nobody edits a user above "
    "their own role (403); the last active owner cannot be demoted or deactivated (409).",
    response_model=UserRead,
    responses=errors(400, 403, 404, 409, 413, 422),
)
def update_user(
    user_id: str,
    data: UserUpdate,
    session: DbSession,
    actor: Principal = Depends(needs(MANAGE)),
) -> UserRead:
    return UserRead.model_validate(access.update_user(session, actor, user_id, data))
