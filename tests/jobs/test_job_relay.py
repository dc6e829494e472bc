"""runner.relay_once: what is due gets queued and published once, even with concurrent relays."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

from sqlalchemy import select, update

from linkstar.db.outbox import OutboxJob, enqueue
from linkstar.db.uow import unit_of_work
from linkstar.jobs.runner import LOST_LEASE_ERROR, relay_once
from linkstar.kit.clock import utcnow


def _enqueue_many(sessions, n, **kw):
    with unit_of_work(sessions) as s:
        return [enqueue(s, "tests.record", {"n": i}, **kw).id for i in range(n)]


def _set(sessions, job_id, **values):
    with unit_of_work(sessions) as s:
        s.execute(update(OutboxJob).where(OutboxJob.id == job_id).values(**values))


def test_due_jobs_are_queued_then_published(sessions, job_row):
    due = _enqueue_many(sessions, 3)
    later = _enqueue_many(sessions, 1, run_after=utcnow() + timedelta(hours=1))[0]
    published = []
    before = utcnow()
    assert relay_once(sessions, lambda job_id, name: published.append((job_id, name)), 30) == 3
    assert sorted(published) == sorted((j, "tests.record") for j in due)
    for job_id in due:
        job = job_row(job_id)
        assert job.status == "queued"
        assert timedelta(seconds=29) < job.lease_until - before < timedelta(seconds=31)
    assert job_row(later).status == "pending"
    # Published jobs are not published again while their lease runs.
    assert relay_once(sessions, lambda *_: published.append(_), 30) == 0
    assert len(published) == 3


def test_jobs_are_marked_queued_before_publish_is_called(sessions):
    _enqueue_many(sessions, 1)
    seen = []

    def publish(jid, name):
        with sessions() as s:
            seen.append(s.get(OutboxJob, jid).status)

    relay_once(sessions, publish, 30)
    assert seen == ["queued"]


def test_expired_leases_are_published_again(sessions, job_row):
    queued, running, live = _enqueue_many(sessions, 3)
    past, future = utcnow() - timedelta(seconds=1), utcnow() + timedelta(minutes=5)
    _set(sessions, queued, status="queued", lease_until=past)
    _set(sessions, running, status="running", attempts=1, locked_by="gone", lease_until=past)
    _set(sessions, live, status="running", attempts=1, locked_by="alive", lease_until=future)
    published = []
    assert relay_once(sessions, lambda job_id, _name: published.append(job_id), 30) == 2
    assert sorted(published) == sorted([queued, running])
    assert (job_row(queued).status, job_row(queued).last_error) == ("queued", None)
    assert (job_row(running).status, job_row(running).last_error) == ("queued", LOST_LEASE_ERROR)
    assert job_row(running).attempts == 1
    assert job_row(live).status == "running"


def test_done_and_dead_jobs_are_never_published(sessions):
    done, dead = _enqueue_many(sessions, 2)
    _set(sessions, done, status="done", lease_until=None)
    _set(sessions, dead, status="dead", lease_until=None)
    assert relay_once(sessions, lambda *_: None, 30) == 0


def test_limit_bounds_one_batch(sessions):
    _enqueue_many(sessions, 5)
    assert relay_once(sessions, lambda *_: None, 30, limit=2) == 2
    assert relay_once(sessions, lambda *_: None, 30, limit=2) == 2
    assert relay_once(sessions, lambda *_: None, 30, limit=2) == 1
    assert relay_once(sessions, lambda *_: None, 30, limit=2) == 0


def test_a_failed_publish_does_not_stop_the_others(sessions, job_row):
    first, second = _enqueue_many(sessions, 2)
    published = []

    def publish(job_id, _name):
        if job_id == first:
            raise ConnectionError("broker down")
        published.append(job_id)

    assert relay_once(sessions, publish, 30) == 1
    assert published == [second]
    assert job_row(first).status == "queued"  # its lease brings it back


def test_concurrent_relays_publish_each_job_once(sessions):
    """Two relays racing over the same rows (SKIP LOCKED on PostgreSQL) never double-publish."""
    ids = _enqueue_many(sessions, 300)
    published: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def publish(job_id, _name):
        with lock:
            published.append(job_id)

    def relay():
        try:
            barrier.wait(timeout=10)
            while relay_once(sessions, publish, 60, limit=25):
                pass
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=relay) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    assert Counter(published) == Counter({job_id: 1 for job_id in ids})
    with sessions() as s:
        assert set(s.scalars(select(OutboxJob.status))) == {"queued"}
