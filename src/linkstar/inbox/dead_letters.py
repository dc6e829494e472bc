"""Inbox dead letters: the inbox sources' refused payloads, to retry or discard.

Contact forms that do not parse (source `contact_form`) and marketplace buyer messages that do
not (`<channel>_messages`) are kept in the one dead-letter table (`tracking_dead_letters`,
written by `tracking.ingest.dead_letter`); this module is the inbox's view of its own rows.
A retry parses the kept body again with the parser that refused it and stores the message in a
savepoint, so a retry that fails leaves nothing behind and the letter stays `new` with the new
reason. A marketplace message is kept with the context the poll parsed it in (`headers`:
`store_id`, `conversation_id` for TikTok Shop, `path`), and parsed again through
`inbox.channels.polling.parse_kept` (the poll's own parsers). Letters kept before that context
was stored cannot be parsed alone: their retry says so, and they can be discarded. Never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from linkstar.inbox.channels import contact_form
from linkstar.inbox.channels.errors import MessagePayloadError
from linkstar.inbox.channels.polling import parse_kept
from linkstar.inbox.core.inbound import InboundMessage
from linkstar.inbox.message_polls import failure_reason
from linkstar.inbox.store import ingest_messages
from linkstar.kit.errors import Conflict, NotFound
from linkstar.kit.pagination import Page
from linkstar.tracking.dead_letters import (
    INBOX_CONTACT_FORM,
    DeadLetterRepository,
    is_inbox_source,
    settle,
)
from linkstar.tracking.models import TrackingDeadLetter
from linkstar.workspace import repository as wrepo
from linkstar.workspace.core import Permission, Principal

STATES = ("new", "retried", "discarded")


class InboxDeadLetterRepository(DeadLetterRepository):
    """Only the rows of the inbox's sources."""

    def select(self) -> Select[Any]:
        """The organisation's dead letters whose source is a contact form or buyer messages."""
        return super().select().where(is_inbox_source())


@dataclass(frozen=True)
class RetryResult:
    dead_letter: TrackingDeadLetter
    messages: int  # messages stored by the retry
    error: str | None


def list_dead_letters(
    session: Session, actor: Principal, state: str, limit: int, cursor: str | None
) -> Page[TrackingDeadLetter]:
    """A page of the organisation's inbox dead letters in `state`, newest first."""
    actor.require(Permission.inbox_read)
    repo = InboxDeadLetterRepository(session, actor.organisation_id)
    return repo.page_newest_first(limit, cursor, state=state)


def retry(session: Session, actor: Principal, dead_id: str) -> RetryResult:
    """Parse a letter again as it was first parsed and store it; a failure keeps the letter."""
    actor.require(Permission.inbox_manage)
    dead = _open(session, actor, dead_id)
    try:
        with session.begin_nested():
            message = _parse(session, actor.organisation_id, dead)
            stored = ingest_messages(session, actor.organisation_id, [message] if message else [])
    except MessagePayloadError as exc:
        dead.reason = (
            exc.message
            if dead.source == INBOX_CONTACT_FORM
            else failure_reason(exc.reason, exc.path)
        )
        session.flush()
        return RetryResult(dead, 0, dead.reason)
    except _CannotRetry as exc:
        return RetryResult(dead, 0, str(exc))
    settle(session, actor, dead, "retried", "inbox_dead_letter.retry")
    return RetryResult(dead, stored.created, None)


class _CannotRetry(Exception):
    """The letter lacks what parsing it again needs; it stays as it is."""


def _parse(session: Session, org_id: str, dead: TrackingDeadLetter) -> InboundMessage | None:
    """The letter's message through the parser its source used (a poll's: with its store)."""
    if dead.source == INBOX_CONTACT_FORM:
        return contact_form.parse(dead.body.encode("utf-8"))
    context = dead.headers or {}
    store_id = str(context.get("store_id") or "")
    if not store_id:
        raise _CannotRetry(
            f"this {dead.source} payload was kept without its store (an older letter): read "
            "it here, answer the buyer on the marketplace, then discard it"
        )
    try:
        store = wrepo.StoreRepository(session, org_id).get(store_id)
    except NotFound:
        raise _CannotRetry(f"store {store_id} is gone: discard this letter") from None
    return parse_kept(
        store.channel,
        dead.body.encode("utf-8"),
        store_ref=store.id,
        conversation_id=str(context.get("conversation_id") or ""),
        path=str(context.get("path") or "$"),
    )


def discard(session: Session, actor: Principal, dead_id: str) -> TrackingDeadLetter:
    """Give up on a dead letter (kept, marked discarded)."""
    actor.require(Permission.inbox_manage)
    return settle(session, actor, _open(session, actor, dead_id), "discarded",
                  "inbox_dead_letter.discard")  # fmt: skip


def _open(session: Session, actor: Principal, dead_id: str) -> TrackingDeadLetter:
    try:
        dead = InboxDeadLetterRepository(session, actor.organisation_id).get(dead_id)
    except NotFound:
        raise NotFound(f"inbox dead letter {dead_id} not found") from None
    if dead.state != "new":
        raise Conflict(f"dead letter is {dead.state}, not new", {"state": dead.state})
    return dead
