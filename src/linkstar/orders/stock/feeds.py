"""Bulk feeds of stock publishing: record what was submitted, and settle it when it is answered.

Amazon and Walmart take quantities in bulk feeds that answer later. A run records its
`submitted` lines and one `stock_publish_feeds` row per feed, and enqueues
`inventory.check_stock_feed`. That job asks the platform (getFeed + processing report, or the
Walmart feed status); while the feed is processing it asks again later (2, 4, 8 … minutes, at
most an hour apart; a 429 after its Retry-After). Once answered, each line becomes `sent` or
`failed`, sent quantities move `published_stock`, and the run's counts and status are
recomputed. A feed unanswered after FEED_GIVE_UP fails its lines, which are sent again. A store
with a feed in flight is not planned again until the feed is settled, and a run asked for
meanwhile (a click, the CLI, a retry) is recorded `deferred` and sends nothing: its lines would
overlap the feed's. Once the last feed is settled, a deferred store is published again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from linkstar.db.outbox import enqueue_unique
from linkstar.kit.crypto import SecretBox
from linkstar.kit.errors import LinkStarError
from linkstar.orders.connectors import stock_feeds
from linkstar.orders.connectors.clients import ChannelUnavailable
from linkstar.orders.connectors.stock import Pushed
from linkstar.orders.core.canonical import Channel
from linkstar.orders.core.stock import LineStatus
from linkstar.orders.stock.models import (
    PublishedStock,
    StockPublishFeed,
    StockPublishLine,
    StockPublishRun,
)
from linkstar.orders.sync.buckets import keep_bucket, resume_bucket, store_state
from linkstar.orders.sync.connect import SyncEnvironment, connect
from linkstar.orders.sync.credentials import open_credentials
from linkstar.workspace.models import Store

FEED_JOB = "inventory.check_stock_feed"
FIRST_CHECK = timedelta(minutes=2)
LONGEST_WAIT = timedelta(hours=1)
FEED_GIVE_UP = timedelta(hours=48)

log = logging.getLogger(__name__)


def last_sent(session: Session, org_id: str, store_id: str) -> dict[str, PublishedStock]:
    """What the store last accepted, by channel SKU."""
    rows = session.scalars(
        select(PublishedStock).where(
            PublishedStock.organisation_id == org_id, PublishedStock.store_id == store_id
        )
    )
    return {row.channel_sku: row for row in rows}


def remember(
    session: Session,
    run: StockPublishRun,
    last: dict[str, PublishedStock],
    channel_sku: str,
    quantity: int,
    now: datetime,
) -> None:
    """The platform accepted `quantity` for `channel_sku`: the base of the next delta."""
    row = last.get(channel_sku)
    if row is None:
        last[channel_sku] = row = PublishedStock(
            organisation_id=run.organisation_id,
            store_id=run.store_id,
            channel_sku=channel_sku,
            quantity=quantity,
            published_at=now,
        )
        session.add(row)
    else:
        row.quantity, row.published_at = quantity, now


def tally(run: StockPublishRun, statuses: Sequence[str], now: datetime) -> None:
    """The run's line counts and status (`pending` while a feed has not answered)."""
    run.sent = statuses.count(LineStatus.sent.value)
    run.failed = statuses.count(LineStatus.failed.value)
    run.unmatched = statuses.count(LineStatus.unmatched.value)
    run.submitted = statuses.count(LineStatus.submitted.value)
    run.finished_at = now
    if run.dry_run:
        run.status = "dry_run"
    elif run.failed and (run.sent or run.submitted):
        run.status = "partial"
    elif run.failed:
        run.status = "failed"
    elif run.submitted:
        run.status = "pending"
    else:
        run.status = "ok"


def record_feeds(
    session: Session, run: StockPublishRun, channel: str, answers: Iterable[Pushed], now: datetime
) -> None:
    """One feed row per submitted feed (SKUs in message order) and its first check."""
    by_feed: dict[str, list[str]] = {}
    for answer in answers:
        if answer.status is LineStatus.submitted and answer.feed_id:
            by_feed.setdefault(answer.feed_id, []).append(answer.channel_sku)
    for feed_id, skus in by_feed.items():
        row = StockPublishFeed(
            organisation_id=run.organisation_id,
            run_id=run.id,
            store_id=run.store_id,
            channel=channel,
            feed_id=feed_id,
            skus=json.dumps(skus),
            status="submitted",
            checks=0,
            error="",
            submitted_at=now,
        )
        session.add(row)
        session.flush()
        _check_later(session, row, now + FIRST_CHECK)


