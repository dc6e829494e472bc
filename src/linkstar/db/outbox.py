"""The outbox: jobs written in the same transaction as the business change that causes them.

Every layer may enqueue (so the table lives here, low in the stack); `linkstar.jobs` relays rows
to Dramatiq, runs them and keeps the schedules.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from linkstar.db.base import Base, IdMixin
from linkstar.kit.clock import utcnow


class JobStatus(StrEnum):
    pending = "pending"  # waiting for run_after
    queued = "queued"  # handed to the broker; re-queued if not started before lease_until
    running = "running"  # claimed by a worker until lease_until
    done = "done"
    dead = "dead"  # failed max_attempts times; retryable from the console


class OutboxJob(IdMixin, Base):
    __tablename__ = "outbox_jobs"
    __table_args__ = (Index("ix_outbox_jobs_due", "status", "run_after"),)

    organisation_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.pending.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    run_after: Mapped[datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[datetime | None]
    locked_by: Mapped[str | None] = mapped_column(String(120))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


def enqueue(
    session: Session,
    name: str,
    payload: dict[str, Any] | None = None,
    *,
    organisation_id: str | None = None,
    idempotency_key: str | None = None,
    run_after: datetime | None = None,
) -> OutboxJob:
    """Write a job into the caller's transaction; it runs only if that transaction commits.

    With an idempotency key, enqueueing the same key again returns the existing job.
    """
    if idempotency_key:
        existing = session.scalars(
            select(OutboxJob).where(OutboxJob.idempotency_key == idempotency_key)
        ).first()
        if existing is not None:
            return existing
    job = OutboxJob(
        name=name,
        payload=payload or {},
        organisation_id=organisation_id,
        idempotency_key=idempotency_key,
        run_after=run_after or utcnow(),
        status=JobStatus.pending.value,
    )
    session.add(job)
    session.flush()
    return job
