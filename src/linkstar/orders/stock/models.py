"""Tables of stock publishing: runs, their lines, and what each store last accepted per SKU."""

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
    trigger: Mapped[str] = mapped_column(String(20))  # schedule | manual | cli | retry | demo
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16))  # ok | partial | failed | dry_run
    error: Mapped[str] = mapped_column(Text, default="")
    finished_at: Mapped[datetime | None]
    considered: Mapped[int] = mapped_column(default=0)
    sent: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    unmatched: Mapped[int] = mapped_column(default=0)
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
