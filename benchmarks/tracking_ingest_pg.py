"""PostgreSQL bulk tracking ingestion: client CPU, server (backend) CPU and wall, per batch and
per store step.

`tracking_ingest.py`'s three batches (new shipments, later scans only, history re-sent), columns
input, against PostgreSQL only, with `ingest_batch`'s calls of the `event_store` functions
wrapped to read this process's CPU and the backend's CPU (from /proc, a local server) around
each. The benchmark only names those functions, so it runs unchanged against an older checkout
(`PYTHONPATH=/tmp/before/src python benchmarks/tracking_ingest_pg.py`) for alternated pairs.
Also prints, per batch, how many shipment updates were HOT (`pg_stat_user_tables`).

Usage: python benchmarks/tracking_ingest_pg.py --postgres SERVER_URL [--shipments 20000]
[--label NAME] (the run creates its own database, named with the label, and drops it after)
"""

from __future__ import annotations

import argparse
import gc
import os
import time
from collections import defaultdict
from typing import Any

from _common import own_database
from sqlalchemy import text
from tracking_ingest import make_batches
from tracking_sweep_db import server_cpu

from linkstar.db.engine import make_engine, make_session_factory
from linkstar.db.migrate import upgrade
from linkstar.db.uow import unit_of_work
from linkstar.tracking import ingest_batch
from linkstar.tracking.core.columns import from_updates
from linkstar.tracking.ingest import ingest_columns
from linkstar.workspace.access import create_organisation

STEPS = (
    "find_shipments",
    "stored_pairs",
    "insert_shipments",
    "insert_events",
    "write_status",
    "fill_service_and_promise",
)


def wrap_steps(backend: list[int], spent: dict[str, list[float]]) -> None:
    """Time each step's client and backend CPU into `spent` (name → [client, server])."""
    for name in STEPS:
        inner = getattr(ingest_batch, name)

        def wrapper(*args: Any, _inner: Any = inner, _name: str = name, **kw: Any) -> Any:
            cpu, server = time.process_time(), server_cpu(backend[0])
            try:
                return _inner(*args, **kw)
            finally:
                spent[_name][0] += time.process_time() - cpu
                spent[_name][1] += server_cpu(backend[0]) - server

        setattr(ingest_batch, name, wrapper)


def run(url: str, n: int) -> None:
    eng = make_engine(url, pool_size=1, max_overflow=0)
    upgrade(eng)
    factory = make_session_factory(eng)
    with unit_of_work(factory) as session:
        stamp = time.time_ns()
        org, _ = create_organisation(
            session, f"Bench {stamp}", f"b{stamp}@bench.example", "Bench-Pass-2026"
        )
        org_id = org.id
        backend = [int(session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar())]
    spent: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    wrap_steps(backend, spent)
    batches = make_batches(n)
    gc.collect()
    gc.freeze()
    stats = "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'shipments'"
    for name, batch in batches:
        events = sum(len(u.events) for u in batch)
        given = from_updates(batch)
        spent.clear()
        load = os.getloadavg()[0]
        cpu, start, server = time.process_time(), time.perf_counter(), server_cpu(backend[0])
        with unit_of_work(factory) as session:
            pid = int(session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar())
            assert pid == backend[0], "one pooled connection serves every batch"
            server = server_cpu(backend[0])
            cpu, start = time.process_time(), time.perf_counter()
            result = ingest_columns(session, org_id, given)
        wall = time.perf_counter() - start
        cpu = time.process_time() - cpu
        server = server_cpu(backend[0]) - server
        time.sleep(0.6)  # the statistics collector reports on its own schedule
        with eng.connect() as conn:
            upd, hot = conn.execute(text(stats)).one()
        print(
            f"{name:38s} events {events:7d} inserted {result.events_inserted:7d} "
            f"client {cpu:5.2f}s server {server:5.2f}s wall {wall:5.2f}s "
            f"events/client-cpu-s {events / cpu:9,.0f} events/s {events / wall:9,.0f} "
            f"load {load:.2f}->{os.getloadavg()[0]:.2f} shipments upd {upd} hot {hot}"
        )
        for step in STEPS:
            if step in spent:
                c, s = spent[step]
                print(f"    {step:28s} client {c:5.2f}s server {s:5.2f}s")
    gc.unfreeze()
    eng.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shipments", type=int, default=20_000)
    parser.add_argument("--postgres", required=True, help="a PostgreSQL server URL")
    parser.add_argument("--label", default="ingest_pg", help="part of the database's name")
    args = parser.parse_args()
    url, drop = own_database(args.postgres, args.label)
    try:
        run(url, args.shipments)
    finally:
        drop()


if __name__ == "__main__":
    main()
