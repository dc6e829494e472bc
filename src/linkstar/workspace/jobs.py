"""What an organisation sees of its background jobs: counts, failures, and retrying dead ones."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from linkstar.db.outbox import JobStatus, OutboxJob
from linkstar.db.repository import Repository
from linkstar.kit.clock import utcnow
from linkstar.kit.errors import Conflict
from linkstar.kit.pagination import Page
from linkstar.workspace import audit
from linkstar.workspace.core import Permission, Principal


class JobRepository(Repository[OutboxJob]):
    """Jobs of one organisation (platform jobs without an organisation are never shown)."""

    model = OutboxJob


def list_jobs(
    session: Session, actor: Principal, status: JobStatus | None, limit: int, cursor: str | None
) -> Page[OutboxJob]:
    """A page of the organisation's jobs, optionally of one status."""
    actor.require(Permission.jobs_read)
    filters = {"status": status.value} if status else {}
    return JobRepository(session, actor.organisation_id).page(limit, cursor, **filters)


def get_job(session: Session, actor: Principal, job_id: str) -> OutboxJob:
    actor.require(Permission.jobs_read)
    return JobRepository(session, actor.organisation_id).get(job_id)


def job_counts(session: Session, actor: Principal) -> dict[str, int]:
    """How many of the organisation's jobs are in each status."""
    actor.require(Permission.jobs_read)
    stmt = (
        select(OutboxJob.status, func.count())
        .where(OutboxJob.organisation_id == actor.organisation_id)
        .group_by(OutboxJob.status)
    )
    counts = {status.value: 0 for status in JobStatus}
    counts.update({str(s): int(n) for s, n in session.execute(stmt)})
    return counts


def daily_finished(
    session: Session, actor: Principal, since: datetime
) -> list[tuple[str, str, int]]:
    """(UTC day, final status, count) of jobs that finished since `since`."""
    actor.require(Permission.jobs_read)
    day = func.date(OutboxJob.finished_at)
    stmt = (
        select(day, OutboxJob.status, func.count())
        .where(
            OutboxJob.organisation_id == actor.organisation_id,
            OutboxJob.finished_at >= since,
        )
        .group_by(day, OutboxJob.status)
        .order_by(day)
    )
    return [(str(d), str(s), int(n)) for d, s, n in session.execute(stmt)]


def retry_job(session: Session, actor: Principal, job_id: str) -> OutboxJob:
    """Send a dead job back to the queue with a fresh set of attempts."""
    actor.require(Permission.jobs_manage)
    job = JobRepository(session, actor.organisation_id).get(job_id)
    if job.status != JobStatus.dead.value:
        raise Conflict(f"only dead jobs can be retried; this one is {job.status}")
    before = audit.snapshot(job)
    job.status = JobStatus.pending.value
    job.attempts = 0
    job.run_after = utcnow()
    job.lease_until = None
    job.locked_by = None
    job.finished_at = None
    session.flush()
    audit.record(session, actor, "job.retry", job, before=before, after=audit.snapshot(job))
    return job
