"""Store authorisation: the seller's first OAuth consent on Amazon, eBay, Shopify, TikTok Shop."""

from __future__ import annotations

from fastapi import Depends, Request

from linkstar.api.deps import DbSession, get_box
from linkstar.api.routers.stores import render
from linkstar.api.routing import api_router, errors, needs
from linkstar.kit.crypto import SecretBox
from linkstar.orders.sync import consent
from linkstar.orders.sync.connect import environment
from linkstar.orders.sync.schemas import (
    AuthorisationComplete,
    AuthorisationStart,
    AuthorisationStarted,
)
from linkstar.workspace import repository as wrepo
from linkstar.workspace.core import Permission, Principal
from linkstar.workspace.schemas import StoreRead

router = api_router("stores")
MANAGE = Permission.workspace_manage


@router.post(
    "/stores/{store_id}/authorisation",
    summary="Start a store's consent on its platform",
    description="Returns the platform's consent URL for the store's own developer app (its "
    "keys in the store's credentials: 422 names the missing ones). `redirect_uri` defaults to "
    "this server's console callback, which completes the consent by itself; any other must be "
    "registered in the app, and the address the browser lands on is then sent to "
    "`…/authorisation/complete`.",
    response_model=AuthorisationStarted,
    responses=errors(400, 403, 404, 413, 422),
)
def start_authorisation(
    store_id: str,
    data: AuthorisationStart,
    request: Request,
    session: DbSession,
    box: SecretBox = Depends(get_box),
    actor: Principal = Depends(needs(MANAGE)),
) -> AuthorisationStarted:
    redirect = data.redirect_uri or str(request.base_url).rstrip("/") + consent.CALLBACK_PATH
    started = consent.start(session, actor, store_id, box, redirect, environment())
    return AuthorisationStarted(
        authorize_url=started.url, redirect_uri=started.redirect_uri, expires_at=started.expires_at
    )


@router.post(
    "/stores/{store_id}/authorisation/complete",
    summary="Complete a store's consent with the platform's redirect",
    description="Trades the redirect's one-time code at the platform and keeps the granted "
    "credentials (refresh token; Shopify's offline access token), encrypted and audited. 422 "
    "when the state is not this store's, was altered or expired (15 minutes), when the seller "
    "declined, or when the platform refuses the code; 502 when it fails to answer.",
    response_model=StoreRead,
    responses=errors(400, 403, 404, 413, 422, 502),
)
def complete_authorisation(
    store_id: str,
    data: AuthorisationComplete,
    session: DbSession,
    box: SecretBox = Depends(get_box),
    actor: Principal = Depends(needs(MANAGE)),
) -> StoreRead:
    wrepo.StoreRepository(session, actor.organisation_id).get(store_id)  # 404 before anything
    query = consent.callback_query(data.callback_url)
    return render(consent.complete(session, actor, query, box, environment(), store_id))
