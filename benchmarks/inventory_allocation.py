"""Allocation throughput: orders planned and reserved per second.

Two figures: the pure planner (`Allocator.plan` over an in-memory stock map) and the whole
service path (`allocation.allocate`: load stock, plan, conditional UPDATE per chosen level,
multi-row ledger and allocation inserts, commit) in transactions of --batch orders.
Usage: python benchmarks/inventory_allocation.py [--orders N] [--batch B] [--database-url URL]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from _common import report
from _inventory_world import build, orders
from sqlalchemy import func, select

from linkstar.db.engine import make_engine, make_session_factory
from linkstar.db.migrate import upgrade
from linkstar.db.uow import unit_of_work
from linkstar.inventory import allocation
from linkstar.inventory.core import AllocationPolicy, Allocator, Strategy
from linkstar.inventory.models import Allocation, StockLevel
from linkstar.inventory.reconcile import reconcile

SKUS = 60


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--database-url", default="")
    parser.add_argument(
        "--strategies", default=",".join(s.value for s in Strategy), help="comma-separated"
    )
    args = parser.parse_args()
    strategies = [Strategy(s) for s in args.strategies.split(",")]
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp())}/bench.db"
    engine = make_engine(url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    actor, _ = build(sessions, SKUS, units=1_000_000, name=f"Alloc Bench {time.time_ns()}")
    work = orders(args.orders, SKUS)
    rows = []
    for strategy in strategies:
        policy = AllocationPolicy(strategy)
        with sessions() as s:
            sites = allocation.sites(s, actor.organisation_id)
        stock = {
            (f"B-{i:04d}", site.warehouse_id): 1_000_000 for i in range(SKUS) for site in sites
        }
        planner = Allocator(sites, policy)
        start, cpu = time.perf_counter(), time.process_time()
        for request in work:
            planner.plan(request, stock)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        rows.append(
            {
                "path": "core plan",
                "strategy": strategy.value,
                "orders": len(work),
                "seconds": elapsed,
                "orders_per_s": round(len(work) / elapsed),
                "cpu_seconds": cpu,
                "orders_per_cpu_s": round(len(work) / cpu),
            }
        )

    for strategy in strategies:
        policy = AllocationPolicy(strategy)
        batch = [
            r.__class__(**{**_fields(r), "order_ref": f"{strategy.value}-{r.order_ref}"})
            for r in work
        ]
        start, cpu = time.perf_counter(), time.process_time()
        for i in range(0, len(batch), args.batch):
            with unit_of_work(sessions) as s:
                allocation.allocate(s, actor.organisation_id, batch[i : i + args.batch], policy)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        rows.append(
            {
                "path": f"service, {engine.dialect.name}, {args.batch}/txn",
                "strategy": strategy.value,
                "orders": len(work),
                "seconds": elapsed,
                "orders_per_s": round(len(work) / elapsed),
                # On a loaded machine: what this process alone used (the database server's
                # CPU is not in it for PostgreSQL; SQLite runs in this process).
                "cpu_seconds": cpu,
                "orders_per_cpu_s": round(len(work) / cpu),
            }
        )
    with sessions() as s:
        assert reconcile(s, actor.organisation_id).drifts == []
        reserved = s.scalar(
            select(func.sum(Allocation.quantity)).where(
                Allocation.organisation_id == actor.organisation_id
            )
        )
        allocated = s.scalar(
            select(func.sum(StockLevel.allocated)).where(
                StockLevel.organisation_id == actor.organisation_id
            )
        )
        assert reserved == allocated, (reserved, allocated)
    report("inventory_allocation", rows)
    print(f"ledger reconciles, {reserved:,} units reserved = Σ allocated")


def _fields(request):  # type: ignore[no-untyped-def]
    return {f: getattr(request, f) for f in request.__dataclass_fields__}


if __name__ == "__main__":
    main()
