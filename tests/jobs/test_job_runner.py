"""runner.execute: claiming, success, retries with backoff, dead letters, lost leases."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sample_jobs
from sqlalchemy import update

from linkstar.db.outbox import JobStatus, OutboxJob, enqueue
from linkstar.db.uow import unit_of_work
from linkstar.jobs.registry import JobSpec, get_spec, register, unregister
from linkstar.jobs.runner import (
    LOST_LEASE_ERROR,
    Outcome,
    backoff_seconds,
    describe_error,
    execute,
    lease_for,
)
from linkstar.kit.clock import utcnow
from linkstar.workspace.jobs import retry_job

LEASE = 60


def _enqueue(sessions, name, payload=None, **kw):
    with unit_of_work(sessions) as s:
        return enqueue(s, name, payload or {}, **kw).id


def _set(sessions, job_id, **values):
    with unit_of_work(sessions) as s:
        s.execute(update(OutboxJob).where(OutboxJob.id == job_id).values(**values))


def test_backoff_doubles_is_capped_and_jitter_only_shortens():
    spec = JobSpec("x", sample_jobs.record, backoff_base_seconds=2, backoff_max_seconds=20)
    assert [backoff_seconds(spec, n, rand=lambda: 0.0) for n in (1, 2, 3, 4, 5, 6)] == [
        2,
        4,
        8,
        16,
        20,
        20,
    ]
    assert backoff_seconds(spec, 3, rand=lambda: 1.0) == pytest.approx(6.4)
    assert backoff_seconds(spec, 1000, rand=lambda: 0.0) == 20


def test_lease_covers_the_time_limit():
    assert lease_for(JobSpec("x", sample_jobs.record, time_limit_seconds=10), 5) == pytest.approx(
        12
    )
    assert lease_for(JobSpec("x", sample_jobs.record, time_limit_seconds=10), 300) == 300


def test_describe_error_truncates():
    assert describe_error(ValueError("bad")) == "ValueError: bad"
    assert len(describe_error(ValueError("x" * 5000))) == 2000


def test_success_runs_once_and_marks_done(sessions, effects, job_row):
    job_id = _enqueue(sessions, "tests.record")
    assert execute(sessions, job_id, "w1", LEASE) is Outcome.done
    job = job_row(job_id)
    assert (job.status, job.attempts, job.locked_by, job.lease_until) == ("done", 1, "w1", None)
    assert job.finished_at is not None and job.started_at is not None
    assert effects() == {job_id: 1}
    # A duplicate message for a finished job does nothing.
    assert execute(sessions, job_id, "w2", LEASE) is Outcome.skipped
    assert job_row(job_id).attempts == 1


def test_failures_back_off_longer_each_time_then_go_dead(sessions, effects, job_row, tenant):
    job_id = _enqueue(sessions, "tests.fail", organisation_id=tenant.org.id)
    sample_jobs.BROKEN.add(job_id)
    delays = []
    for attempt in (1, 2):
        before = utcnow()
        assert execute(sessions, job_id, "w1", LEASE) is Outcome.retry
        job = job_row(job_id)
        assert (job.status, job.attempts, job.lease_until) == ("pending", attempt, None)
        assert job.last_error == f"RuntimeError: boom {attempt}"
        delays.append((job.run_after - before).total_seconds())
        # Not due yet: a stale message must not skip the backoff.
        assert execute(sessions, job_id, "w1", LEASE) is Outcome.skipped
        _set(sessions, job_id, run_after=utcnow() - timedelta(seconds=1))
    assert 8 - 0.5 <= delays[0] <= 10 + 0.5
    assert 16 - 0.5 <= delays[1] <= 20 + 0.5
    assert delays[1] > delays[0]

    assert execute(sessions, job_id, "w1", LEASE) is Outcome.dead
    job = job_row(job_id)
    assert (job.status, job.attempts, job.last_error) == ("dead", 3, "RuntimeError: boom 3")
    assert job.finished_at is not None
    assert execute(sessions, job_id, "w1", LEASE) is Outcome.skipped
    assert effects() == {}

    # The console's retry brings it back with fresh attempts; fixed, it then runs.
    sample_jobs.BROKEN.discard(job_id)
    with unit_of_work(sessions) as s:
        retry_job(s, tenant.principal, job_id)
    assert (job_row(job_id).status, job_row(job_id).attempts) == ("pending", 0)
    assert execute(sessions, job_id, "w1", LEASE) is Outcome.done
    assert (job_row(job_id).status, job_row(job_id).attempts) == ("done", 1)
    assert effects() == {job_id: 1}


def test_unknown_job_name_goes_dead(sessions, job_row):
    job_id = _enqueue(sessions, "tests.no_such_job")
    assert get_spec("tests.no_such_job") is None
    assert execute(sessions, job_id, "w1", LEASE) is Outcome.dead
    job = job_row(job_id)
    assert job.status == "dead"
    assert job.attempts == 0
    assert job.last_error == "UnknownJob: no handler is registered for job name 'tests.no_such_job'"


def test_missing_job_is_skipped(sessions):
    assert execute(sessions, "0" * 32, "w1", LEASE) is Outcome.skipped


def test_running_job_with_a_live_lease_is_left_alone(sessions, effects, job_row):
    job_id = _enqueue(sessions, "tests.record")
    lease = utcnow() + timedelta(seconds=60)
    _set(sessions, job_id, status="running", attempts=1, locked_by="other", lease_until=lease)
    assert execute(sessions, job_id, "w1", LEASE) is Outcome.skipped
    assert (job_row(job_id).status, job_row(job_id).attempts) == ("running", 1)
    assert effects() == {}


def test_running_job_with_an_expired_lease_is_taken_over(sessions, effects, job_row):
    job_id = _enqueue(sessions, "tests.record")
    lease = utcnow() - timedelta(seconds=1)
    _set(sessions, job_id, status="running", attempts=1, locked_by="dead-worker", lease_until=lease)
    assert execute(sessions, job_id, "w1", LEASE) is Outcome.done
    job = job_row(job_id)
    assert (job.status, job.attempts, job.last_error) == ("done", 2, LOST_LEASE_ERROR)
    assert effects() == {job_id: 2}


def test_last_attempt_lost_goes_dead_instead_of_running_again(sessions, effects, job_row):
    job_id = _enqueue(sessions, "tests.fail")
    lease = utcnow() - timedelta(seconds=1)
    _set(sessions, job_id, status="running", attempts=3, locked_by="dead-worker", lease_until=lease)
    assert execute(sessions, job_id, "w1", LEASE) is Outcome.dead
    job = job_row(job_id)
    assert (job.status, job.attempts, job.last_error) == ("dead", 3, LOST_LEASE_ERROR)
    assert effects() == {}


def test_superseded_attempt_rolls_back_its_effects(sessions, effects, job_row):
    """If another worker took the job over mid-run, this attempt's writes must not commit."""

    def hijacked(session, job):
        # Another worker's claim commits while this handler runs (before it touches the DB).
        _set(sessions, job.job_id, attempts=job.attempt + 1, locked_by="thief")
        sample_jobs.write_effect(session, job)

    register(JobSpec("tests.hijacked", hijacked))
    try:
        job_id = _enqueue(sessions, "tests.hijacked")
        assert execute(sessions, job_id, "w1", LEASE) is Outcome.superseded
    finally:
        unregister("tests.hijacked")
    job = job_row(job_id)
    assert (job.status, job.attempts, job.locked_by) == ("running", 2, "thief")
    assert effects() == {}


