"""Request and response models of store polling."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

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
    polling_enabled: bool = Field(
        True, description="false: the planner skips the store (demo stores, placeholder keys)"
    )
    polling_note: str = ""

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
            polling_enabled=row.polling_enabled,
            polling_note=row.polling_note,
        )


class StoreSyncSet(BaseModel):
    """How often the store is polled, and whether it is polled at all."""

    model_config = ConfigDict(extra="forbid")

    interval_minutes: int | None = Field(None, ge=1, le=1440)
    polling_enabled: bool | None = Field(
        None,
        description="Switch polling off or on; switching it on again after it was switched "
        "off is refused (409) until the store's credentials have been replaced.",
    )

    @field_validator("interval_minutes", "polling_enabled")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:  # omitted is fine; an explicit null is not a value
            raise ValueError("give a value or leave the field out")
        return value

    @model_validator(mode="after")
    def _something(self) -> StoreSyncSet:
        if self.interval_minutes is None and self.polling_enabled is None:
            raise ValueError("give interval_minutes and/or polling_enabled")
        return self


class SyncRequested(BaseModel):
    """A poll was enqueued; follow it with GET /jobs/{job_id}."""

    store_id: str
    job_id: str


class AuthorisationStart(BaseModel):
    """Where the platform should send the seller back (default: this server's console page)."""

    model_config = ConfigDict(extra="forbid")
    redirect_uri: str | None = Field(
        None, max_length=2000, description="absolute http(s) URL registered in the app"
    )


class AuthorisationStarted(BaseModel):
    authorize_url: str = Field(description="send the seller here to consent")
    redirect_uri: str
    expires_at: datetime = Field(description="the consent must come back before this")


class AuthorisationComplete(BaseModel):
    """The address the platform sent the seller's browser to, pasted whole."""

    model_config = ConfigDict(extra="forbid")
    callback_url: str = Field(min_length=1, max_length=8000)
