"""Throughput of the job pipeline: enqueue in one transaction, relay, run, mark done.

Measures the real code path of `linkstar serve` (embedded runtime: in-memory Dramatiq broker,
worker threads, outbox relay) or of `linkstar worker` (with --broker-url redis://… or amqp://…).
Each job's handler writes one row in the same transaction that marks it done.
Usage: python benchmarks/jobs_throughput.py [--jobs N] [--threads T] [--database-url URL]
       [--broker-url URL]
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

from _common import report
from cryptography.fernet import Fernet
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from linkstar.config import Environment, Settings
from linkstar.db.engine import make_engine, make_session_factory
from linkstar.db.migrate import upgrade
from linkstar.db.outbox import JobContext, JobStatus, OutboxJob, enqueue
from linkstar.db.uow import unit_of_work
from linkstar.jobs.registry import JobSpec, register
from linkstar.jobs.runtime import EmbeddedRuntime, run_worker

EFFECTS = "bench_job_effects"


def _effect(session: Session, job: JobContext) -> None:
    session.execute(text(f"INSERT INTO {EFFECTS} (job_id) VALUES (:id)"), {"id": job.job_id})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=5000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--broker-url", default="")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    settings = Settings(
        env=Environment.test,
        data_dir=tmp,
        database_url=args.database_url or f"sqlite:///{tmp}/bench.db",
        broker_url=args.broker_url,
        secret_key="b" * 40,
        encryption_key=Fernet.generate_key().decode(),
        job_poll_seconds=0.05,
    )
    engine = make_engine(settings.database_url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    with engine.begin() as conn:
        conn.execute(text(f"DROP TABLE IF EXISTS {EFFECTS}"))
        conn.execute(text(f"CREATE TABLE {EFFECTS} (job_id VARCHAR(32) PRIMARY KEY)"))
        conn.execute(text("DELETE FROM outbox_jobs"))
    register(JobSpec("bench.effect", _effect), replace=True)

    started = time.perf_counter()
    with unit_of_work(sessions) as session:
        for _ in range(args.jobs):
            enqueue(session, "bench.effect", {"n": 1})
    enqueued = time.perf_counter() - started

    stop = threading.Event()
    runner: threading.Thread | None = None
    runtime: EmbeddedRuntime | None = None
    started = time.perf_counter()
    if args.broker_url:
        runner = threading.Thread(
            target=run_worker, args=(settings, engine, args.threads, stop), daemon=True
        )
        runner.start()
    else:
        runtime = EmbeddedRuntime(settings, engine, threads=args.threads, schedule=False)
        runtime.start()
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        with unit_of_work(sessions) as session:
            done = session.scalar(
                select(func.count()).where(OutboxJob.status == JobStatus.done.value)
            )
        if done == args.jobs:
            break
        time.sleep(0.1)
    drained = time.perf_counter() - started
    if runtime is not None:
        runtime.stop()
    stop.set()
    if runner is not None:
        runner.join(30)
    with engine.connect() as conn:
        effects = conn.execute(text(f"SELECT COUNT(*) FROM {EFFECTS}")).scalar()
    assert effects == args.jobs == done, (effects, done)
    mode = args.broker_url.split(":", 1)[0] if args.broker_url else "embedded"
    print(f"database: {engine.dialect.name}; runner: {mode}; {args.threads} worker threads")
    report(
        f"jobs_throughput_{engine.dialect.name}_{mode}",
        [
            {
                "step": f"enqueue {args.jobs} jobs in one transaction",
                "seconds": enqueued,
                "per_s": args.jobs / enqueued,
            },
            {
                "step": f"relay + run + mark done, {args.threads} threads",
                "seconds": drained,
                "per_s": args.jobs / drained,
            },
        ],
    )


if __name__ == "__main__":
    main()
