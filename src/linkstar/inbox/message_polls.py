"""Polling marketplace buyer messages per store as scheduled jobs: eBay member messages
(Trading API GetMemberMessages) and TikTok Shop customer-service conversations.

Off until a person enables it for a store (`set_polling`), so demo stores with placeholder
credentials never call a platform. `inbox.plan_message_polls` (every minute) enqueues
`inbox.poll_store_messages` for each enabled store whose next run is due. A poll asks for
messages since the store's cursor through `ChannelHttp` (the orders poller's per-store rate
limit, kept between runs, 429/Retry-After, capped backoff), stores what parsed (idempotent by
channel and message id), keeps what did not as dead letters, and moves the cursor only when
the window was read to the end; a failed or throttled poll is retried with backoff (2, 4, ...
minutes, at most an hour). Never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from linkstar.db.outbox import enqueue_unique
from linkstar.inbox.channels.polling import MessagePollResult, poll_ebay, poll_tiktok
from linkstar.inbox.models import InboxMessagePoll
from linkstar.inbox.store import ingest_messages
from linkstar.kit.crypto import SecretBox
from linkstar.kit.errors import InvalidInput, LinkStarError
from linkstar.orders.connectors.clients import ChannelHttp, ChannelUnavailable
from linkstar.orders.connectors.pollers import LIMITS
from linkstar.orders.sync.buckets import keep_bucket, resume_bucket
from linkstar.orders.sync.connect import BudgetClock, SyncEnvironment, environment
from linkstar.orders.sync.credentials import open_credentials
from linkstar.tracking import ingest as tracking_ingest
from linkstar.tracking.dead_letters import INBOX_MESSAGES_SUFFIX
from linkstar.workspace import audit
from linkstar.workspace import repository as wrepo
from linkstar.workspace.core import Permission, Principal
from linkstar.workspace.models import Store

POLL_JOB = "inbox.poll_store_messages"
PLAN_JOB = "inbox.plan_message_polls"
# Store channels whose buyer messages can be polled, and their default API origins.
BASES = {"ebay": "https://api.ebay.com", "tiktok_shop": "https://open-api.tiktokglobalshop.com"}
FIRST_WINDOW = timedelta(days=3)
MAX_BACKOFF = timedelta(hours=1)


@dataclass
class MessagePollOutcome:
    store_id: str
    status: str  # ok | error
    fetched: int = 0
    created: int = 0
    dead_letters: int = 0
    error: str = ""


def failure_reason(reason: str, path: str) -> str:
    """How a message that does not parse is described on its dead letter."""
    return f"{reason} at {path}"[:500]


def _row(session: Session, org_id: str, store_id: str, *, lock: bool) -> InboxMessagePoll | None:
    stmt = select(InboxMessagePoll).where(
        InboxMessagePoll.organisation_id == org_id, InboxMessagePoll.store_id == store_id
    )
    return session.scalars(stmt.with_for_update() if lock else stmt).first()


def states(session: Session, actor: Principal) -> list[tuple[Store, InboxMessagePoll | None]]:
    """Every store with its message polling (None: never configured)."""
    actor.require(Permission.inbox_read)
    rows = session.scalars(
        select(InboxMessagePoll).where(InboxMessagePoll.organisation_id == actor.organisation_id)
    )
    by_store = {r.store_id: r for r in rows}
    stores = wrepo.StoreRepository(session, actor.organisation_id).list()
    return [(s, by_store.get(s.id)) for s in sorted(stores, key=lambda s: s.name)]


def set_polling(
    session: Session, actor: Principal, store_id: str, enabled: bool, interval_minutes: int
) -> tuple[Store, InboxMessagePoll]:
    """Turn a store's message polling on or off and set its interval (audited)."""
    actor.require(Permission.inbox_manage)
    store = wrepo.StoreRepository(session, actor.organisation_id).get(store_id)
    if store.channel not in BASES:
        raise InvalidInput(
            f"{store.channel} stores have no buyer messages to poll (eBay and TikTok Shop do)",
            {"field": "store_id"},
        )
    if not 1 <= interval_minutes <= 1440:
        raise InvalidInput("interval_minutes must be 1-1440", {"field": "interval_minutes"})
    row = _row(session, actor.organisation_id, store_id, lock=True)
    before = None if row is None else {"enabled": row.enabled, "interval": row.interval_seconds}
    if row is None:
        row = InboxMessagePoll(organisation_id=actor.organisation_id, store_id=store_id)
        session.add(row)
    row.enabled, row.interval_seconds = enabled, interval_minutes * 60
    if enabled and row.failures == 0 and row.last_poll_at is not None:
        row.next_run_at = row.last_poll_at + timedelta(minutes=interval_minutes)
    session.flush()
    after = {"enabled": row.enabled, "interval": row.interval_seconds}
    audit.record(session, actor, "inbox.message_poll.update", row, before=before, after=after)
    return store, row


def _polled(store: Store, row: InboxMessagePoll | None) -> bool:
    return bool(
        row is not None
        and row.enabled
        and store.is_active
        and store.credentials_encrypted
        and store.channel in BASES
    )


