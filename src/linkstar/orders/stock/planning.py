"""When a store is published: on request, on the schedule, and after a feed it waited for.

`request_publish` enqueues one store now ("Publish now", the API); `plan_publications` (the
`inventory.publish_stock` job) enqueues every store whose stock may have moved;
`resume_after_feed` (the `inventory.check_stock_feed` job) publishes a store again once the feed
a run was deferred behind is settled. Each only enqueues `inventory.publish_store`; the run
itself is `orders.stock.service.publish_store`. Never commits.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from linkstar.db.outbox import OutboxJob, enqueue_unique
from linkstar.inventory.models import LedgerEntry
from linkstar.kit.errors import Conflict
from linkstar.orders.stock.feeds import pending_feed, pending_stores
from linkstar.orders.stock.models import StockPublishFeed, StockPublishRun
from linkstar.orders.stock.service import DEFERRED, REFRESH, STORE_JOB, is_publishable
from linkstar.orders.sync.models import StoreSync
from linkstar.workspace import repository as wrepo
from linkstar.workspace.core import Permission, Principal


def request_publish(
    session: Session, actor: Principal, store_id: str, now: datetime, *, dry_run: bool = False
) -> OutboxJob:
    """Enqueue a publication of the store now (Conflict when it cannot be published)."""
    actor.require(Permission.workspace_manage)
    store = wrepo.StoreRepository(session, actor.organisation_id).get(store_id)
    if not dry_run and not is_publishable(store):
        raise Conflict(
            "the store cannot be published to: it must be active, have credentials and be on "
            "Shopify, Amazon, TikTok Shop, eBay or Walmart (a dry run needs none of this)"
        )
    minute = now.astimezone(UTC).replace(second=0, microsecond=0)
    kind = "dry-run" if dry_run else "manual"
    job, _new = enqueue_unique(
        session,
        STORE_JOB,
        {"store_id": store_id, "trigger": "manual", "dry_run": dry_run},
        organisation_id=actor.organisation_id,
        idempotency_key=f"{STORE_JOB}:{store_id}:{kind}@{minute.isoformat()}",
    )
    return job


def feed_wait(session: Session, org_id: str, store_id: str) -> str | None:
    """Why a publication asked for now will send nothing (a feed is still processing), or None."""
    feed = pending_feed(session, org_id, store_id)
    if feed is None:
        return None
    when = feed.submitted_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
    return (
        f"its previous {feed.channel} feed {feed.feed_id} (submitted {when} UTC) is still "
        "processing: the run will send nothing, and the store is published again as soon as "
        "the feed is settled"
    )


def plan_publications(session: Session, org_id: str, now: datetime, trigger: str) -> list[str]:
    """Enqueue a publication of every publishable store whose stock may have moved.

    A store is due when it was never published, when the ledger changed since its last run
    (receipts, adjustments, allocations, shipments: changes of one window go out together), or
    when its last run is older than REFRESH (buffers and mappings change outside the ledger);
    never while one of its feeds is in flight or while its scheduled sync is switched off.
    Returns the store ids enqueued.
    """
    changed_at = session.scalar(
        select(func.max(LedgerEntry.at)).where(LedgerEntry.organisation_id == org_id)
    )
    last_runs = dict(
        session.execute(
            select(StockPublishRun.store_id, func.max(StockPublishRun.created_at))
            .where(
                StockPublishRun.organisation_id == org_id,
                StockPublishRun.dry_run.is_(False),
                StockPublishRun.status != DEFERRED,  # sent nothing: not a publication
            )
            .group_by(StockPublishRun.store_id)
        ).all()
    )
    minute = now.astimezone(UTC).replace(second=0, microsecond=0).isoformat()
    waiting = pending_stores(session, org_id)  # a feed in flight is settled before the next
    # The store's scheduled-sync switch (Settings → Stores) covers both directions: a store
    # whose polling is off (the demo's placeholder credentials, or a user's choice) is not
    # published on a schedule either; "Publish now" still is.
    waiting |= set(
        session.scalars(
            select(StoreSync.store_id).where(
                StoreSync.organisation_id == org_id, StoreSync.polling_enabled.is_(False)
            )
        )
    )
    planned: list[str] = []
    for store in wrepo.StoreRepository(session, org_id).list(is_active=True):
        last = last_runs.get(store.id)
        due = (
            last is None or (changed_at is not None and changed_at >= last) or now - last >= REFRESH
        )
        if not is_publishable(store) or not due or store.id in waiting:
            continue
        _job, new = enqueue_unique(
            session,
            STORE_JOB,
            {"store_id": store.id, "trigger": trigger},
            organisation_id=org_id,
            idempotency_key=f"{STORE_JOB}:{store.id}@{minute}",
        )
        if new:
            planned.append(store.id)
    return planned


def resume_after_feed(session: Session, feed: StockPublishFeed) -> bool:
    """Once a store's last feed is settled, publish it again if a run was deferred meanwhile."""
    org_id, store_id = feed.organisation_id, feed.store_id
    if feed.status == "submitted" or pending_feed(session, org_id, store_id) is not None:
        return False
    latest = session.scalars(
        select(StockPublishRun.status)
        .where(
            StockPublishRun.organisation_id == org_id,
            StockPublishRun.store_id == store_id,
            StockPublishRun.dry_run.is_(False),
        )
        .order_by(StockPublishRun.created_at.desc(), StockPublishRun.id.desc())
        .limit(1)
    ).first()
    if latest != DEFERRED:
        return False
    _job, new = enqueue_unique(
        session,
        STORE_JOB,
        {"store_id": store_id, "trigger": "after_feed"},
        organisation_id=org_id,
        idempotency_key=f"{STORE_JOB}:{store_id}:after_feed@{feed.id}",
    )
    return new
