"""Response models of stock publishing."""

from __future__ import annotations

import json
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from linkstar.orders.stock.models import StockPublishFeed


class PublishRequested(BaseModel):
    """A publication was enqueued; follow it with GET /jobs/{job_id}, then the runs."""

    store_id: str
    job_id: str
    dry_run: bool
    waits_for_feed: str | None = Field(
        default=None,
        description="set when the store's previous bulk feed is still processing: the run will "
        "be recorded `deferred`, send nothing, and the store is published again (trigger "
        "`after_feed`) once that feed is settled",
    )


class PublishRunRead(BaseModel):
    """One publication to one store, with how its lines ended."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    store_id: str
    trigger: str = Field(description="schedule | manual | cli | retry | demo | after_feed")
    dry_run: bool
    status: str = Field(
        description="ok | partial | failed | dry_run | pending (a bulk feed has not answered) | "
        "deferred (sent nothing: a previous feed was still processing)"
    )
    error: str
    created_at: datetime
    finished_at: datetime | None
    considered: int = Field(description="channel SKUs computed")
    sent: int
    failed: int
    unchanged: int = Field(description="equal to the last accepted quantity: not sent")
    unmatched: int = Field(description="the platform has no listing with this SKU")
    submitted: int = Field(description="in an Amazon or Walmart feed not answered yet")
    requests: int
    throttled: int


class PublishLineRead(BaseModel):
    """One channel SKU of a run."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    channel_sku: str
    master_skus: str = Field(description="comma-separated; a bundle lists its components")
    available: int
    quantity: int = Field(description="the quantity listed (after the store's buffers)")
    previous_quantity: int | None = Field(description="the last quantity the platform accepted")
    status: str = Field(
        description="sent | failed | skipped_unchanged | skipped_unmatched | dry_run | submitted"
    )
    response: str = Field(description="the platform's answer or the error")
    at: datetime


class PublishFeedRead(BaseModel):
    """A bulk feed a run submitted, and where the platform is with it."""

    id: str
    channel: str
    feed_id: str = Field(description="the platform's feed id")
    skus: int = Field(description="channel SKUs in the feed")
    status: str = Field(description="submitted | done | failed")
    checks: int = Field(description="times the platform was asked about it")
    error: str
    submitted_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, feed: StockPublishFeed) -> PublishFeedRead:
        return cls(
            id=feed.id,
            channel=feed.channel,
            feed_id=feed.feed_id,
            skus=len(json.loads(feed.skus)),
            status=feed.status,
            checks=feed.checks,
            error=feed.error,
            submitted_at=feed.submitted_at,
            finished_at=feed.finished_at,
        )
