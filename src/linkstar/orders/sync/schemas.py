"""Request and response models of store polling."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from linkstar.orders.sync.models import DEFAULT_INTERVAL_SECONDS, StoreSync


class StoreSyncRead(BaseModel):
    """Where a store's polling stands (`last_status` "never" before its first poll)."""

    store_id: str
    polled: bool = Field(description="active, with credentials, on a polled channel")
    interval_minutes: int
    cursor: datetime | None = Field(None, description="orders updated since then are asked for")
    last_poll_at: datetime | None = None
    last_success_at: datetime | None = None
    next_run_at: datetime | None = None
    last_status: str = "never"
    last_error: str = ""
    last_fetched: int = 0
    last_created: int = 0
    failures: int = 0

    @classmethod
    def of(cls, store_id: str, polled: bool, row: StoreSync | None) -> StoreSyncRead:
        """The view of a state row (or of a store never polled)."""
        if row is None:
            return cls(
                store_id=store_id,
                polled=polled,
                interval_minutes=DEFAULT_INTERVAL_SECONDS // 60,
            )
        return cls(
            store_id=store_id,
            polled=polled,
            interval_minutes=row.interval_seconds // 60,
            cursor=row.cursor,
            last_poll_at=row.last_poll_at,
            last_success_at=row.last_success_at,
            next_run_at=row.next_run_at,
            last_status=row.last_status,
            last_error=row.last_error,
            last_fetched=row.last_fetched,
            last_created=row.last_created,
            failures=row.failures,
        )


class StoreSyncSet(BaseModel):
    """How often the store is polled."""

    model_config = ConfigDict(extra="forbid")

    interval_minutes: int = Field(ge=1, le=1440)


class SyncRequested(BaseModel):
    """A poll was enqueued; follow it with GET /jobs/{job_id}."""

    store_id: str
    job_id: str
