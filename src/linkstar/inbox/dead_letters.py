"""Inbox dead letters: the inbox sources' refused payloads, to retry or discard.

Contact forms that do not parse (source `contact_form`) and marketplace buyer messages that do
not (`<channel>_messages`) are kept in the one dead-letter table (`tracking_dead_letters`,
written by `tracking.ingest.dead_letter`); this module is the inbox's view of its own rows.
A contact form is retried by parsing the kept body again and storing the message in a
savepoint, so a retry that fails leaves nothing behind and the letter stays `new` with the new
reason. A marketplace message was cut out of a page without its store and conversation, so it
cannot be parsed alone: its retry says so, and it can be discarded. Never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, or_
from sqlalchemy.orm import Session

from linkstar.inbox.channels import contact_form
from linkstar.inbox.channels.errors import MessagePayloadError
from linkstar.inbox.store import ingest_messages
from linkstar.kit.errors import Conflict, NotFound
from linkstar.kit.pagination import Page
from linkstar.tracking.dead_letters import DeadLetterRepository, settle
from linkstar.tracking.models import TrackingDeadLetter
from linkstar.workspace.core import Permission, Principal

STATES = ("new", "retried", "discarded")
CONTACT_FORM = "contact_form"
_MESSAGES_SUFFIX = "_messages"
D = TrackingDeadLetter


class InboxDeadLetterRepository(DeadLetterRepository):
    """Only the rows of the inbox's sources."""

    def select(self) -> Select[Any]:
        """The organisation's dead letters whose source is a contact form or buyer messages."""
        mine = or_(D.source == CONTACT_FORM, D.source.like(f"%\\{_MESSAGES_SUFFIX}", escape="\\"))
        return super().select().where(mine)


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
    """Parse a contact form again and store it; a failure keeps the letter, with the reason."""
    actor.require(Permission.inbox_manage)
    dead = _open(session, actor, dead_id)
    if dead.source != CONTACT_FORM:
        reason = (
            f"a {dead.source} payload cannot be parsed alone (its store and conversation are "
            "not kept): read it here, answer the buyer on the marketplace, then discard it"
        )
        return RetryResult(dead, 0, reason)
    try:
        with session.begin_nested():
            message = contact_form.parse(dead.body.encode("utf-8"))
            stored = ingest_messages(session, actor.organisation_id, [message])
    except MessagePayloadError as exc:
        dead.reason = exc.message
        session.flush()
        return RetryResult(dead, 0, dead.reason)
    settle(session, actor, dead, "retried", "inbox_dead_letter.retry")
    return RetryResult(dead, stored.created, None)


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
