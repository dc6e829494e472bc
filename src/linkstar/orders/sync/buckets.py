"""A store's token bucket kept between runs, in its `store_syncs` row.

The order poller, the stock publisher and the feed checks of one store share that bucket, so
together they never burst past the platform's budget; a 429's Retry-After holds it back until then
(`TokenBucket.throttle`), so whichever of them runs next waits until the platform said it may.
Marketplace message polls keep their own bucket the same way (`inbox_message_polls`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from linkstar.orders.connectors.clients import TokenBucket
from linkstar.orders.sync.models import StoreSync


def store_state(session: Session, org_id: str, store_id: str, *, lock: bool) -> StoreSync:
    """The store's sync row, created on first use; `lock` holds it for this transaction."""
    stmt = select(StoreSync).where(
        StoreSync.organisation_id == org_id, StoreSync.store_id == store_id
    )
    if lock:
        stmt = stmt.with_for_update()  # one poll per store at a time (SQLite: BEGIN IMMEDIATE)
    row = session.scalars(stmt).first()
    if row is None:
        row = StoreSync(organisation_id=org_id, store_id=store_id)
        session.add(row)
        session.flush()
    return row


def resume_bucket(bucket: TokenBucket, row: Any) -> None:
    """Continue a bucket where the row's last run left it (a Retry-After hold included).

    `row` has `bucket_tokens` and `bucket_at` (a store_syncs or an inbox_message_polls row);
    the bucket runs on wall-clock seconds (`BudgetClock`), so its time is storable.
    """
    if row.bucket_tokens is not None and row.bucket_at is not None:
        bucket.tokens = min(bucket.limit.burst, float(row.bucket_tokens))
        bucket.updated = row.bucket_at.timestamp()


def keep_bucket(bucket: TokenBucket, row: Any) -> None:
    """Store the bucket in the row for the next run."""
    row.bucket_tokens = bucket.tokens
    row.bucket_at = datetime.fromtimestamp(bucket.updated, UTC)
