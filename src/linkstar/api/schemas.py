"""Shapes that exist only at the HTTP edge: the error envelope, pages, who-am-I, jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from linkstar.db.outbox import JobStatus
from linkstar.workspace.core import ActorType, Permission, Role
from linkstar.workspace.schemas import OrganisationRead

ItemT = TypeVar("ItemT")


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. `not_found`.")
    message: str = Field(description="Human-readable explanation.")
    details: Any = Field(default=None, description="Field errors or other context, or null.")


class ErrorEnvelope(BaseModel):
    """The body of every error response."""

    error: ErrorDetail


class PageOf(BaseModel, Generic[ItemT]):
    """One page of a list; pass `next_cursor` back as `?cursor=` for the next page."""

    items: list[ItemT]
    next_cursor: str | None = Field(description="Cursor of the next page; null on the last page.")


class MeRead(BaseModel):
    """The caller as the API sees it."""

    actor_type: ActorType
    actor_id: str
    label: str
    role: Role | None = Field(description="The user's role; null for API keys.")
    permissions: list[Permission]
    organisation: OrganisationRead


class JobRead(BaseModel):
    """A background job of the organisation."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    status: JobStatus
    payload: dict[str, Any]
    attempts: int
    last_error: str | None
    run_after: datetime
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
