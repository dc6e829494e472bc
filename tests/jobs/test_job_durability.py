"""Durability: a worker killed (SIGKILL) in the middle of a job does not lose it.

A real worker process takes the job, says "started" and hangs; the test kills it, starts a
second worker, and the job runs again once the lease of the first attempt has expired. The
handler's effect is written idempotently, so there is exactly one, from attempt 2. Same test
for the embedded runtime (no broker), Redis and RabbitMQ.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from job_helpers import wait_for

from linkstar.db.outbox import enqueue
from linkstar.db.uow import unit_of_work
from linkstar.jobs.runner import LOST_LEASE_ERROR

HERE = Path(__file__).resolve().parent


@pytest.fixture
def launch(
    tmp_path: Path, database_url: str, effects: Callable[[], dict[str, int]]
) -> Iterator[Callable[[str, str, str], subprocess.Popen[bytes]]]:
    """Start worker processes configured through LINKSTAR_* variables; all are gone afterwards."""
    procs: list[subprocess.Popen[bytes]] = []

    def start(mode: str, broker_url: str, queue: str) -> subprocess.Popen[bytes]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LINKSTAR_")}
        env.update(
            PYTHONPATH=str(HERE),
            LINKSTAR_ENV="test",
            LINKSTAR_DATA_DIR=str(tmp_path / "var"),
            LINKSTAR_DATABASE_URL=database_url,
            LINKSTAR_BROKER_URL=broker_url,
            LINKSTAR_EMBEDDED_WORKERS="1",
            LINKSTAR_JOB_LEASE_SECONDS="1",
            LINKSTAR_JOB_POLL_SECONDS="0.1",
        )
        log = open(tmp_path / f"worker{len(procs) + 1}.log", "wb")  # noqa: SIM115
        kind = "embedded" if mode == "embedded" else "worker"
        proc = subprocess.Popen(
            [sys.executable, "-m", "worker_launcher", kind, queue],
            cwd=tmp_path,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


def _logs(tmp_path: Path) -> str:
    return "\n".join(p.read_text()[-3000:] for p in sorted(tmp_path.glob("worker*.log")))


@pytest.mark.slow
@pytest.mark.parametrize(
    "broker",
    [
        "embedded",
        pytest.param("redis", marks=pytest.mark.redis),
        pytest.param("rabbitmq", marks=pytest.mark.rabbitmq),
    ],
    indirect=True,
)
def test_job_of_a_killed_worker_runs_again_with_a_single_effect(
    broker, launch, sessions, effects, job_row, tmp_path
):
    mode, url, queue = broker
    started = tmp_path / "started"
    with unit_of_work(sessions) as s:
        job_id = enqueue(s, "tests.durable", {"started_file": str(started)}).id

    first = launch(mode, url, queue)
    try:
        wait_for(started.exists, 30, "the first worker to start the job")
    except BaseException:
        print(_logs(tmp_path))
        raise
    first.send_signal(signal.SIGKILL)
    assert first.wait(timeout=10) == -signal.SIGKILL
    job = job_row(job_id)
    assert (job.status, job.attempts) == ("running", 1)
    assert effects() == {}  # the killed attempt's transaction never committed

    second = launch(mode, url, queue)
    try:
        wait_for(lambda: job_row(job_id).status == "done", 30, "the second worker to finish it")
    except BaseException:
        print(_logs(tmp_path))
        raise
    second.send_signal(signal.SIGTERM)
    assert second.wait(timeout=15) == 0, _logs(tmp_path)

    job = job_row(job_id)
    assert (job.status, job.attempts, job.last_error) == ("done", 2, LOST_LEASE_ERROR)
    assert job.locked_by.split(":")[1] == str(second.pid)
    assert effects() == {job_id: 2}