def pending_stores(session: Session, org_id: str) -> set[str]:
    """Stores with a feed the platform has not answered yet."""
    return set(
        session.scalars(
            select(StockPublishFeed.store_id).where(
                StockPublishFeed.organisation_id == org_id,
                StockPublishFeed.status == "submitted",
            )
        )
    )


def pending_feed(session: Session, org_id: str, store_id: str) -> StockPublishFeed | None:
    """The store's oldest feed the platform has not answered yet, if any."""
    return session.scalars(
        select(StockPublishFeed)
        .where(
            StockPublishFeed.organisation_id == org_id,
            StockPublishFeed.store_id == store_id,
            StockPublishFeed.status == "submitted",
        )
        .order_by(StockPublishFeed.submitted_at)
        .limit(1)
    ).first()


def _check_later(session: Session, feed: StockPublishFeed, when: datetime) -> None:
    enqueue_unique(
        session,
        FEED_JOB,
        {"feed_id": feed.id},
        organisation_id=feed.organisation_id,
        idempotency_key=f"{FEED_JOB}:{feed.id}@{when.isoformat()}",
        run_after=when,
    )


def _ask(
    session: Session, feed: StockPublishFeed, store: Store, box: SecretBox, env: SyncEnvironment
) -> stock_feeds.FeedCheck | None:
    values = open_credentials(session, store, box, env)
    conn = connect(store.id, store.channel, values, env)
    skus = [str(s) for s in json.loads(feed.skus)]
    # The store's bucket, shared with its poller and publisher: a Retry-After holds across runs.
    state = store_state(session, feed.organisation_id, store.id, lock=False)
    resume_bucket(conn.http.bucket, state)
    try:
        if conn.channel is Channel.AMAZON:
            return stock_feeds.check_amazon(conn.http, feed.feed_id, skus)
        return stock_feeds.check_walmart(conn.http, feed.feed_id, skus)
    finally:
        conn.http.close()
        keep_bucket(conn.http.bucket, state)


def check_feed(
    session: Session, org_id: str, feed_row_id: str, box: SecretBox, env: SyncEnvironment
) -> StockPublishFeed | None:
    """Ask the platform about one submitted feed; settle it, or check again later."""
    feed = session.scalars(
        select(StockPublishFeed)
        .where(StockPublishFeed.organisation_id == org_id, StockPublishFeed.id == feed_row_id)
        .with_for_update()
    ).first()
    if feed is None or feed.status != "submitted":
        return feed
    store = session.get(Store, feed.store_id)
    now = env.clock.utcnow()
    skus = [str(s) for s in json.loads(feed.skus)]
    feed.checks += 1
    wait = min(LONGEST_WAIT, FIRST_CHECK * 2**feed.checks)
    try:
        if store is None or not store.credentials_encrypted:
            raise LinkStarError("the store or its credentials are gone")
        answer = _ask(session, feed, store, box, env)
    except ChannelUnavailable as exc:
        answer, feed.error = None, str(exc)[:2000]
        if exc.status == 429 and exc.retry_after is not None:
            wait = max(timedelta(seconds=exc.retry_after), timedelta(seconds=1))
    except LinkStarError as exc:
        answer, feed.error = None, exc.message[:2000]
    if answer is None and now - feed.submitted_at.astimezone(UTC) < FEED_GIVE_UP:
        _check_later(session, feed, now + wait)
        return feed
    if answer is None:
        error = f"feed {feed.feed_id} not answered within {FEED_GIVE_UP}: {feed.error}"[:1000]
        answer = stock_feeds.FeedCheck(
            {s: Pushed(s, LineStatus.failed, error) for s in skus}, error
        )
    _settle(session, feed, answer, now)
    return feed


def _settle(
    session: Session, feed: StockPublishFeed, answer: stock_feeds.FeedCheck, now: datetime
) -> None:
    run = session.get(StockPublishRun, feed.run_id)
    feed.status, feed.error, feed.finished_at = (
        ("failed" if answer.error else "done"),
        answer.error,
        now,
    )
    if run is None:  # purged meanwhile: nothing left to settle
        return
    lines = session.scalars(select(StockPublishLine).where(StockPublishLine.run_id == run.id)).all()
    last = last_sent(session, run.organisation_id, run.store_id)
    for line in lines:
        result: Mapping[str, Pushed] = answer.results
        if line.status != LineStatus.submitted.value or line.channel_sku not in result:
            continue
        pushed = result[line.channel_sku]
        line.status, line.response = pushed.status.value, pushed.response
        if pushed.status is LineStatus.sent:
            remember(session, run, last, line.channel_sku, line.quantity, now)
    tally(run, [line.status for line in lines], run.finished_at or now)
    log.info("stock feed %s settled: run %s is %s", feed.feed_id, run.id, run.status)
