"""Bulk ingestion of tracking events: events/s into SQLite and PostgreSQL, indexes and dedup on.

Generates realistic USPS journeys (label, pick-up, facility scans, out for delivery, delivered;
some with a failed attempt), normalised through the real mapping tables before timing starts,
then times `tracking.ingest.ingest` + commit for:

1. new shipments (every shipment created in the batch; 40 % of the parcels repeat one event
   inside the batch, which must be dropped);
2. later scans only: status continues from each shipment's stored derived state;
3. history re-sent, as aggregators do (four stored events again plus two new ones): repeats
   are dropped by the unique key and status is re-derived from the stored events.

Each row gives the wall rate and the rate per second of this process's CPU (load-independent;
on PostgreSQL the server's CPU is not in it, it is given beside it, read from /proc for a local
server), with the load average before and after.

`--columns` hands each batch to `ingest_columns` as columns (`core.columns.from_updates`, built
before timing, as a bulk source would hand them); without it, `ingest` takes the core updates
and its conversion into columns is timed too.

Usage: python benchmarks/tracking_ingest.py [--shipments 20000] [--postgres SERVER_URL]
[--columns] (`--postgres`: any database URL on the server; the run creates its own database
there and drops it afterwards, so it never migrates a shared one.)
"""

from __future__ import annotations

import gc
import os
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _common import arguments, postgres_database, report
from sqlalchemy import text
from tracking_sweep_db import server_cpu

from linkstar.db.engine import make_engine, make_session_factory
from linkstar.db.migrate import upgrade
from linkstar.db.uow import unit_of_work
from linkstar.tracking.core.columns import from_updates
from linkstar.tracking.core.events import TrackingEvent, event_from_raw
from linkstar.tracking.core.updates import TrackingUpdate
from linkstar.tracking.ingest import ingest, ingest_columns
from linkstar.workspace.access import create_organisation

T0 = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
STEPS = [
    ("MA", "Shipping Label Created, USPS Awaiting Item"),
    ("03", "USPS picked up item"),
    ("10", "Processed Through USPS Facility"),
    ("07", "Arrived at USPS Regional Facility"),
    ("EF", "Departed USPS Regional Facility"),
    ("10", "Processed Through USPS Facility"),
    ("07", "Arrived at Post Office"),
    ("OF", "Out for Delivery"),
    ("02", "Notice Left (No Authorized Recipient Available)"),
    ("01", "Delivered, In/At Mailbox"),
]
CITIES = ["ONTARIO, CA", "EDISON, NJ", "CHICAGO, IL", "DALLAS, TX", "ATLANTA, GA", "DENVER, CO"]


def journey(rng: random.Random, start: datetime) -> list[TrackingEvent]:
    """Ten USPS events of one parcel at realistic intervals."""
    out = []
    at = start
    for code, description in STEPS:
        at += timedelta(hours=rng.uniform(2, 30))
        city, state = rng.choice(CITIES).split(", ")
        out.append(
            event_from_raw(
                carrier="usps",
                event_time=at,
                raw_code=code,
                raw_description=description,
                city=city,
                state=state,
                country="US",
            )
        )
    return out


def make_batches(n: int, seed: int = 7) -> list[tuple[str, list[TrackingUpdate]]]:
    """New shipments (with in-batch repeats), later scans only, then history re-sent."""
    rng = random.Random(seed)
    first, later, follow = [], [], []
    for i in range(n):
        number = f"9400{i:018d}"
        events = journey(rng, T0 + timedelta(minutes=i))
        head = events[:6]
        if rng.random() < 0.4:
            head = [*head, head[-1]]  # a repeated report inside the batch
        first.append(TrackingUpdate(number, "usps", tuple(head), "bench"))
        later.append(TrackingUpdate(number, "usps", tuple(events[6:8]), "bench"))
        follow.append(TrackingUpdate(number, "usps", tuple(events[4:10]), "bench"))
    return [
        ("new shipments", first),
        ("later scans only", later),
        ("history re-sent (4 repeats + 2 new)", follow),
    ]


def run(url: str, n: int, label: str, columns: bool) -> list[dict[str, object]]:
    """Time both batches against one fresh database."""
    eng = make_engine(url)
    upgrade(eng)
    factory = make_session_factory(eng)
    with unit_of_work(factory) as session:
        org, _ = create_organisation(
            session,
            f"Bench {time.time_ns()}",
            f"b{time.time_ns()}@bench.example",
            "Bench-Pass-2026",
        )
        org_id = org.id
    backend = None
    if eng.dialect.name == "postgresql":  # one pooled connection serves every batch below
        with eng.connect() as connection:
            backend = int(connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
    rows: list[dict[str, object]] = []
    batches = make_batches(n)
    # The generated batches live through every timed section: frozen, no collection re-scans
    # them there (they made one PostgreSQL figure swing between 54k and 100k events/CPU-s).
    gc.collect()
    gc.freeze()
    for name, batch in batches:
        events = sum(len(u.events) for u in batch)
        given = from_updates(batch) if columns else None
        load_before = os.getloadavg()[0]
        cpu, start, server = time.process_time(), time.perf_counter(), server_cpu(backend)
        with unit_of_work(factory) as session:
            if given is None:
                result = ingest(session, org_id, batch)
            else:
                result = ingest_columns(session, org_id, given)
        seconds = time.perf_counter() - start
        cpu = time.process_time() - cpu
        server = server_cpu(backend) - server if backend else None
        rows.append(
            {
                "database": label,
                "input": "columns" if columns else "updates",
                "batch": name,
                "events": events,
                "inserted": result.events_inserted,
                "duplicates": result.duplicates,
                "shipments": result.shipments_touched,
                "seconds": seconds,
                "events_per_s": int(events / seconds),
                # This process's CPU: load-independent; on PostgreSQL the server's is not in it.
                "events_per_cpu_s": int(events / cpu),
                "server_cpu_s": "" if server is None else f"{server:.2f}",
                "load_before": f"{load_before:.1f}",
                "load_after": f"{os.getloadavg()[0]:.1f}",
            }
        )
    with eng.connect() as conn:
        mine = {"org": org_id}
        stored = conn.execute(
            text("SELECT count(*) FROM tracking_events WHERE organisation_id = :org"), mine
        ).scalar()
        delivered = conn.execute(
            text(
                "SELECT count(*) FROM shipments "
                "WHERE status = 'delivered' AND organisation_id = :org"
            ),
            mine,
        ).scalar()
    assert stored == n * 10, stored
    assert delivered == n, delivered
    gc.unfreeze()
    eng.dispose()
    return rows


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--shipments", type=int, default=20_000)
    parser.add_argument("--postgres", default="", help="a PostgreSQL server URL (own database)")
    parser.add_argument("--columns", action="store_true", help="hand the batches as columns")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        rows += run(
            f"sqlite:///{Path(folder) / 'bench.db'}", args.shipments, "SQLite", args.columns
        )
    if args.postgres:
        with postgres_database(args.postgres, "tracking_ingest") as url:
            rows += run(url, args.shipments, "PostgreSQL", args.columns)
    report("tracking_ingest", rows)


if __name__ == "__main__":
    main()
