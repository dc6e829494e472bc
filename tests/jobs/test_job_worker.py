"""run_worker over real Redis and RabbitMQ, in this process: runs jobs, stops on its event."""

from __future__ import annotations

import threading

import pytest
from job_helpers import BROKER_MODES, wait_for

from linkstar.db.outbox import enqueue
from linkstar.db.uow import unit_of_work
from linkstar.jobs.broker import broker_ping
from linkstar.jobs.runtime import run_worker


@pytest.mark.parametrize("broker", BROKER_MODES, indirect=True)
def test_run_worker_runs_jobs_and_stops(broker, settings, engine, sessions, effects, job_row):
    _mode, url, queue = broker
    broker_ping(url)
    settings = settings.model_copy(update={"broker_url": url})
    with unit_of_work(sessions) as s:
        ids = [enqueue(s, "tests.record", {"n": n}).id for n in range(3)]
        slow = enqueue(s, "tests.slow", {"seconds": 5, "slow_attempts": 1}).id
    stop = threading.Event()
    thread = threading.Thread(
        target=run_worker, args=(settings, engine, 2, stop), kwargs={"queue_name": queue}
    )
    thread.start()
    try:
        wait_for(lambda: all(job_row(j).status == "done" for j in [*ids, slow]), 20, "the jobs")
    finally:
        stop.set()
        thread.join(timeout=20)
    assert not thread.is_alive()
    assert effects() == {**{j: 1 for j in ids}, slow: 2}
    # The time limit travelled with the message through the real broker.
    assert job_row(slow).last_error == "TimeLimitExceeded: ran past its 0.3 s time limit"


def test_run_worker_refuses_to_start_without_a_broker(settings, engine):
    with pytest.raises(ValueError, match="broker URL"):
        run_worker(settings, engine, 1, threading.Event())
