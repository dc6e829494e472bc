"""The tracking dead letters: list them, retry one (parse again and store), or discard it.

Not the inbox's letters: it keeps its own in the same table and shows them on its own page
(`inbox.dead_letters`); `is_inbox_source` tells the two apart.

A retry parses the kept body with its source's parser (17TRACK, AfterShip, generic; a carrier
poll's answer with that API's, `poll_letters`) and stores the events in a savepoint, so a retry
that fails leaves nothing behind and the letter stays `new` with the new reason. Never commits:
the entry point does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, not_, or_
from sqlalchemy.orm import Session

from linkstar.db.repository import Repository
from linkstar.kit.errors import Conflict
from linkstar.kit.pagination import Page
from linkstar.tracking.connectors.errors import TrackingPayloadError
from linkstar.tracking.connectors.webhooks import SOURCES
from linkstar.tracking.ingest import ingest
from linkstar.tracking.models import TrackingDeadLetter
from linkstar.tracking.poll_letters import parse_poll_letter, poll_api
from linkstar.workspace import audit
from linkstar.workspace.core import Permission, Principal

STATES = ("new", "retried", "discarded")


class DeadLetterRepository(Repository[TrackingDeadLetter]):
    """Every source's rows of the one dead-letter table (each view narrows it to its own)."""

    model = TrackingDeadLetter
    order_column = "received_at"


# The inbox keeps its refused payloads in this table too: contact forms (`contact_form`) and
# marketplace buyer messages (`<store channel>_messages`). Each view shows one side of this.
INBOX_CONTACT_FORM = "contact_form"
INBOX_MESSAGES_SUFFIX = "_messages"


def is_inbox_source() -> ColumnElement[bool]:
    """True for the rows of the inbox's sources (Inbox → Dead letters), false for tracking's."""
    source = TrackingDeadLetter.source
    return or_(
        source == INBOX_CONTACT_FORM,
        source.like(f"%\\{INBOX_MESSAGES_SUFFIX}", escape="\\"),
    )


class TrackingDeadLetterRepository(DeadLetterRepository):
    """Every row but the inbox's (Tracking → Dead letters)."""

    def select(self) -> Select[Any]:
        return super().select().where(not_(is_inbox_source()))


@dataclass(frozen=True)
class RetryResult:
    dead_letter: TrackingDeadLetter
    events: int
    error: str | None


def list_dead_letters(
    session: Session, actor: Principal, state: str, limit: int, cursor: str | None
) -> Page[TrackingDeadLetter]:
    """A page of the organisation's dead letters in `state`, newest first."""
    actor.require(Permission.tracking_read)
    repo = TrackingDeadLetterRepository(session, actor.organisation_id)
    return repo.page_newest_first(limit, cursor, state=state)


def retry(session: Session, actor: Principal, dead_id: str) -> RetryResult:
    """Parse a dead letter again and store its events; a failure keeps it, with the reason."""
    actor.require(Permission.tracking_write)
    dead = _open(session, actor, dead_id)
    sender, api = SOURCES.get(dead.source), poll_api(dead.source)
    if sender is None and api is None:
        return RetryResult(dead, 0, f"source {dead.source!r} has no parser to retry with")
    try:
        with session.begin_nested():
            if api is not None:
                number = (dead.headers or {}).get("x-poll-number")
                updates = parse_poll_letter(session, actor.organisation_id, api, dead.body,
                                            number)  # fmt: skip
            else:
                assert sender is not None
                updates = sender.parse(dead.body.encode("utf-8"))
            report = ingest(session, actor.organisation_id, updates)
    except TrackingPayloadError as exc:
        dead.reason = f"{exc.path}: {exc.reason}"
        session.flush()
        return RetryResult(dead, 0, dead.reason)
    settle(session, actor, dead, "retried", "tracking_dead_letter.retry")
    return RetryResult(dead, report.events_inserted, None)


def discard(session: Session, actor: Principal, dead_id: str) -> TrackingDeadLetter:
    """Give up on a dead letter (kept, marked discarded)."""
    actor.require(Permission.tracking_write)
    return settle(session, actor, _open(session, actor, dead_id), "discarded",
                  "tracking_dead_letter.discard")  # fmt: skip


def settle(
    session: Session, actor: Principal, dead: TrackingDeadLetter, state: str, action: str
) -> TrackingDeadLetter:
    """Mark a dead letter retried or discarded, with its audit entry (every dead-letter view)."""
    dead.state = state
    audit.record(session, actor, action, dead, after={"state": state})
    session.flush()
    return dead


def _open(session: Session, actor: Principal, dead_id: str) -> TrackingDeadLetter:
    dead = TrackingDeadLetterRepository(session, actor.organisation_id).get(dead_id)
    if dead.state != "new":
        raise Conflict(f"dead letter is {dead.state}, not new", {"state": dead.state})
    return dead
