"""The embedded runtime end to end: outbox → relay → in-memory broker → worker → handler."""

from __future__ import annotations

import threading

import pytest
import sample_jobs
from job_helpers import wait_for

from linkstar.db.outbox import OutboxJob, enqueue
from linkstar.db.uow import unit_of_work
from linkstar.workspace.jobs import retry_job


def _enqueue(sessions, name, payload=None, **kw):
    with unit_of_work(sessions) as s:
        return enqueue(s, name, payload or {}, **kw).id


def test_rolled_back_job_never_exists_and_committed_job_runs_exactly_once(
    sessions, runtime, effects, job_row
):
    with pytest.raises(RuntimeError), unit_of_work(sessions) as s:
        enqueue(s, "tests.record", {})
        raise RuntimeError("the business change failed")
    job_id = _enqueue(sessions, "tests.record")
    runtime()
    wait_for(lambda: job_row(job_id).status == "done", 10, "the committed job to run")
    with sessions() as s:
        assert [j.id for j in s.query(OutboxJob)] == [job_id]
    job = job_row(job_id)
    assert (job.status, job.attempts, job.last_error) == ("done", 1, None)
    assert job.locked_by.split(":")[:2][1].isdigit()
    assert effects() == {job_id: 1}


def test_jobs_enqueued_while_running_are_picked_up(sessions, runtime, effects, job_row):
    runtime()
    ids = [_enqueue(sessions, "tests.record") for _ in range(5)]
    wait_for(lambda: all(job_row(j).status == "done" for j in ids), 10, "five jobs to run")
    assert effects() == {j: 1 for j in ids}


def test_time_limit_interrupts_and_retries(sessions, runtime, effects, job_row):
    """Slow on attempt 1 only: interrupted at 0.3 s, retried, then done."""
    job_id = _enqueue(sessions, "tests.slow", {"seconds": 5, "slow_attempts": 1})
    runtime()
    wait_for(lambda: job_row(job_id).status == "done", 10, "the retry to succeed")
    job = job_row(job_id)
    assert job.attempts == 2
    assert job.last_error == "TimeLimitExceeded: ran past its 0.3 s time limit"
    assert effects() == {job_id: 2}


def test_time_limit_every_time_goes_dead(sessions, runtime, effects, job_row):
    job_id = _enqueue(sessions, "tests.slow", {"seconds": 5})
    runtime()
    wait_for(lambda: job_row(job_id).status == "dead", 10, "the job to be dead-lettered")
    job = job_row(job_id)
    assert job.attempts == 2
    assert job.last_error == "TimeLimitExceeded: ran past its 0.3 s time limit"
    assert effects() == {}


def test_dead_job_retried_from_the_console_runs(sessions, runtime, effects, job_row, tenant):
    job_id = _enqueue(sessions, "tests.fail", organisation_id=tenant.org.id)
    sample_jobs.BROKEN.add(job_id)
    # Dead after three attempts (backoff made short by moving run_after in the past).
    runtime()
    for attempt in (1, 2, 3):
        wait_for(
            lambda a=attempt: job_row(job_id).attempts == a and job_row(job_id).status != "running",
            10,
            f"attempt {attempt}",
        )
        if attempt < 3:
            with unit_of_work(sessions) as s:
                s.get(OutboxJob, job_id).run_after = job_row(job_id).created_at
    job = job_row(job_id)
    assert (job.status, job.last_error) == ("dead", "RuntimeError: boom 3")
    sample_jobs.BROKEN.discard(job_id)
    with unit_of_work(sessions) as s:
        retry_job(s, tenant.principal, job_id)
    wait_for(lambda: job_row(job_id).status == "done", 10, "the retried job to run")
    assert job_row(job_id).attempts == 1
    assert effects() == {job_id: 1}


def test_unknown_job_goes_dead_in_the_runtime(sessions, runtime, job_row):
    job_id = _enqueue(sessions, "tests.nobody_handles_this")
    runtime()
    wait_for(lambda: job_row(job_id).status == "dead", 10, "the unknown job to be dead")
    assert "no handler is registered" in job_row(job_id).last_error


def test_start_and_stop_many_times_leaves_no_threads(sessions, runtime, effects, job_row):
    before = {t.ident for t in threading.enumerate()}
    for _ in range(5):
        rt = runtime(schedule=True, scheduler_interval=0.05)
        job_id = _enqueue(sessions, "tests.record")
        wait_for(lambda j=job_id: job_row(j).status == "done", 10, "a job per start")
        rt.stop(timeout=5)
        assert not rt.running
    leftover = [t for t in threading.enumerate() if t.ident not in before and t.is_alive()]
    assert leftover == []
    assert len(effects()) == 5


def test_stop_releases_jobs_still_in_the_memory_queue(sessions, runtime, effects, job_row):
    """Jobs published to the in-memory broker but not started go back to pending on stop."""
    sample_jobs.RELEASE.clear()
    blocker = _enqueue(sessions, "tests.block")
    rt = runtime(threads=1)
    wait_for(lambda: job_row(blocker).status == "running", 10, "the blocking job to start")
    waiting = _enqueue(sessions, "tests.record")
    wait_for(lambda: job_row(waiting).status == "queued", 10, "the next job to be queued")
    rt.stop(timeout=0.3)  # the only worker thread is busy: `waiting` never left the memory queue
    sample_jobs.RELEASE.set()
    job = job_row(waiting)
    assert (job.status, job.lease_until, job.attempts) == ("pending", None, 0)
    wait_for(lambda: job_row(blocker).status == "done", 10, "the blocking job to finish")


def test_scheduler_thread_enqueues_the_periodic_jobs(sessions, runtime, job_row):
    runtime(schedule=True, scheduler_interval=0.05)

    def names():
        with sessions() as s:
            return sorted(j.name for j in s.query(OutboxJob) if j.status == "done")

    # A set: the per-minute planner of store polls runs again if the test crosses a minute.
    wait_for(
        lambda: (
            set(names())
            == {
                "inbox.plan_message_polls",
                "inbox.ab_orders",
                "inbox.poll_mailboxes",
                "inbox.timers",
                "inbox.wake_snoozed",
                "inventory.publish_stock",
                "inventory.purge_publish_log",
                "orders.plan_polls",
                "tracking.plan_carrier_polls",
                "tracking.refresh_lane_stats",
                "tracking.sweep_exceptions",
                "workspace.purge_audit_log",
                "workspace.purge_auth_records",
                "workspace.purge_finished_jobs",
            }
        ),
        10,
        "the periodic jobs to run",
    )
