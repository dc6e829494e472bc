"""Queries over webhook endpoints: scoped by organisation, except the look-up by token."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from linkstar.db.repository import Repository
from linkstar.tracking.hooks.models import WebhookEndpoint


class WebhookEndpointRepository(Repository[WebhookEndpoint]):
    model = WebhookEndpoint


def endpoint_by_token(session: Session, token: str) -> WebhookEndpoint | None:
    """The endpoint a public URL names, in any organisation.

    Unscoped on purpose, like the sign-in look-ups: the token is what finds the tenant.
    """
    return session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.token == token)).first()
