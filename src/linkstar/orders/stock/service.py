"""Publishing one store's stock: compute, send only what changed, record every line.

A run maps the available units of every active master SKU to the store's channel SKUs
(orders.core.stock), compares each quantity with the last one the platform accepted
(`published_stock`), and pushes only the differences through the store's connector
(orders.connectors.stock) on the same polite connection the order poller uses (sealed
credentials, token bucket, 429/Retry-After). Each line records the quantity sent, the previous
one and the platform's answer; only confirmed lines move `published_stock`, so a failed line is
sent again next run. Amazon and Walmart lines go out in bulk feeds and stay `submitted` until
`orders.stock.feeds` settles them; Shopify and TikTok Shop ids come from `orders.stock.ids`. A
dry run computes and records the same lines, marked `dry_run`, and touches neither the network
nor `published_stock`. Services never commit.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from linkstar.db.bulk import insert_rows
from linkstar.db.outbox import enqueue_unique
from linkstar.inventory.publishing import available_by_sku, store_policy
from linkstar.kit.crypto import SecretBox
from linkstar.kit.errors import Conflict, LinkStarError
from linkstar.kit.ids import new_id
from linkstar.orders.connectors import stock as push
from linkstar.orders.connectors import stock_feeds
from linkstar.orders.connectors.clients import ChannelHttp, ChannelUnavailable
from linkstar.orders.connectors.errors import PayloadError
from linkstar.orders.connectors.pollers import TikTokApp
from linkstar.orders.core.canonical import Channel
from linkstar.orders.core.stock import (
    ChannelListing,
    LineStatus,
    channel_listings,
    store_mappings,
    to_send,
)
from linkstar.orders.repository import SkuMappingRepository
from linkstar.orders.rulesets import mapping_of
from linkstar.orders.stock.feeds import (
    last_sent,
    pending_feed,
    record_feeds,
    remember,
    tally,
)
from linkstar.orders.stock.ids import keep_ids, known_ids
from linkstar.orders.stock.models import (
    PublishedStock,
    StockPublishFeed,
    StockPublishLine,
    StockPublishRun,
)
from linkstar.orders.sync.buckets import keep_bucket, resume_bucket, store_state
from linkstar.orders.sync.connect import POLLED, SyncEnvironment, connect, environment, need
from linkstar.orders.sync.credentials import open_credentials
from linkstar.workspace import repository as wrepo
from linkstar.workspace.models import Store

STORE_JOB = "inventory.publish_store"
PLAN_JOB = "inventory.publish_stock"
# A store is published again after this long even when its ledger did not move.
REFRESH = timedelta(hours=1)
# A run that sent nothing because the store's previous bulk feed had not been answered yet.
DEFERRED = "deferred"


@dataclass
class Credentials:
    """The decrypted credentials of one store and the connection built from them."""

    values: Mapping[str, Any]
    http: ChannelHttp
    channel: Channel


def is_publishable(store: Store) -> bool:
    """Active, with credentials, on a channel that has a stock connector."""
    return bool(store.is_active and store.credentials_encrypted and store.channel in POLLED)


def _pushes(
    creds: Credentials, updates: Sequence[push.Update], known: Mapping[str, push.PlatformIds]
) -> Iterator[push.Pushed]:
    """The channel's push generator for these updates (InvalidInput when credentials lack keys)."""
    values, http = creds.values, creds.http
    if creds.channel is Channel.SHOPIFY:
        (location,) = need(values, "location_id")
        return push.push_shopify(http, updates, location, known)
    if creds.channel is Channel.AMAZON:
        seller, markets = need(values, "seller_id", "marketplace_ids")
        ids = [m.strip() for m in markets.split(",") if m.strip()]
        return stock_feeds.submit_amazon(http, updates, seller, ids)
    if creds.channel is Channel.EBAY:
        return push.push_ebay(http, updates)
    if creds.channel is Channel.TIKTOK:
        key, secret, cipher = need(values, "app_key", "app_secret", "shop_cipher")
        warehouse = str(values.get("warehouse_id") or "").strip() or None
        return push.push_tiktok(http, updates, TikTokApp(key, secret, cipher), warehouse, known)
    return stock_feeds.submit_walmart(http, updates)


def store_listings(session: Session, org_id: str, store: Store) -> list[ChannelListing]:
    """What the store should list per channel SKU, through its mappings and buffers."""
    channel = POLLED.get(store.channel)
    mappings = [mapping_of(row) for row in SkuMappingRepository(session, org_id).list()]
    in_force = store_mappings(mappings, store.id, channel.value if channel else store.channel)
    return channel_listings(
        available_by_sku(session, org_id), in_force, store_policy(session, org_id, store.id)
    )


