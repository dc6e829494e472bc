"""Stored routing simulations on the demo workspace: inline, and as `routing.simulate` jobs.

Loads the demo (21 services of 8 carriers on the real USPS chart, FX, default policy, lane
statistics) into a fresh SQLite file, routes N extra parcels (stored decisions), then replays a
"cheapest, whatever the promise" policy over every routed order: once inside one transaction
(the API's inline path) and once through the job path (one job per 1,000-order batch, each job
its own committed transaction, as a worker runs it). Prints wall and process CPU time and
orders/s. Usage: python benchmarks/routing_simulation.py [--orders N]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from _common import report
from cryptography.fernet import Fernet
from sqlalchemy import select

from linkstar.config import Environment, Settings
from linkstar.db.engine import make_engine, make_session_factory
from linkstar.db.migrate import upgrade
from linkstar.db.outbox import JobContext, JobStatus, OutboxJob
from linkstar.db.uow import unit_of_work
from linkstar.demo import optimise as demo_optimise
from linkstar.demo import workspace as demo
from linkstar.kit.crypto import SecretBox
from linkstar.rating import routing, simulation_runs, simulation_tasks
from linkstar.workspace.core import system_principal

POLICY = demo_optimise.WHAT_IF_POLICY


def _route(sessions, actor, count: int) -> None:  # type: ignore[no-untyped-def]
    rows = demo_optimise.wave_parcels(count)
    for start in range(0, count, routing.MAX_BATCH):
        with unit_of_work(sessions) as s:
            part = [{**r, "order_id": f"SIM-{start + i}", "warehouse": "US-CA-ONT"}
                    for i, r in enumerate(rows[start : start + routing.MAX_BATCH])]  # fmt: skip
            routing.route(s, actor, part)


def _jobs(sessions, actor) -> int:  # type: ignore[no-untyped-def]
    """Run pending routing.simulate jobs one by one, each in its own transaction."""
    ran = 0
    while True:
        with unit_of_work(sessions) as s:
            job = s.scalars(
                select(OutboxJob).where(
                    OutboxJob.name == simulation_runs.SIMULATE_JOB,
                    OutboxJob.status == JobStatus.pending.value,
                )
            ).first()
            if job is None:
                return ran
            ctx = JobContext(job.id, job.name, job.organisation_id, dict(job.payload))
            job.status = JobStatus.done.value
        with unit_of_work(sessions) as s:
            simulation_tasks.simulate(s, ctx)
        ran += 1


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=20_000)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    settings = Settings(
        env=Environment.test,
        data_dir=tmp,
        database_url=f"sqlite:///{tmp}/bench.db",
        secret_key="b" * 40,
        encryption_key=Fernet.generate_key().decode(),
    )
    engine = make_engine(settings.database_url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    with unit_of_work(sessions) as session:
        summary = demo.load(session, SecretBox(settings.encryption_keys()))
        actor = system_principal(summary.organisation.id)
    _route(sessions, actor, args.orders)
    print(f"load average before: {os.getloadavg()}")
    rows = []
    for label, inline in (("inline, one transaction", True), ("jobs of 1,000 orders", False)):
        wall, cpu = time.perf_counter(), time.process_time()
        with unit_of_work(sessions) as s:
            limit = 10**6 if inline else 0
            sim = simulation_runs.start(s, actor, body=POLICY, inline_limit=limit)
            sim_id = sim.id
        jobs = 0 if inline else _jobs(sessions, actor)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        with sessions() as s:
            done = simulation_runs.get_simulation(s, actor, sim_id)
            assert done.status == "done", done.error
            orders = done.orders_total
        rows.append(
            {
                "path": label,
                "orders": orders,
                "jobs": jobs,
                "wall_s": round(wall, 2),
                "cpu_s": round(cpu, 2),
                "orders_per_cpu_s": round(orders / cpu),
            }
        )
    print(f"load average after: {os.getloadavg()}")
    report("routing_simulation", rows)


if __name__ == "__main__":
    main()