def test_rollback_means_no_job(sessions):
    with pytest.raises(RuntimeError), unit_of_work(sessions) as s:
        enqueue(s, "tests.record", {})
        raise RuntimeError("business change failed")
    with sessions() as s:
        assert s.query(OutboxJob).count() == 0


def test_enqueue_with_same_idempotency_key_returns_the_existing_job(sessions):
    first = _enqueue(sessions, "tests.record", idempotency_key="k1")
    second = _enqueue(sessions, "tests.record", idempotency_key="k1")
    assert first == second
    with sessions() as s:
        assert s.query(OutboxJob).count() == 1
        assert s.get(OutboxJob, first).status == JobStatus.pending.value


def test_concurrent_enqueue_of_one_key_yields_one_job_and_no_error(sessions):
    """The loser of an idempotency-key race gets the winner's job; its transaction survives."""
    holder = sessions()
    first = enqueue(holder, "tests.record", {}, idempotency_key="race")  # flushed, not committed
    result: dict[str, object] = {}

    def second_transaction():
        try:
            with unit_of_work(sessions) as s:
                result["id"] = enqueue(s, "tests.record", {}, idempotency_key="race").id
        except BaseException as exc:
            result["error"] = exc

    thread = threading.Thread(target=second_transaction)
    thread.start()
    thread.join(timeout=0.3)  # it waits on the first transaction's insert (or lock)
    assert thread.is_alive()
    holder.commit()
    holder.close()
    thread.join(timeout=30)
    assert "error" not in result
    assert result["id"] == first.id
    with sessions() as s:
        assert s.query(OutboxJob).count() == 1
