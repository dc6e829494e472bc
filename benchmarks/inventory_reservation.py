"""Reservation throughput under concurrency, and proof of zero oversell (PostgreSQL).

16 client processes (processes, not threads: each needs its own interpreter to be a real
concurrent client) allocate through `allocation.allocate` in short transactions of --batch
one-line orders, retrying serialization failures and deadlocks (`transactions.in_transaction`).

Phase 1 (throughput): plenty of stock; reservations/s = order lines reserved / wall time.
Phase 2 (last units): 5 SKUs x 3 warehouses x 10 units, far more demand than stock; at the end
exactly the 150 units are reserved, allocated == on_hand everywhere, and the ledger reconciles.
Usage: python benchmarks/inventory_reservation.py --database-url postgresql+psycopg://... \
       [--clients 16] [--orders 600] [--batch 10]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import time

from _common import report
from _inventory_world import build
from sqlalchemy import func, select

from linkstar.db.engine import make_engine, make_session_factory
from linkstar.db.migrate import upgrade
from linkstar.inventory import allocation
from linkstar.inventory.core import (
    AllocationPolicy,
    AllocationRequest,
    RequestLine,
    Strategy,
    centroid,
)
from linkstar.inventory.models import Allocation, StockLevel
from linkstar.inventory.reconcile import reconcile
from linkstar.inventory.transactions import in_transaction

POLICY = AllocationPolicy(Strategy.closest)


def client(
    url: str, org: str, n: int, orders: int, batch: int, skus: int, prefix: str, go
) -> tuple[int, float]:  # type: ignore[no-untyped-def]
    engine = make_engine(url, pool_size=1)
    sessions = make_session_factory(engine)
    rng = random.Random(n)
    centroid("US", "10001")  # build the ZIP index before the clock starts, as a server would
    go.wait()
    cpu = time.process_time()
    reserved = 0
    for start in range(0, orders, batch):
        requests = [
            AllocationRequest(
                f"{prefix}{n}-{start + i}",
                "US",
                rng.choice(("10001", "90210", "60601", "30301")),
                (RequestLine(f"B-{rng.randrange(skus):04d}", 1, "1"),),
            )
            for i in range(min(batch, orders - start))
        ]
        decisions = in_transaction(
            sessions, lambda s, r=requests: allocation.allocate(s, org, r, POLICY)
        )
        reserved += sum(d.lines[0].allocated for d in decisions)
    engine.dispose()
    return reserved, time.process_time() - cpu


def run(
    url: str, org: str, clients: int, orders: int, batch: int, skus: int, prefix: str
) -> tuple[int, float, float]:
    """Reserved units, wall seconds, and the CPU seconds all clients used together."""
    ctx = mp.get_context("spawn")
    go = ctx.Manager().Barrier(clients + 1)
    with ctx.Pool(clients) as pool:
        jobs = [
            pool.apply_async(client, (url, org, n, orders, batch, skus, prefix, go))
            for n in range(clients)
        ]
        go.wait()
        start = time.perf_counter()
        results = [j.get() for j in jobs]
        elapsed = time.perf_counter() - start
        return sum(r for r, _ in results), elapsed, sum(c for _, c in results)


def check(sessions, org: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with sessions() as s:
        levels = s.execute(
            select(StockLevel.on_hand, StockLevel.allocated).where(
                StockLevel.organisation_id == org
            )
        ).all()
        reserved = int(
            s.scalar(
                select(func.coalesce(func.sum(Allocation.quantity), 0)).where(
                    Allocation.organisation_id == org
                )
            )
            or 0
        )
        drift = len(reconcile(s, org).drifts)
    assert all(0 <= a <= h for h, a in levels), "negative stock or oversell"
    assert reserved == sum(a for _, a in levels)
    assert drift == 0
    return {
        "on_hand": sum(h for h, _ in levels),
        "allocated": sum(a for _, a in levels),
        "reserved_rows": reserved,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--orders", type=int, default=600, help="orders per client")
    parser.add_argument("--batch", type=int, default=10, help="orders per transaction")
    args = parser.parse_args()
    engine = make_engine(args.database_url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    stamp = time.time_ns()
    rows = []

    actor, _ = build(sessions, 60, units=100_000, name=f"Resv Bench {stamp}")
    got, secs, cpu = run(
        args.database_url, actor.organisation_id, args.clients, args.orders, args.batch, 60, "T"
    )
    totals = check(sessions, actor.organisation_id)
    rows.append(
        {
            "phase": "throughput",
            "clients": args.clients,
            "batch": args.batch,
            "reserved": got,
            "seconds": secs,
            "per_s": round(got / secs),
            "clients_cpu_s": cpu,  # the database server's CPU is not in it
            "client_cpu_ms_each": 1000 * cpu / max(got, 1),
            "oversold": totals["allocated"] - totals["on_hand"]
            if totals["allocated"] > totals["on_hand"]
            else 0,
        }
    )

    actor, _ = build(sessions, 5, units=10, name=f"Last Units {stamp}")
    got, secs, cpu = run(
        args.database_url, actor.organisation_id, args.clients, 40, args.batch, 5, "L"
    )
    totals = check(sessions, actor.organisation_id)
    assert got == totals["allocated"] == totals["on_hand"] == 150, (got, totals)
    rows.append(
        {
            "phase": "last 150 units",
            "clients": args.clients,
            "batch": args.batch,
            "reserved": got,
            "seconds": secs,
            "per_s": round(got / secs),
            "clients_cpu_s": cpu,  # the database server's CPU is not in it
            "client_cpu_ms_each": 1000 * cpu / max(got, 1),
            "oversold": 0,
        }
    )
    report("inventory_reservation", rows)
    print(
        "zero oversell: every level 0 <= allocated <= on_hand, reservations = Σ allocated, "
        "ledger reconciles"
    )


if __name__ == "__main__":
    main()
