"""The store_syncs table: one row per polled store (cursor, token bucket, last outcome)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from linkstar.db.base import Base, IdMixin, OrgScoped, TimestampMixin

DEFAULT_INTERVAL_SECONDS = 900


class StoreSync(IdMixin, TimestampMixin, OrgScoped, Base):
    """Where a store's polling stands; the poll job locks this row while it runs."""

    __tablename__ = "store_syncs"

    store_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("stores.id", ondelete="CASCADE"), unique=True
    )
    interval_seconds: Mapped[int] = mapped_column(default=DEFAULT_INTERVAL_SECONDS)
    # Orders updated at or after this moment are asked for next time (None: the first window).
    cursor: Mapped[datetime | None]
    # The store's token bucket survives between runs, so a new run cannot burst past the budget.
    bucket_tokens: Mapped[float | None] = mapped_column(Float)
    bucket_at: Mapped[datetime | None]
    last_poll_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    next_run_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    last_status: Mapped[str] = mapped_column(String(16), default="never")
    last_fetched: Mapped[int] = mapped_column(default=0)
    last_created: Mapped[int] = mapped_column(default=0)
    failures: Mapped[int] = mapped_column(default=0)
    # Off: the planner skips the store (demo stores, whose credentials are placeholders). It can
    # be switched on again only once the credentials differ from `paused_credentials` (a digest
    # of the sealed credentials when polling was switched off).
    polling_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    polling_note: Mapped[str] = mapped_column(String(200), default="")
    paused_credentials: Mapped[str] = mapped_column(String(64), default="")
