"""Tables of stock publishing: runs, their lines, pending feeds, what each store last accepted
per SKU, and the platform ids each store's SKUs were last found under."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from linkstar.db.base import Base, IdMixin, OrgScoped, TimestampMixin


class StockPublishRun(IdMixin, TimestampMixin, OrgScoped, Base):
    """One publication to one store: when, why, and how many lines ended how."""

    __tablename__ = "stock_publish_runs"
    __table_args__ = (Index("ix_stock_publish_runs_store_created", "store_id", "created_at"),)

    store_id: Mapped[str] = mapped_column(String(32), ForeignKey("stores.id", ondelete="CASCADE"))
    trigger: Mapped[str] = mapped_column(String(20))  # schedule|manual|cli|retry|demo|after_feed
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16))  # ok|partial|failed|dry_run|pending|deferred
    error: Mapped[str] = mapped_column(Text, default="")
    finished_at: Mapped[datetime | None]
    considered: Mapped[int] = mapped_column(default=0)
    sent: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    unmatched: Mapped[int] = mapped_column(default=0)
    submitted: Mapped[int] = mapped_column(default=0)  # in a feed the platform has not answered
    requests: Mapped[int] = mapped_column(default=0)
    throttled: Mapped[int] = mapped_column(default=0)


class StockPublishLine(IdMixin, OrgScoped, Base):
    """One channel SKU of a run: the quantity sent, the one before, the platform's answer."""

    __tablename__ = "stock_publish_lines"
    __table_args__ = (Index("ix_stock_publish_lines_run", "run_id", "channel_sku"),)

    run_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("stock_publish_runs.id", ondelete="CASCADE")
    )
    store_id: Mapped[str] = mapped_column(String(32), ForeignKey("stores.id", ondelete="CASCADE"))
    channel_sku: Mapped[str] = mapped_column(String(120))
    master_skus: Mapped[str] = mapped_column(String(500))  # comma-separated (bundles: several)
    available: Mapped[int]
    quantity: Mapped[int]
    previous_quantity: Mapped[int | None]  # the last quantity the platform accepted
    status: Mapped[str] = mapped_column(String(20))  # orders.core.stock.LineStatus
    response: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime]


class PublishedStock(IdMixin, OrgScoped, Base):
    """The last quantity a store accepted for a channel SKU: the base of the next delta."""

    __tablename__ = "published_stock"
    __table_args__ = (UniqueConstraint("store_id", "channel_sku"),)

    store_id: Mapped[str] = mapped_column(String(32), ForeignKey("stores.id", ondelete="CASCADE"))
    channel_sku: Mapped[str] = mapped_column(String(120))
    quantity: Mapped[int]
    published_at: Mapped[datetime]


class StockPublishFeed(IdMixin, OrgScoped, Base):
    """A bulk feed (Amazon JSON_LISTINGS_FEED, Walmart inventory) waiting for its per-SKU result.

    `skus` is the JSON list of the feed's channel SKUs in message order (Amazon's processing
    report names messages by their 1-based position).
    """

    __tablename__ = "stock_publish_feeds"
    __table_args__ = (Index("ix_stock_publish_feeds_store_status", "store_id", "status"),)

    run_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("stock_publish_runs.id", ondelete="CASCADE")
    )
    store_id: Mapped[str] = mapped_column(String(32), ForeignKey("stores.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    feed_id: Mapped[str] = mapped_column(String(200))
    skus: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # submitted | done | failed
    checks: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class StockChannelId(IdMixin, OrgScoped, Base):
    """The platform ids a store's channel SKU was last found under (Shopify inventory item,
    TikTok Shop product + SKU + warehouse), so a run does not search for them again."""

    __tablename__ = "stock_channel_ids"
    __table_args__ = (UniqueConstraint("store_id", "channel_sku"),)

    store_id: Mapped[str] = mapped_column(String(32), ForeignKey("stores.id", ondelete="CASCADE"))
    channel_sku: Mapped[str] = mapped_column(String(120))
    item_id: Mapped[str] = mapped_column(String(200))
    product_id: Mapped[str] = mapped_column(String(64), default="")
    warehouse_id: Mapped[str] = mapped_column(String(64), default="")
    looked_up_at: Mapped[datetime]