def publish_store(
    session: Session,
    org_id: str,
    store_id: str,
    box: SecretBox | None,
    *,
    trigger: str,
    dry_run: bool = False,
    env: SyncEnvironment | None = None,
) -> StockPublishRun:
    """Publish one store once (see the module docstring); returns the recorded run."""
    env = env or environment()
    store = wrepo.StoreRepository(session, org_id).get(store_id)
    # One run per store at a time (the job, a click and the CLI may overlap): lock the store.
    session.execute(select(Store.id).where(Store.id == store.id).with_for_update())
    waiting = None if dry_run else pending_feed(session, org_id, store_id)
    if waiting is not None:
        return _defer(session, org_id, store_id, trigger, waiting, env.clock.utcnow())
    listings = store_listings(session, org_id, store)
    last = last_sent(session, org_id, store_id)
    changed, same = to_send(listings, {k: v.quantity for k, v in last.items()})
    run = StockPublishRun(
        organisation_id=org_id, store_id=store_id, trigger=trigger, dry_run=dry_run, status="ok"
    )
    session.add(run)
    sent = _Sent()
    if dry_run:
        sent.results = {
            x.channel_sku: push.Pushed(x.channel_sku, LineStatus.dry_run, "") for x in changed
        }
    elif changed:
        sent = _send(session, store, box, env, changed, run)
    results, error, retry_after, attempted = (
        sent.results,
        sent.error,
        sent.retry_after,
        sent.attempted or dry_run,
    )
    now = env.clock.utcnow()
    if changed and not attempted:
        # Nothing reached the platform (no connector, incomplete or unreadable credentials):
        # the run says why; no line pretends a SKU was tried.
        _count(run, [], len(listings), len(same), error, now)
        run.failed, run.status = len(changed), "failed"
        session.flush()
        return run
    lines = [_line(run, x, results.get(x.channel_sku), last, error, now) for x in changed]
    if lines:  # a run that changed nothing keeps its counts, not one unchanged line per SKU
        lines += [_line(run, x, None, last, "", now, unchanged=True) for x in same]
    session.flush()
    for line in lines:
        line["run_id"] = run.id
    insert_rows(session.connection(), StockPublishLine.__table__, lines)  # type: ignore[arg-type]
    for x in changed:
        answer = results.get(x.channel_sku)
        if answer is not None and answer.status is LineStatus.sent:
            remember(session, run, last, x.channel_sku, x.quantity, now)
    record_feeds(session, run, store.channel, results.values(), now)
    _count(run, lines, len(listings), len(same), error, now)
    if retry_after is not None:
        when = now + timedelta(seconds=max(1.0, retry_after))
        enqueue_unique(
            session,
            STORE_JOB,
            {"store_id": store_id, "trigger": "retry"},
            organisation_id=org_id,
            idempotency_key=f"{STORE_JOB}:{store_id}:retry@{when.isoformat()}",
            run_after=when,
        )
    session.flush()
    return run


def _defer(
    session: Session,
    org_id: str,
    store_id: str,
    trigger: str,
    feed: StockPublishFeed,
    now: datetime,
) -> StockPublishRun:
    """Record a run that waits for the store's feed in flight (its lines would overlap)."""
    when = feed.submitted_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
    run = StockPublishRun(
        organisation_id=org_id,
        store_id=store_id,
        trigger=trigger,
        dry_run=False,
        status=DEFERRED,
        error=f"previous feed still processing: {feed.channel} feed {feed.feed_id} (submitted "
        f"{when} UTC) has not been answered yet; nothing was sent, and the store is published "
        "again as soon as the feed is settled",
        finished_at=now,
    )
    session.add(run)
    session.flush()
    return run


@dataclass
class _Sent:
    results: dict[str, push.Pushed] = field(default_factory=dict)
    error: str = ""
    retry_after: float | None = None
    attempted: bool = False  # the connection was built and the pushes started


def _send(
    session: Session,
    store: Store,
    box: SecretBox | None,
    env: SyncEnvironment,
    changed: Sequence[ChannelListing],
    run: StockPublishRun,
) -> _Sent:
    """Push the changed quantities on the store's connection; never raises a platform error."""
    sent = _Sent()
    creds: Credentials | None = None
    state = store_state(session, store.organisation_id, store.id, lock=False)
    try:
        if not is_publishable(store):
            raise Conflict("the store is inactive, has no credentials or has no connector")
        values = open_credentials(session, store, box, env) if box else {}
        conn = connect(store.id, store.channel, values, env)
        creds = Credentials(values, conn.http, conn.channel)
        resume_bucket(conn.http.bucket, state)  # the poller's and the feed checks' too
        known = known_ids(session, store.organisation_id, store.id)
        pushes = _pushes(creds, [(x.channel_sku, x.quantity) for x in changed], known)
        sent.attempted = True
        try:
            for pushed in pushes:
                sent.results[pushed.channel_sku] = pushed
        finally:
            now = env.clock.utcnow()
            keep_ids(session, store.organisation_id, store.id, sent.results.values(), known, now)
    except ChannelUnavailable as exc:
        sent.error = str(exc)
        sent.retry_after = exc.retry_after if exc.status == 429 else None
    except PayloadError as exc:  # an answer not in the documented shape: nothing confirmed
        sent.error = f"malformed answer: {exc.message}"
    except LinkStarError as exc:
        sent.error = exc.message
    finally:
        if creds is not None:
            run.requests, run.throttled = creds.http.requests, creds.http.throttled
            creds.http.close()
            keep_bucket(creds.http.bucket, state)
    return sent


def _line(
    run: StockPublishRun,
    listing: ChannelListing,
    answer: push.Pushed | None,
    last: Mapping[str, PublishedStock],
    error: str,
    now: datetime,
    *,
    unchanged: bool = False,
) -> dict[str, Any]:
    if unchanged:
        status, response = LineStatus.unchanged, ""
    elif answer is None:  # never confirmed: the run stopped before this SKU was answered
        status, response = LineStatus.failed, error[:1000] or "not sent"
    else:
        status, response = answer.status, answer.response
    previous = last.get(listing.channel_sku)
    return {
        "id": new_id(),
        "organisation_id": run.organisation_id,
        "run_id": "",
        "store_id": run.store_id,
        "channel_sku": listing.channel_sku,
        "master_skus": ",".join(listing.master_skus)[:500],
        "available": listing.available,
        "quantity": listing.quantity,
        "previous_quantity": previous.quantity if previous else None,
        "status": status.value,
        "response": response,
        "at": now,
    }


def _count(
    run: StockPublishRun,
    lines: Sequence[Mapping[str, Any]],
    considered: int,
    unchanged: int,
    error: str,
    now: datetime,
) -> None:
    run.considered, run.unchanged = considered, unchanged
    run.error = error[:2000]
    tally(run, [line["status"] for line in lines], now)
