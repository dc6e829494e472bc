"""Jobs the job tests run; importing this module registers them (here and in worker processes).

Every effect goes into `job_effects`, a table the tests create with raw SQL, keyed by job id and
written with INSERT ... ON CONFLICT DO NOTHING: the idempotency every real handler must have.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from linkstar.jobs.registry import JobContext, JobSpec, register

EFFECTS_DDL = (
    "CREATE TABLE IF NOT EXISTS job_effects"
    " (job_id VARCHAR(32) PRIMARY KEY, attempt INTEGER NOT NULL)"
)
INSERT_EFFECT = (
    "INSERT INTO job_effects (job_id, attempt) VALUES (:id, :attempt)"
    " ON CONFLICT (job_id) DO NOTHING"
)

# Job ids whose `tests.fail` handler keeps failing (in this process only).
BROKEN: set[str] = set()
# `tests.block` waits for this (in this process only).
RELEASE = threading.Event()


def write_effect(session: Session, job: JobContext) -> None:
    """Record that `job` took effect, once, whatever the number of attempts."""
    session.execute(
        text(INSERT_EFFECT),
        {"id": job.job_id, "attempt": job.attempt},
    )


def record(session: Session, job: JobContext) -> None:
    write_effect(session, job)


def fail(session: Session, job: JobContext) -> None:
    if job.job_id in BROKEN:
        raise RuntimeError(f"boom {job.attempt}")
    write_effect(session, job)


def slow(session: Session, job: JobContext) -> None:
    """Busy for payload['seconds'] on the first payload['slow_attempts'] attempts."""
    if job.attempt <= job.payload.get("slow_attempts", 99):
        deadline = time.monotonic() + job.payload["seconds"]
        while time.monotonic() < deadline:  # short sleeps: the time limit interrupts between them
            time.sleep(0.01)
    write_effect(session, job)


def block(session: Session, job: JobContext) -> None:
    RELEASE.wait(timeout=10)
    write_effect(session, job)


def durable(session: Session, job: JobContext) -> None:
    """Write the effect, then on attempt 1 say "started" and hang until the worker is killed."""
    write_effect(session, job)
    if job.attempt == 1:
        session.flush()
        Path(job.payload["started_file"]).write_text(str(job.attempt))
        time.sleep(60)


SPECS = (
    JobSpec("tests.record", record),
    JobSpec("tests.fail", fail, max_attempts=3, backoff_base_seconds=10, backoff_max_seconds=3600),
    JobSpec("tests.slow", slow, max_attempts=2, time_limit_seconds=0.3, backoff_base_seconds=0.01),
    JobSpec("tests.block", block, time_limit_seconds=30),
    JobSpec(
        "tests.durable", durable, max_attempts=3, time_limit_seconds=1, backoff_base_seconds=0.01
    ),
)

for _spec in SPECS:
    register(_spec, replace=True)
