"""API keys: machine credentials with scopes, shown once, stored hashed."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from linkstar.api.deps import DbSession
from linkstar.api.idempotency import IdempotencyGuard, idempotency
from linkstar.api.pagination import Paging
from linkstar.api.routing import api_router, created, errors, needs
from linkstar.api.schemas import PageOf
from linkstar.workspace import access
from linkstar.workspace.core import Permission, Principal
from linkstar.workspace.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyRead

router = api_router("api-keys")
MANAGE = Permission.apikeys_manage

# The one-time secret is never stored for replays: a replay answers without `key`.
KeyIdempotency = Annotated[IdempotencyGuard | None, Depends(idempotency(redact={"key"}))]


@router.get(
    "/api-keys",
    summary="List API keys",
    description="Revoked and expired keys included; secrets are never shown again.",
    response_model=PageOf[ApiKeyRead],
    responses=errors(403, 422),
)
def list_api_keys(
    paging: Paging, session: DbSession, actor: Principal = Depends(needs(MANAGE))
) -> dict[str, object]:
    page = access.api_keys_page(session, actor, paging.limit, paging.cursor)
    return paging.out(page, ApiKeyRead.model_validate)


@router.post(
    "/api-keys",
    summary="Create an API key",
    description="The response carries the secret `key` once; only its hash is stored. Scopes "
    "must be permissions the caller holds (403). A replayed `Idempotency-Key` returns the "
    "key's record without `key`: the secret is not kept for replays.",
    status_code=201,
    response_model=ApiKeyCreated,
    responses={**created("The key, with its secret."), **errors(400, 403, 409, 413, 422)},
)
def create_api_key(
    data: ApiKeyCreate,
    session: DbSession,
    idem: KeyIdempotency,
    actor: Principal = Depends(needs(MANAGE)),
) -> ApiKeyCreated:
    key, secret = access.create_api_key(session, actor, data)
    return ApiKeyCreated(**ApiKeyRead.model_validate(key).model_dump(), key=secret)


@router.post(
    "/api-keys/{key_id}/revoke",
    summary="Revoke an API key",
    description="Takes effect at once. Revoking a revoked key keeps the first revocation time.",
    response_model=ApiKeyRead,
    responses=errors(403, 404),
)
def revoke_api_key(
    key_id: str, session: DbSession, actor: Principal = Depends(needs(MANAGE))
) -> ApiKeyRead:
    return ApiKeyRead.model_validate(access.revoke_api_key(session, actor, key_id))
