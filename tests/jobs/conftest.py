"""Job-test fixtures: the effects table, the sample jobs, embedded runtimes."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from linkstar.config import Settings
from linkstar.db.outbox import OutboxJob
from linkstar.jobs.runtime import EmbeddedRuntime
from tests.conftest import service_url

# The helper modules here (sample_jobs, worker_launcher) are imported by their plain names, both
# in this process and in the worker processes the durability tests start with PYTHONPATH=HERE.
HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import sample_jobs  # noqa: E402


@pytest.fixture
def effects(
    engine: Engine, sessions: sessionmaker[Session]
) -> Iterator[Callable[[], dict[str, int]]]:
    """Create the empty job_effects table; yields a reader {job_id: attempt}."""
    with engine.begin() as conn:
        conn.execute(text(sample_jobs.EFFECTS_DDL))
        conn.execute(text("DELETE FROM job_effects"))

    def read() -> dict[str, int]:
        with engine.begin() as conn:
            return {
                r[0]: r[1] for r in conn.execute(text("SELECT job_id, attempt FROM job_effects"))
            }

    yield read
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS job_effects"))


@pytest.fixture
def job_row(sessions: sessionmaker[Session]) -> Callable[[str], OutboxJob]:
    """Read a job row afresh."""

    def read(job_id: str) -> OutboxJob:
        with sessions() as session:
            job = session.get(OutboxJob, job_id)
            assert job is not None, f"job {job_id} does not exist"
            return job

    return read


@pytest.fixture
def runtime(
    settings: Settings, engine: Engine, effects: Callable[[], dict[str, int]]
) -> Iterator[Callable[..., EmbeddedRuntime]]:
    """Start embedded runtimes (without the scheduler unless asked); all stop before teardown."""
    started: list[EmbeddedRuntime] = []

    def start(**options: Any) -> EmbeddedRuntime:
        options.setdefault("schedule", False)
        rt = EmbeddedRuntime(settings, engine, **options)
        rt.start()
        started.append(rt)
        return rt

    yield start
    for rt in started:
        rt.stop(timeout=5)
    sample_jobs.BROKEN.clear()


def _purge_redis(url: str, namespace: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=f"{namespace}:*"))
    if keys:
        client.delete(*keys)
    client.close()


def _purge_rabbitmq(url: str, queue: str) -> None:
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    for name in (queue, f"{queue}.DQ", f"{queue}.XQ"):
        channel.queue_delete(queue=name)
    connection.close()


@pytest.fixture
def broker(request: pytest.FixtureRequest) -> Iterator[tuple[str, str, str]]:
    """(mode, broker URL, a queue name no other run uses); purged afterwards."""
    mode = request.param
    url = "" if mode == "embedded" else service_url(mode)
    queue = f"lstest_{uuid.uuid4().hex[:12]}"
    yield mode, url, queue
    if mode == "redis":
        _purge_redis(url, queue)
    elif mode == "rabbitmq":
        _purge_rabbitmq(url, queue)
