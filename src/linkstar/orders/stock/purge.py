"""Purging the publication log: runs older than the retention go, with their lines and feeds.

A run whose feed is still waiting for the platform is kept (its lines are not settled yet), and
`published_stock` and the id cache are never purged: they are state, not log.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from linkstar.orders.stock.models import StockPublishFeed, StockPublishLine, StockPublishRun

BATCH = 500  # runs per delete statement (bounded IN lists, short locks)


def purge_runs(session: Session, org_id: str, before: datetime) -> int:
    """Delete the organisation's runs created before `before`; returns how many."""
    waiting = select(StockPublishFeed.run_id).where(
        StockPublishFeed.organisation_id == org_id, StockPublishFeed.status == "submitted"
    )
    old = (
        select(StockPublishRun.id)
        .where(
            StockPublishRun.organisation_id == org_id,
            StockPublishRun.created_at < before,
            StockPublishRun.id.not_in(waiting),
        )
        .order_by(StockPublishRun.created_at)
        .limit(BATCH)
    )
    total = 0
    while ids := list(session.scalars(old)):
        session.execute(delete(StockPublishLine).where(StockPublishLine.run_id.in_(ids)))
        session.execute(delete(StockPublishFeed).where(StockPublishFeed.run_id.in_(ids)))
        session.execute(delete(StockPublishRun).where(StockPublishRun.id.in_(ids)))
        total += len(ids)
    return total
