"""The outbox: jobs written in the same transaction as the business change that causes them.

Every layer may enqueue (so the table lives here, low in the stack); `linkstar.jobs` relays rows
to Dramatiq, runs them and keeps the schedules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, bindparam, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from linkstar.db.base import Base, IdMixin
from linkstar.db.bulk import dialect_insert
from linkstar.kit.clock import utcnow
from linkstar.kit.ids import new_id


class JobStatus(StrEnum):
    pending = "pending"  # waiting for run_after
    queued = "queued"  # handed to the broker; re-queued if not started before lease_until
    running = "running"  # claimed by a worker until lease_until
    done = "done"
    dead = "dead"  # failed max_attempts times; retryable from the console


@dataclass(frozen=True)
class JobContext:
    """What a job handler learns about the job it runs (`attempt` counts from 1).

    Defined here, not in `linkstar.jobs`, so the domains' `tasks.py` can name it without
    importing the layer above them.
    """

    job_id: str
    name: str
    organisation_id: str | None
    payload: dict[str, Any] = field(default_factory=dict)
    attempt: int = 1


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
    job, _created = enqueue_unique(
        session,
        name,
        payload,
        organisation_id=organisation_id,
        idempotency_key=idempotency_key,
        run_after=run_after,
    )
    return job


def enqueue_unique(
    session: Session,
    name: str,
    payload: dict[str, Any] | None = None,
    *,
    organisation_id: str | None = None,
    idempotency_key: str | None = None,
    run_after: datetime | None = None,
) -> tuple[OutboxJob, bool]:
    """Like `enqueue`, also telling whether this call created the job (False: the key existed).

    Safe against a concurrent transaction enqueueing the same key: the insert runs in a
    savepoint, and losing the race returns the winner's job instead of failing the caller.
    """
    if idempotency_key:
        existing = _by_key(session, idempotency_key)
        if existing is not None:
            return existing, False
    job = OutboxJob(
        name=name,
        payload=payload or {},
        organisation_id=organisation_id,
        idempotency_key=idempotency_key,
        run_after=run_after or utcnow(),
        status=JobStatus.pending.value,
    )
    if not idempotency_key:
        session.add(job)
        session.flush()
        return job, True
    try:
        with session.begin_nested():
            session.add(job)
    except IntegrityError:
        existing = _by_key(session, idempotency_key)
        if existing is None:  # the key is not what collided
            raise
        return existing, False
    return job, True


def _by_key(session: Session, idempotency_key: str) -> OutboxJob | None:
    return session.scalars(
        select(OutboxJob).where(OutboxJob.idempotency_key == idempotency_key)
    ).first()


def purge_finished(session: Session, before: datetime) -> int:
    """Delete done jobs that finished before `before`; dead jobs are kept for the console."""
    result = session.execute(
        delete(OutboxJob).where(
            OutboxJob.status == JobStatus.done.value, OutboxJob.finished_at < before
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def enqueue_lean(
    session: Session,
    name: str,
    payload: dict[str, Any],
    *,
    organisation_id: str | None,
    idempotency_key: str,
    now: datetime,
) -> tuple[str, bool]:
    """`enqueue_unique` for hot paths: one `INSERT … ON CONFLICT DO NOTHING`, no ORM object.

    Returns (job id, created); a key already present costs one more SELECT for its id.
    """
    table = OutboxJob.__table__
    connection = session.connection()
    stmt = _lean_insert(connection.dialect.name)
    job_id = new_id()
    params = {
        "id": job_id,
        "name": name,
        "payload": payload,
        "organisation_id": organisation_id,
        "idempotency_key": idempotency_key,
        "status": JobStatus.pending.value,
        "attempts": 0,
        "run_after": now,
        "created_at": now,
    }
    if connection.execute(stmt, params).first() is not None:  # RETURNING: the row was new
        return job_id, True
    existing = connection.execute(
        select(table.c.id).where(table.c.idempotency_key == idempotency_key)
    ).scalar_one()
    return str(existing), False


@lru_cache(maxsize=4)
def _lean_insert(dialect: str) -> Any:
    # Built once per dialect: constructing the statement per call was a third of its cost.
    table = OutboxJob.__table__
    columns = ("id", "name", "payload", "organisation_id", "idempotency_key", "status",
               "attempts", "run_after", "created_at")  # fmt: skip
    return (
        dialect_insert(table, dialect)  # type: ignore[arg-type]
        .values({c: bindparam(c) for c in columns})
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(table.c.id)
    )
