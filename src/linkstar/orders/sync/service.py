"""Polling one store: pages ingested as they arrive, a cursor that never skips an order.

A poll asks the channel for orders updated since the store's cursor. Each page is ingested
(source "poll") as soon as it arrives, unparseable payloads become dead letters. When the
platform throttles beyond what a job should wait (429 with Retry-After, an empty bucket), or
keeps failing, the poll stops: what was ingested stays, the cursor stays at the last fully
ingested page (ascending pollers) or at the window's start (the others), and the next run is
enqueued after the platform's delay. Ingestion is idempotent, so asking again never duplicates.
Services never commit: the job, API request or CLI command owns the transaction.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from linkstar.db.outbox import OutboxJob, enqueue_unique
from linkstar.kit.crypto import SecretBox
from linkstar.kit.errors import Conflict, InvalidInput, LinkStarError
from linkstar.orders.connectors.clients import OVERLAP, ChannelUnavailable
from linkstar.orders.connectors.errors import PayloadError
from linkstar.orders.connectors.pollers import PARSERS
from linkstar.orders.ingest import Item, ingest, record_dead_letter
from linkstar.orders.sync.buckets import keep_bucket, resume_bucket, store_state
from linkstar.orders.sync.connect import POLLED, SyncEnvironment, connect, environment
from linkstar.orders.sync.credentials import open_credentials
from linkstar.orders.sync.models import StoreSync
from linkstar.workspace import repository as wrepo
from linkstar.workspace.core import Permission, Principal
from linkstar.workspace.models import Store

POLL_JOB = "orders.poll_store"
# The first poll of a store looks this far back.
FIRST_WINDOW = timedelta(days=7)
MAX_BACKOFF = timedelta(hours=1)


@dataclass
class PollOutcome:
    """What one poll did."""

    store_id: str
    status: str  # ok | throttled | error
    fetched: int = 0
    created: int = 0
    updated: int = 0
    dead_letters: int = 0
    pages: int = 0
    cursor: datetime | None = None
    next_run_at: datetime | None = None
    error: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "store_id": self.store_id,
            "status": self.status,
            "fetched": self.fetched,
            "created": self.created,
            "updated": self.updated,
            "dead_letters": self.dead_letters,
            "pages": self.pages,
            "cursor": self.cursor.isoformat() if self.cursor else None,
            "next_run_at": self.next_run_at.isoformat() if self.next_run_at else None,
            "error": self.error,
        }


def job_key(store_id: str, when: datetime | None) -> str:
    """The outbox idempotency key of the poll due at `when` (None: the store's first poll)."""
    return f"{POLL_JOB}:{store_id}@{when.isoformat() if when else 'first'}"


def is_polled(store: Store) -> bool:
    """Active, with credentials, on a channel that has a poller."""
    return bool(store.is_active and store.credentials_encrypted and store.channel in POLLED)


def sync_state(session: Session, actor: Principal, store_id: str) -> StoreSync | None:
    """A store's sync state, or None before its first poll (NotFound for unknown stores)."""
    actor.require(Permission.workspace_read)
    wrepo.StoreRepository(session, actor.organisation_id).get(store_id)
    return session.scalars(
        select(StoreSync).where(
            StoreSync.organisation_id == actor.organisation_id, StoreSync.store_id == store_id
        )
    ).first()


def sync_states(session: Session, organisation_id: str) -> dict[str, StoreSync]:
    """Every sync state of the organisation by store id (the console's stores table)."""
    rows = session.scalars(select(StoreSync).where(StoreSync.organisation_id == organisation_id))
    return {row.store_id: row for row in rows}


def set_interval(session: Session, actor: Principal, store_id: str, minutes: int) -> StoreSync:
    """Set how often the store is polled; the next run moves accordingly when one is planned."""
    actor.require(Permission.workspace_manage)
    wrepo.StoreRepository(session, actor.organisation_id).get(store_id)
    if not 1 <= minutes <= 1440:
        raise InvalidInput("interval_minutes must be 1-1440", {"field": "interval_minutes"})
    state = store_state(session, actor.organisation_id, store_id, lock=True)
    state.interval_seconds = minutes * 60
    if state.next_run_at is not None and state.last_poll_at is not None and state.failures == 0:
        state.next_run_at = state.last_poll_at + timedelta(minutes=minutes)
    session.flush()
    return state


def credentials_digest(store: Store) -> str:
    """A digest of the store's sealed credentials (changes whenever they are replaced)."""
    return hashlib.sha256((store.credentials_encrypted or "").encode()).hexdigest()


def pause_polling(session: Session, org_id: str, store_id: str, note: str) -> StoreSync:
    """Switch a store's polling off, remembering which credentials it was switched off for."""
    store = wrepo.StoreRepository(session, org_id).get(store_id)
    state = store_state(session, org_id, store_id, lock=True)
    state.polling_enabled = False
    state.polling_note = note[:200]
    state.paused_credentials = credentials_digest(store)
    state.next_run_at = None
    session.flush()
    return state


def set_polling(session: Session, actor: Principal, store_id: str, enabled: bool) -> StoreSync:
    """Switch polling off, or on again once the credentials differ from those it was paused
    for (the demo's placeholder keys would fail every poll)."""
    actor.require(Permission.workspace_manage)
    if not enabled:
        return pause_polling(session, actor.organisation_id, store_id, "switched off by a user")
    store = wrepo.StoreRepository(session, actor.organisation_id).get(store_id)
    state = store_state(session, actor.organisation_id, store_id, lock=True)
    if not state.polling_enabled:
        if state.paused_credentials and state.paused_credentials == credentials_digest(store):
            raise Conflict(
                "enter the store's real credentials before switching polling on: "
                + (state.polling_note or "polling was switched off for these credentials"),
                {"field": "polling_enabled"},
            )
        if not is_polled(store):
            raise Conflict("the store cannot be polled: it needs credentials and a polled channel")
    state.polling_enabled, state.polling_note, state.paused_credentials = True, "", ""
    session.flush()
    return state


def request_sync(session: Session, actor: Principal, store_id: str, now: datetime) -> OutboxJob:
    """Enqueue a poll of the store now (Conflict when the store cannot be polled)."""
    actor.require(Permission.workspace_manage)
    store = wrepo.StoreRepository(session, actor.organisation_id).get(store_id)
    if not is_polled(store):
        raise Conflict(
            "the store cannot be polled: it must be active, have credentials and be on "
            "Shopify, Amazon, TikTok Shop, eBay or Walmart"
        )
    state = sync_states(session, actor.organisation_id).get(store_id)
    if state is not None and not state.polling_enabled:
        raise Conflict(f"polling of this store is off: {state.polling_note}")
    minute = now.astimezone(UTC).replace(second=0, microsecond=0)
    job, _new = enqueue_unique(
        session,
        POLL_JOB,
        {"store_id": store_id},
        organisation_id=actor.organisation_id,
        idempotency_key=f"{POLL_JOB}:{store_id}:manual@{minute.isoformat()}",
    )
    return job


def plan_polls(session: Session, org_id: str, now: datetime) -> list[str]:
    """Enqueue a poll for every polled store whose next run is due; returns their store ids."""
    states = sync_states(session, org_id)
    due: list[str] = []
    for store in wrepo.StoreRepository(session, org_id).list(is_active=True):
        if not is_polled(store):
            continue
        state = states.get(store.id)
        if state is not None and not state.polling_enabled:
            continue
        when = state.next_run_at if state else None
        if when is not None and when > now:
            continue
        _job, new = enqueue_unique(
            session,
            POLL_JOB,
            {"store_id": store.id},
            organisation_id=org_id,
            idempotency_key=job_key(store.id, when),
        )
        if new:
            due.append(store.id)
    return due


def poll_store(
    session: Session,
    org_id: str,
    store_id: str,
    box: SecretBox,
    env: SyncEnvironment | None = None,
) -> PollOutcome:
    """Poll one store once; see the module docstring. Never commits."""
    env = env or environment()
    store = wrepo.StoreRepository(session, org_id).get(store_id)
    state = store_state(session, org_id, store_id, lock=True)
    started = env.clock.utcnow()
    state.last_poll_at = started
    outcome = PollOutcome(store_id, "ok")
    try:
        if not is_polled(store):
            raise InvalidInput("the store is inactive, has no credentials or is not polled")
        conn = connect(store.id, store.channel, open_credentials(session, store, box, env), env)
    except LinkStarError as exc:  # bad, undecryptable or refused credentials: shown on the store
        return _finish(session, state, outcome, env, error=exc.message, retry=None)
    except ChannelUnavailable as exc:  # the token endpoint failed: like a failing page
        return _finish(session, state, outcome, env, error=str(exc), retry=exc.retry_after)
    bucket = conn.http.bucket
    resume_bucket(bucket, state)
    since = state.cursor or started - FIRST_WINDOW
    progress = since
    error: str | None = None
    retry: float | None = None
    parse = PARSERS[conn.channel]
    try:
        for page in conn.pages(since):
            items: list[Item] = []
            for raw in page:
                try:
                    items.append((parse(raw), raw))
                except PayloadError as exc:
                    text = json.dumps(raw, ensure_ascii=False, default=str)
                    record_dead_letter(
                        session, org_id, store.id, "poll", text, f"{store.channel}: {exc.message}"
                    )
                    outcome.dead_letters += 1
            if items:
                report = ingest(session, org_id, store.id, items, "poll")
                outcome.created += report.created
                outcome.updated += report.updated
                outcome.dead_letters += len(report.errors)
                if conn.ascending:
                    progress = max(progress, max(order.version for order, _ in items))
            outcome.fetched += len(page)
            outcome.pages += 1
    except ChannelUnavailable as exc:
        error, retry = str(exc), exc.retry_after
        outcome.status = "throttled" if exc.status == 429 else "error"
    except PayloadError as exc:  # a malformed page (not one order): ask for it again later
        error = f"malformed page: {exc.message}"
    finally:
        conn.http.close()
        keep_bucket(bucket, state)
    if error is None:
        state.cursor = max(since, started - OVERLAP)
        state.last_success_at = started
    else:
        state.cursor = progress
    return _finish(session, state, outcome, env, error=error, retry=retry)


def _finish(
    session: Session,
    state: StoreSync,
    outcome: PollOutcome,
    env: SyncEnvironment,
    *,
    error: str | None,
    retry: float | None,
) -> PollOutcome:
    now = env.clock.utcnow()
    state.last_fetched, state.last_created = outcome.fetched, outcome.created
    if error is None:
        state.failures = 0
        state.last_error = ""
        state.last_status = "ok"
        state.next_run_at = now + timedelta(seconds=state.interval_seconds)
    else:
        state.failures += 1
        state.last_error = error[:2000]
        outcome.status = "throttled" if outcome.status == "throttled" else "error"
        state.last_status = outcome.status
        outcome.error = error
        if retry is not None:
            delay = timedelta(seconds=max(1.0, retry))
        else:
            delay = min(MAX_BACKOFF, timedelta(minutes=2 ** min(state.failures - 1, 6)))
        state.next_run_at = now + delay
        if outcome.status == "throttled" or outcome.fetched:
            # Come back for the rest of the window as soon as the platform allows it.
            enqueue_unique(
                session,
                POLL_JOB,
                {"store_id": state.store_id},
                organisation_id=state.organisation_id,
                idempotency_key=job_key(state.store_id, state.next_run_at),
                run_after=state.next_run_at,
            )
    outcome.cursor, outcome.next_run_at = state.cursor, state.next_run_at
    session.flush()
    return outcome