def plan(session: Session, org_id: str, now: datetime) -> list[str]:
    """Enqueue a poll for every enabled store whose next run is due; their store ids."""
    due: list[str] = []
    rows = session.scalars(
        select(InboxMessagePoll).where(
            InboxMessagePoll.organisation_id == org_id, InboxMessagePoll.enabled.is_(True)
        )
    )
    stores = {s.id: s for s in wrepo.StoreRepository(session, org_id).list(is_active=True)}
    for row in rows:
        store = stores.get(row.store_id)
        if store is None or not _polled(store, row):
            continue
        if row.next_run_at is not None and row.next_run_at > now:
            continue
        when = row.next_run_at.isoformat() if row.next_run_at else "first"
        _job, new = enqueue_unique(
            session,
            POLL_JOB,
            {"store_id": store.id},
            organisation_id=org_id,
            idempotency_key=f"{POLL_JOB}:{store.id}@{when}",
        )
        if new:
            due.append(store.id)
    return due


def _need(credentials: dict[str, Any], *keys: str) -> list[str]:
    missing = [k for k in keys if not str(credentials.get(k) or "").strip()]
    if missing:
        raise InvalidInput("the store's credentials lack " + ", ".join(missing))
    return [str(credentials[k]).strip() for k in keys]


def _fetch(
    store: Store, credentials: dict[str, Any], http_for: Any, since: datetime
) -> MessagePollResult:
    base = str(credentials.get("base_url") or "").strip() or BASES[store.channel]
    if store.channel == "ebay":
        (token,) = _need(credentials, "access_token")
        site = str(credentials.get("site_id") or "0")
        return poll_ebay(http_for(base, "ebay", {}), since, token=token, site_id=site,
                         store_ref=store.id)  # fmt: skip
    token, key, secret, cipher = _need(
        credentials, "access_token", "app_key", "app_secret", "shop_cipher"
    )
    http = http_for(base, "tiktok", {"x-tts-access-token": token})
    return poll_tiktok(
        http, since, app_key=key, app_secret=secret, shop_cipher=cipher, store_ref=store.id
    )


def poll(
    session: Session,
    org_id: str,
    store_id: str,
    box: SecretBox,
    env: SyncEnvironment | None = None,
) -> MessagePollOutcome:
    """Poll one store's buyer messages once (see the module docstring)."""
    env = env or environment()
    store = wrepo.StoreRepository(session, org_id).get(store_id)
    row = _row(session, org_id, store_id, lock=True)
    outcome = MessagePollOutcome(store_id, "ok")
    if row is None or not _polled(store, row):
        outcome.status, outcome.error = "skipped", "message polling is off for this store"
        return outcome
    started = env.clock.utcnow()
    row.last_poll_at = started
    clients: list[ChannelHttp] = []

    def http_for(base: str, kind: str, headers: dict[str, str]) -> ChannelHttp:
        http = ChannelHttp(
            base,
            limit=LIMITS[kind],
            headers=headers,
            transport=env.transport_factory(store.id, kind),
            clock=BudgetClock(env.clock, env.max_wait_seconds),
            backoff=env.backoff,
        )
        resume_bucket(http.bucket, row)
        clients.append(http)
        return http

    since = row.cursor or started - FIRST_WINDOW
    try:
        result = _fetch(store, open_credentials(session, store, box, env), http_for, since)
    except LinkStarError as exc:  # incomplete, undecryptable or refused credentials
        return _finish(row, outcome, env.clock.utcnow(), exc.message)
    except ChannelUnavailable as exc:  # the token endpoint failed: the next run asks again
        return _finish(row, outcome, env.clock.utcnow(), str(exc))
    finally:
        for http in clients:
            http.close()
            keep_bucket(http.bucket, row)
    stored = ingest_messages(session, org_id, result.messages)
    for failure in result.failures:
        # The letter keeps what parsing it again needs (inbox.dead_letters.retry): its store,
        # its conversation (TikTok Shop) and where it sat in the page.
        context = {"store_id": store.id, "conversation_id": failure.conversation_id,
                   "path": failure.message_path}  # fmt: skip
        tracking_ingest.dead_letter(
            session,
            org_id,
            source=f"{store.channel}{INBOX_MESSAGES_SUFFIX}",
            headers=context,
            body=failure.raw.decode("utf-8", "replace"),
            reason=failure_reason(failure.reason, failure.path),
        )
    outcome.fetched = len(result.messages) + len(result.failures)
    outcome.created, outcome.dead_letters = stored.created, len(result.failures)
    if result.complete and result.cursor is not None:
        row.cursor, row.last_success_at = result.cursor, started
    return _finish(row, outcome, env.clock.utcnow(), result.interrupted_by)


def _finish(
    row: InboxMessagePoll, outcome: MessagePollOutcome, now: datetime, error: str | None
) -> MessagePollOutcome:
    row.last_fetched, row.last_created = outcome.fetched, outcome.created
    if error is None:
        row.failures, row.last_error, row.last_status = 0, "", "ok"
        row.next_run_at = now + timedelta(seconds=row.interval_seconds)
    else:
        row.failures += 1
        row.last_error, row.last_status = error[:2000], "error"
        outcome.status, outcome.error = "error", error
        row.next_run_at = now + min(MAX_BACKOFF, timedelta(minutes=2 ** min(row.failures, 6)))
    return outcome
