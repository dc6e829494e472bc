"""How one job runs, whatever carries it (in-process stub, Redis or RabbitMQ).

The outbox row is the truth: a broker message only says "look at job X". Every state change is
a short transaction on the row, and every change after the claim is conditioned on the attempt
that made it, so a worker that lost its lease can never overwrite the one that took over.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum

from dramatiq.middleware import TimeLimitExceeded
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from linkstar.db.outbox import JobContext, JobStatus, OutboxJob
from linkstar.db.uow import unit_of_work
from linkstar.jobs.registry import JobSpec, get_spec
from linkstar.kit.clock import utcnow

log = logging.getLogger(__name__)

ERROR_MAX_CHARS = 2000
LOST_LEASE_ERROR = "lease expired while running: the worker stopped or died mid-job"

Publish = Callable[[str, str], None]
"""`publish(job_id, job_name)`: hand one job to the broker."""


class Outcome(StrEnum):
    done = "done"
    retry = "retry"  # failed, back to pending with a backoff
    dead = "dead"  # failed for the last time, or unknown job name
    skipped = "skipped"  # nothing to do: missing, finished, not due or held by another worker
    superseded = "superseded"  # our lease was taken over; our effects were rolled back


class _Superseded(Exception):
    """The row moved on while the handler ran; roll its effects back."""


def lease_for(spec: JobSpec, lease_seconds: float) -> float:
    """How long a claim holds a job: the lease, never less than the time limit plus a margin."""
    return max(float(lease_seconds), spec.time_limit_seconds * 1.1 + 1.0)


def backoff_seconds(
    spec: JobSpec, attempt: int, rand: Callable[[], float] = random.random
) -> float:
    """Delay after failed `attempt` (1-based): exponential, capped, minus up to 20 % jitter."""
    exponent = min(max(attempt - 1, 0), 62)
    delay = min(spec.backoff_base_seconds * 2**exponent, spec.backoff_max_seconds)
    # Jitter only shortens the delay, so attempt n+1 always waits longer than attempt n.
    return delay * (1.0 - 0.2 * rand())


def describe_error(exc: BaseException) -> str:
    """`Type: message`, truncated for the last_error column."""
    text = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
    return text if len(text) <= ERROR_MAX_CHARS else text[: ERROR_MAX_CHARS - 1] + "…"


def execute(
    sessions: sessionmaker[Session], job_id: str, worker_id: str, lease_seconds: float
) -> Outcome:
    """Claim job `job_id`, run its handler once, record the result; job errors never escape."""
    claimed = _claim(sessions, job_id, worker_id, lease_seconds)
    if isinstance(claimed, Outcome):
        return claimed
    spec, ctx = claimed
    try:
        with unit_of_work(sessions) as session:
            spec.handler(session, ctx)
            if not _finish(session, ctx, JobStatus.done, finished_at=utcnow(), lease_until=None):
                raise _Superseded
    except _Superseded:
        log.warning(
            "job %s %s attempt %d lost its lease; rolled back", spec.name, job_id, ctx.attempt
        )
        return Outcome.superseded
    except BaseException as exc:  # TimeLimitExceeded and Shutdown are BaseExceptions too
        error = describe_error(exc)
        if isinstance(exc, TimeLimitExceeded):
            error = f"TimeLimitExceeded: ran past its {spec.time_limit_seconds:g} s time limit"
        outcome = _record_failure(sessions, spec, ctx, exc, error)
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise
        return outcome
    log.info("job %s %s done (attempt %d)", spec.name, job_id, ctx.attempt)
    return Outcome.done


def _claim(
    sessions: sessionmaker[Session], job_id: str, worker_id: str, lease_seconds: float
) -> tuple[JobSpec, JobContext] | Outcome:
    with unit_of_work(sessions) as session:
        # FOR UPDATE serialises claims on PostgreSQL; SQLite's BEGIN IMMEDIATE already does.
        row = session.scalars(
            select(OutboxJob).where(OutboxJob.id == job_id).with_for_update()
        ).first()
        now = utcnow()
        if row is None or not _claimable(row, worker_id, now):
            log.debug("job %s: nothing to do for this message", job_id)
            return Outcome.skipped
        spec = get_spec(row.name)
        if spec is None:
            _bury(row, now, f"UnknownJob: no handler is registered for job name {row.name!r}")
            log.error("job %s %s is dead: unknown job name", row.name, job_id)
            return Outcome.dead
        if row.attempts >= spec.max_attempts:
            # The last allowed attempt never reported back (its worker died): stop here.
            _bury(row, now, LOST_LEASE_ERROR)
            return Outcome.dead
        if row.status == JobStatus.running.value and row.locked_by != worker_id:
            row.last_error = LOST_LEASE_ERROR  # taking over from a worker that went silent
        row.status = JobStatus.running.value
        row.attempts += 1
        row.started_at = now
        row.locked_by = worker_id[:120]
        row.lease_until = now + timedelta(seconds=lease_for(spec, lease_seconds))
        ctx = JobContext(
            row.id, row.name, row.organisation_id, dict(row.payload or {}), row.attempts
        )
    return spec, ctx


def _claimable(row: OutboxJob, worker_id: str, now: datetime) -> bool:
    if row.status in (JobStatus.done.value, JobStatus.dead.value):
        return False
    if row.status == JobStatus.pending.value:
        return row.run_after <= now  # a stale message must not skip the backoff
    if row.status == JobStatus.running.value:
        held = row.lease_until is not None and row.lease_until > now
        return not held or row.locked_by == worker_id
    return True  # queued: this message is the one the relay sent


def _bury(row: OutboxJob, now: datetime, error: str) -> None:
    row.status = JobStatus.dead.value
    row.last_error = error[:ERROR_MAX_CHARS]
    row.finished_at = now
    row.lease_until = None


def _finish(session: Session, ctx: JobContext, status: JobStatus, **values: object) -> bool:
    """Move the row on only if it is still our running attempt; False when it is not."""
    result = session.execute(
        update(OutboxJob)
        .where(
            OutboxJob.id == ctx.job_id,
            OutboxJob.attempts == ctx.attempt,
            OutboxJob.status == JobStatus.running.value,
        )
        .values(status=status.value, **values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _record_failure(
    sessions: sessionmaker[Session],
    spec: JobSpec,
    ctx: JobContext,
    exc: BaseException,
    error: str,
) -> Outcome:
    now = utcnow()
    if ctx.attempt >= spec.max_attempts:
        outcome, values = Outcome.dead, {"finished_at": now}
    else:
        delay = timedelta(seconds=backoff_seconds(spec, ctx.attempt))
        outcome, values = Outcome.retry, {"run_after": now + delay}
    status = JobStatus.dead if outcome is Outcome.dead else JobStatus.pending
    with unit_of_work(sessions) as session:
        recorded = _finish(session, ctx, status, last_error=error, lease_until=None, **values)
    if not recorded:
        return Outcome.superseded
    log.warning(
        "job %s %s attempt %d/%d failed (%s): %s",
        spec.name,
        ctx.job_id,
        ctx.attempt,
        spec.max_attempts,
        outcome.value,
        error,
        exc_info=isinstance(exc, Exception),
    )
    return outcome


def relay_once(
    sessions: sessionmaker[Session], publish: Publish, lease_seconds: float, limit: int = 500
) -> int:
    """Queue up to `limit` due jobs (and jobs whose lease expired), then publish them.

    The rows are marked queued in one committed transaction before anything is published; a
    crash in between only delays them until the lease expires. Returns how many were published.
    """
    with unit_of_work(sessions) as session:
        now = utcnow()
        lease_expired = or_(OutboxJob.lease_until.is_(None), OutboxJob.lease_until < now)
        due = (
            select(OutboxJob.id, OutboxJob.name, OutboxJob.status)
            .where(
                or_(
                    (OutboxJob.status == JobStatus.pending.value) & (OutboxJob.run_after <= now),
                    OutboxJob.status.in_([JobStatus.queued.value, JobStatus.running.value])
                    & lease_expired,
                )
            )
            .order_by(OutboxJob.run_after)
            .limit(limit)
            # Concurrent relays (several workers, several machines) each take different rows.
            .with_for_update(skip_locked=True)
        )
        rows = session.execute(due).all()
        if not rows:
            return 0
        lease_until = now + timedelta(seconds=lease_seconds)
        lost = [r.id for r in rows if r.status == JobStatus.running.value]
        others = [r.id for r in rows if r.status != JobStatus.running.value]
        for ids, extra in ((lost, {"last_error": LOST_LEASE_ERROR}), (others, {})):
            if ids:
                session.execute(
                    update(OutboxJob)
                    .where(OutboxJob.id.in_(ids))
                    .values(status=JobStatus.queued.value, lease_until=lease_until, **extra)
                    .execution_options(synchronize_session=False)
                )
    published = 0
    for row in rows:
        try:
            publish(row.id, row.name)
            published += 1
        except Exception:  # the lease brings it back; keep publishing the others
            log.exception("could not publish job %s %s; it will be retried", row.name, row.id)
    return published
