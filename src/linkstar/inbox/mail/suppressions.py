"""The cross-channel suppression list and RFC 8058 one-click unsubscribe tokens.

Never commits: the entry point does. Every outbound send asks `is_suppressed` (or
`suppressed_checker`, which `channels.smtp.send` requires) first.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from linkstar.inbox.mail.models import Suppression, UnsubscribeToken
from linkstar.inbox.mail.repository import (
    SuppressionRepository,
    UnsubscribeTokenRepository,
    token_row,
)
from linkstar.inbox.mail.schemas import (
    SuppressionChannel,
    SuppressionCreate,
    SuppressionRead,
    SuppressionReason,
)
from linkstar.kit.errors import InvalidInput
from linkstar.kit.pagination import Page
from linkstar.workspace import audit
from linkstar.workspace.core import Permission, Principal

UNSUBSCRIBE_PREFIX = "/u/"


def normalise(address: str) -> str:
    """The form addresses are stored and compared in: trimmed, lower-case."""
    value = address.strip().lower()
    if not value or "\x00" in value or any(c.isspace() for c in value):
        raise InvalidInput(
            "an address must be non-empty and contain no spaces", {"field": "address"}
        )
    return value


def is_suppressed(session: Session, organisation_id: str, address: str, channel: str) -> bool:
    """True when `address` may not be contacted on `channel` (or on every channel)."""
    repo = SuppressionRepository(session, organisation_id)
    return repo.matching(normalise(address), channel) is not None


def suppressed_checker(
    session: Session, organisation_id: str, channel: str
) -> Callable[[str], bool]:
    """A check for `channels.smtp.send(suppressed=…)` bound to one organisation and channel."""
    return lambda address: is_suppressed(session, organisation_id, address, channel)


def suppress(
    session: Session,
    organisation_id: str,
    address: str,
    *,
    channel: str = "all",
    reason: SuppressionReason = SuppressionReason.manual,
    note: str = "",
) -> tuple[Suppression, bool]:
    """Add `address` to the list (idempotent); returns the row and whether it is new."""
    SuppressionChannel(channel)  # ValueError for an unknown channel: a programming error
    repo = SuppressionRepository(session, organisation_id)
    value = normalise(address)
    existing = repo.find(address=value, channel=channel)
    if existing is not None:
        return existing, False
    row = Suppression(address=value, channel=channel, reason=reason.value, note=note[:500])
    try:
        with session.begin_nested():
            repo.add(row)
    except IntegrityError:  # a concurrent request added it first
        found = repo.find(address=value, channel=channel)
        if found is None:
            raise
        return found, False
    return row, True


def render(row: Suppression) -> SuppressionRead:
    """The public view of one suppression."""
    return SuppressionRead.model_validate(row)


def suppressions_page(
    session: Session,
    actor: Principal,
    limit: int,
    cursor: str | None,
    channel: SuppressionChannel | None = None,
) -> Page[Suppression]:
    """A page of the list, newest first, optionally of one channel."""
    actor.require(Permission.inbox_read)
    filters: dict[str, Any] = {} if channel is None else {"channel": channel.value}
    repo = SuppressionRepository(session, actor.organisation_id)
    return repo.page_newest_first(limit, cursor, **filters)


def add_suppression(session: Session, actor: Principal, data: SuppressionCreate) -> Suppression:
    """Add an address by hand (or any reason an operator gives); audited."""
    actor.require(Permission.inbox_manage)
    row, created = suppress(
        session,
        actor.organisation_id,
        data.address,
        channel=data.channel.value,
        reason=data.reason,
        note=data.note,
    )
    if created:
        audit.record(session, actor, "suppression.add", row, after=_audited(row))
    return row


def remove_suppression(session: Session, actor: Principal, suppression_id: str) -> None:
    """Take an address off the list (it may be contacted again); audited."""
    actor.require(Permission.inbox_manage)
    repo = SuppressionRepository(session, actor.organisation_id)
    row = repo.get(suppression_id)
    before = _audited(row)
    repo.delete(row)
    audit.record(session, actor, "suppression.remove", row, before=before)


def issue_token(
    session: Session,
    organisation_id: str,
    address: str,
    *,
    channel: str = "email",
    campaign: str = "",
) -> UnsubscribeToken:
    """A new unsubscribe token for one recipient of one outreach message."""
    row = UnsubscribeToken(
        token=secrets.token_urlsafe(32),
        address=normalise(address),
        channel=SuppressionChannel(channel).value,
        campaign=campaign[:120],
    )
    return UnsubscribeTokenRepository(session, organisation_id).add(row)


def unsubscribe_links(base_url: str, token: str, mailto_address: str) -> tuple[str, str]:
    """The https URL and the mailto address of `List-Unsubscribe` for a token."""
    if not base_url.startswith("https://"):
        raise InvalidInput("RFC 8058 needs the public base URL to be https")
    local, _, domain = mailto_address.partition("@")
    url = base_url.rstrip("/") + UNSUBSCRIBE_PREFIX + quote(token, safe="")
    return url, f"{local}+{token}@{domain}" if domain else f"{mailto_address}?subject={token}"


def find_token(session: Session, token: str) -> UnsubscribeToken | None:
    """The token row a public URL names (any organisation), or None."""
    if not token or len(token) > 64:
        return None
    return token_row(session, token)


def unsubscribe(session: Session, token: str, *, now: datetime) -> Suppression | None:
    """One-click unsubscribe: suppress the token's address; None for an unknown token."""
    row = find_token(session, token)
    if row is None:
        return None
    if row.used_at is None:
        row.used_at = now
    suppression, _ = suppress(
        session,
        row.organisation_id,
        row.address,
        channel=row.channel,
        reason=SuppressionReason.unsubscribe,
        note=f"one-click unsubscribe{': ' + row.campaign if row.campaign else ''}",
    )
    return suppression


def _audited(row: Suppression) -> dict[str, Any]:
    return {"address": row.address, "channel": row.channel, "reason": row.reason, "note": row.note}
