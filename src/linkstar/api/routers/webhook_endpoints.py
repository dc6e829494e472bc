"""Webhook endpoints: the public URLs marketplaces and tracking aggregators push to."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Response

from linkstar.api.deps import DbSession, get_box
from linkstar.api.idempotency import IdempotencyGuard, idempotency
from linkstar.api.pagination import Paging
from linkstar.api.routing import api_router, created, errors, needs
from linkstar.api.schemas import PageOf
from linkstar.kit.crypto import SecretBox
from linkstar.tracking.hooks import service
from linkstar.tracking.hooks.schemas import (
    WebhookEndpointCreate,
    WebhookEndpointCreated,
    WebhookEndpointRead,
)
from linkstar.workspace.core import Permission, Principal

router = api_router("webhooks")
MANAGE = Permission.workspace_manage
# A replayed create never shows the secret again: it is not stored with the response.
SecretIdempotency = Annotated[IdempotencyGuard | None, Depends(idempotency(redact={"secret"}))]


@router.get(
    "/webhook-endpoints",
    summary="List webhook endpoints",
    description="Every endpoint with its URL path, kind, store and last delivery; "
    "never the secret (only a masked hint).",
    response_model=PageOf[WebhookEndpointRead],
    responses=errors(403, 422),
)
def list_endpoints(
    paging: Paging, session: DbSession, actor: Principal = Depends(needs(MANAGE))
) -> dict[str, object]:
    """A page of the organisation's webhook endpoints."""
    page = service.endpoints_page(session, actor, paging.limit, paging.cursor)
    return paging.out(page, service.render)


@router.post(
    "/webhook-endpoints",
    summary="Open a webhook endpoint",
    description="Returns `url_path` (POST deliveries to it, no login) and `secret` ONCE. "
    "`orders:*` kinds need `store_id` (a Shopify store for orders:shopify, a TikTok Shop "
    "store for orders:tiktok); orders:tiktok needs `app_key`; the sender's own secret is "
    "required except for `*:generic`, where one is generated when omitted. "
    "See docs/formats/webhooks.md.",
    status_code=201,
    response_model=WebhookEndpointCreated,
    responses={**created("The endpoint, with its secret."), **errors(400, 403, 404, 409, 413, 422)},
)
def create_endpoint(
    data: WebhookEndpointCreate,
    session: DbSession,
    idem: SecretIdempotency,
    box: SecretBox = Depends(get_box),
    actor: Principal = Depends(needs(MANAGE)),
) -> WebhookEndpointCreated:
    """Open an endpoint and show its secret once."""
    return service.create_endpoint(session, actor, data, box)


@router.delete(
    "/webhook-endpoints/{endpoint_id}",
    summary="Delete a webhook endpoint",
    description="Its URL answers 404 from now on; deliveries already accepted are processed.",
    status_code=204,
    response_class=Response,
    responses=errors(403, 404),
)
def delete_endpoint(
    endpoint_id: str, session: DbSession, actor: Principal = Depends(needs(MANAGE))
) -> Response:
    """Delete one endpoint."""
    service.delete_endpoint(session, actor, endpoint_id)
    return Response(status_code=204)
