"""Jobs of stock publishing (registered in linkstar.jobs.registry).

- `inventory.publish_stock` (scheduled every 5 minutes; payload `{"organisation_id": ...}`
  limits it to one organisation): enqueue `inventory.publish_store` for every publishable store
  whose ledger moved since its last run (so stock changes go out at most 5 minutes later,
  batched), that was never published, or whose last run is over an hour old.
- `inventory.publish_store` payload `{"store_id", "trigger", "dry_run"}`: publish one store.
- `inventory.check_stock_feed` payload `{"feed_id"}` (a `stock_publish_feeds` row): ask Amazon
  or Walmart about a submitted feed; settle its lines or check again later (orders.stock.feeds).
  Once the store's last feed is settled, a run deferred behind it is followed by a new
  `inventory.publish_store` (trigger `after_feed`).
- `inventory.purge_publish_log` (scheduled daily): delete publication runs, their lines and
  feeds older than `publish_log_retention_days` (default 90).

Both are idempotent: plans are keyed by store and minute, and a run sends only the quantities
that differ from the last ones the platform accepted.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.orm import Session

from linkstar.config import get_settings
from linkstar.db.outbox import JobContext
from linkstar.kit.crypto import SecretBox
from linkstar.kit.errors import NotFound
from linkstar.orders.stock import feeds, planning, service
from linkstar.orders.stock.purge import purge_runs
from linkstar.orders.sync.connect import environment
from linkstar.workspace import repository as wrepo

log = logging.getLogger(__name__)


def publish_stock(session: Session, job: JobContext) -> None:
    """Plan the publications that are due, in every organisation (or the payload's)."""
    payload = job.payload or {}
    org_id = payload.get("organisation_id") or job.organisation_id
    orgs = wrepo.organisation_ids(session, org_id)
    now = environment().clock.utcnow()
    for organisation_id in orgs:
        planned = planning.plan_publications(session, organisation_id, now, "schedule")
        if planned:
            log.info("inventory.publish_stock %s: %d store(s) due", organisation_id, len(planned))


def publish_store(session: Session, job: JobContext) -> None:
    """Publish the payload's store once."""
    payload = job.payload or {}
    store_id = payload.get("store_id")
    if not job.organisation_id or not isinstance(store_id, str):
        log.warning("inventory.publish_store without an organisation or store: %s", payload)
        return
    box = SecretBox(get_settings().encryption_keys())
    try:
        run = service.publish_store(
            session,
            job.organisation_id,
            store_id,
            box,
            trigger=str(payload.get("trigger") or "schedule")[:20],
            dry_run=payload.get("dry_run") is True,
        )
    except NotFound:
        log.info("inventory.publish_store: store %s is gone", store_id)
        return
    log.info(
        "inventory.publish_store %s: %s, %d sent, %d failed, %d unchanged, %d unmatched",
        store_id,
        run.status,
        run.sent,
        run.failed,
        run.unchanged,
        run.unmatched,
    )


def check_stock_feed(session: Session, job: JobContext) -> None:
    """Ask the platform about the payload's feed (settled, or checked again later)."""
    payload = job.payload or {}
    feed_id = payload.get("feed_id")
    if not job.organisation_id or not isinstance(feed_id, str):
        log.warning("inventory.check_stock_feed without an organisation or feed: %s", payload)
        return
    box = SecretBox(get_settings().encryption_keys())
    feed = feeds.check_feed(session, job.organisation_id, feed_id, box, environment())
    if feed is not None:
        log.info("inventory.check_stock_feed %s: %s", feed.feed_id, feed.status)
        if planning.resume_after_feed(session, feed):
            log.info("store %s was deferred behind feed %s: published again", feed.store_id,
                     feed.feed_id)  # fmt: skip


def purge_publish_log(session: Session, job: JobContext) -> None:
    """Delete publication runs older than the retention, with their lines and feeds."""
    days = get_settings().publish_log_retention_days
    before = environment().clock.utcnow() - timedelta(days=days)
    total = sum(purge_runs(session, org, before) for org in wrepo.organisation_ids(session, None))
    log.info("purged %d stock publication runs older than %d days", total, days)
