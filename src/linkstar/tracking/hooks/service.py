"""Use cases of webhook endpoints: create (the secret is shown once), list, delete.

Never commits: the entry point does. Receiving a delivery is `receive.py`.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy.orm import Session

from linkstar.kit.crypto import SecretBox, mask
from linkstar.kit.errors import InvalidInput
from linkstar.kit.pagination import Page
from linkstar.tracking.hooks import endpoints as endpoint_cache
from linkstar.tracking.hooks.models import WebhookEndpoint
from linkstar.tracking.hooks.repository import WebhookEndpointRepository
from linkstar.tracking.hooks.schemas import (
    SENDER_SECRET,
    STORE_CHANNEL,
    EndpointKind,
    WebhookEndpointCreate,
    WebhookEndpointCreated,
    WebhookEndpointRead,
)
from linkstar.workspace import audit
from linkstar.workspace import repository as workspace_repo
from linkstar.workspace.core import Permission, Principal

HOOKS_PREFIX = "/hooks/"


def url_path(endpoint: WebhookEndpoint) -> str:
    """The path a sender posts to."""
    return HOOKS_PREFIX + endpoint.token


def render(endpoint: WebhookEndpoint) -> WebhookEndpointRead:
    """The public view of an endpoint: never the secret, only its hint."""
    return WebhookEndpointRead(
        id=endpoint.id,
        kind=EndpointKind(endpoint.kind),
        store_id=endpoint.store_id,
        url_path=url_path(endpoint),
        secret_hint=endpoint.secret_hint,
        app_key=endpoint.app_key,
        is_active=endpoint.is_active,
        last_received_at=endpoint.last_received_at,
        created_at=endpoint.created_at,
    )


def endpoints_page(
    session: Session, actor: Principal, limit: int, cursor: str | None
) -> Page[WebhookEndpoint]:
    """A page of the organisation's endpoints, oldest first."""
    actor.require(Permission.workspace_manage)
    return WebhookEndpointRepository(session, actor.organisation_id).page(limit, cursor)


def list_endpoints(session: Session, actor: Principal) -> list[WebhookEndpoint]:
    """Every endpoint of the organisation, oldest first."""
    actor.require(Permission.workspace_manage)
    return WebhookEndpointRepository(session, actor.organisation_id).list()


def create_endpoint(
    session: Session, actor: Principal, data: WebhookEndpointCreate, box: SecretBox
) -> WebhookEndpointCreated:
    """Open a new endpoint; the answer carries the secret, which is never shown again."""
    actor.require(Permission.workspace_manage)
    kind = data.kind
    store_id = _check_store(session, actor.organisation_id, kind, data.store_id)
    if kind is EndpointKind.orders_tiktok and not data.app_key:
        raise InvalidInput("orders:tiktok needs the app_key of the TikTok Shop app", _f("app_key"))
    if kind is not EndpointKind.orders_tiktok and data.app_key:
        raise InvalidInput("app_key is only used by orders:tiktok", _f("app_key"))
    if kind in SENDER_SECRET and not data.secret:
        raise InvalidInput(
            f"{kind.value} needs the secret the sender signs with (copy it from its settings)",
            _f("secret"),
        )
    secret = data.secret or secrets.token_hex(32)
    if secret != secret.strip() or "\x00" in secret:
        raise InvalidInput("secret must not contain NUL or surrounding spaces", _f("secret"))
    endpoint = WebhookEndpoint(
        kind=kind.value,
        store_id=store_id,
        token=secrets.token_urlsafe(24),
        secret_encrypted=box.seal({"secret": secret}),
        secret_hint=mask(secret),
        app_key=data.app_key or "",
        is_active=True,
    )
    WebhookEndpointRepository(session, actor.organisation_id).add(endpoint)
    audit.record(session, actor, "webhook_endpoint.create", endpoint, after=_audited(endpoint))
    return WebhookEndpointCreated(**render(endpoint).model_dump(), secret=secret)


def delete_endpoint(session: Session, actor: Principal, endpoint_id: str) -> None:
    """Close an endpoint: its URL answers 404 from now on (jobs already queued still run)."""
    actor.require(Permission.workspace_manage)
    endpoints = WebhookEndpointRepository(session, actor.organisation_id)
    endpoint = endpoints.get(endpoint_id)
    before = _audited(endpoint)
    endpoints.delete(endpoint)
    audit.record(session, actor, "webhook_endpoint.delete", endpoint, before=before)
    endpoint_cache.forget(endpoint.token)


def _check_store(session: Session, org_id: str, kind: EndpointKind, store_id: str | None) -> Any:
    if kind.domain != "orders":
        if store_id is not None:
            raise InvalidInput(f"{kind.value} takes no store_id", _f("store_id"))
        return None
    if store_id is None:
        raise InvalidInput(f"{kind.value} needs the store_id orders go into", _f("store_id"))
    store = workspace_repo.StoreRepository(session, org_id).get(store_id)
    wanted = STORE_CHANNEL.get(kind)
    if wanted is not None and store.channel != wanted:
        raise InvalidInput(
            f"{kind.value} needs a {wanted} store; store {store.name!r} is {store.channel}",
            _f("store_id"),
        )
    return store.id


def _audited(endpoint: WebhookEndpoint) -> dict[str, Any]:
    # Never the sealed secret; the token is the public address, kept for "which URL was it".
    return {
        "kind": endpoint.kind,
        "store_id": endpoint.store_id,
        "token": endpoint.token,
        "secret_hint": endpoint.secret_hint,
        "app_key": endpoint.app_key,
    }


def _f(field: str) -> dict[str, str]:
    return {"field": field}
