"""The inbox report over 100,000 threads (a year of them) with 20,000 orders, on SQLite and on
a PostgreSQL database this script creates and drops itself.

Times `inbox_report` (all figures: summary, percentiles, volume by day, intent and channel,
lead conversion) for the last 30 days, the last 365 days, and one channel over 365 days:
wall milliseconds p50/p95, this process's CPU per call and, on PostgreSQL running on this
machine, the CPU of the database backend per call (read from /proc; mean over the runs, 10 ms
clock ticks): under load the CPU figures are the honest ones.

Usage: python benchmarks/inbox_reports.py [--threads N] [--runs N] [--postgres URL]
  --postgres: a server URL whose user may CREATE DATABASE (e.g. postgresql://127.0.0.1:5432/test)
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from _common import percentiles, report
from sqlalchemy import insert, text
from sqlalchemy.engine import make_url

from linkstar.db.engine import make_engine, make_session_factory
from linkstar.db.migrate import upgrade
from linkstar.db.uow import unit_of_work
from linkstar.inbox.models import InboxThread
from linkstar.inbox.reports import ReportRange, inbox_report
from linkstar.kit.ids import new_id
from linkstar.orders.models import Order
from linkstar.workspace.access import create_organisation
from linkstar.workspace.core import system_principal
from linkstar.workspace.models import Store

SEED = 20261205
INTENTS = ["where_is_my_order"] * 6 + [
    "delivery_problem", "return_request", "refund_request", "bulk_or_oem_inquiry",
    "price_negotiation", "product_question", "complaint", "other",
]  # fmt: skip
CHANNELS = ["email", "amazon", "ebay", "shopify", "tiktok", "website"]


def fill(sessions: Any, org_id: str, threads: int, orders: int, now: datetime) -> None:
    """Threads over a year (answered, closed, leads) and orders, some by the leads' buyers."""
    rng = random.Random(SEED)
    with unit_of_work(sessions) as s:
        store = Store(
            organisation_id=org_id, name="B", channel="amazon", region="US", currency="USD"
        )
        s.add(store)
        s.flush()
        store_id = store.id
    leads: list[tuple[str, datetime]] = []
    for start in range(0, threads, 10_000):
        rows = []
        for i in range(start, min(start + 10_000, threads)):
            at = now - timedelta(minutes=rng.uniform(0, 60 * 24 * 365))
            answered = (
                at + timedelta(hours=rng.lognormvariate(1.5, 1.0)) if rng.random() < 0.85 else None
            )
            closed = (
                (answered or at) + timedelta(hours=rng.uniform(1, 200))
                if rng.random() < 0.6
                else None
            )
            intent = rng.choice(INTENTS)
            buyer = f"buyer{i}@example.com"
            if intent in ("bulk_or_oem_inquiry", "price_negotiation"):
                leads.append((buyer, at))
            rows.append({
                "id": new_id(), "organisation_id": org_id, "channel": rng.choice(CHANNELS),
                "store_ref": "", "external_thread_id": "", "buyer_address": buyer,
                "buyer_name": "", "subject": "", "intent": intent, "confidence": 0.9,
                "language": "en", "sentiment": "neutral", "urgency": "normal",
                "priority": "normal", "status": "closed" if closed else "open",
                "snoozed_until": None, "assignee_user_id": None, "tags": [], "order_refs": [],
                "sla_due_at": None, "first_response_at": answered,
                "first_response_due_at": at + timedelta(hours=24), "closed_at": closed,
                "last_inbound_at": at, "last_outbound_at": answered, "last_activity_at": at,
                "message_count": 2, "snippet": "", "created_at": at, "updated_at": at,
            })  # fmt: skip
        with unit_of_work(sessions) as s:
            s.execute(insert(InboxThread.__table__), rows)
    order_rows = []
    for k in range(orders):
        if k % 4 == 0 and leads:  # a quarter of the orders come from leads, some in the window
            buyer, at = rng.choice(leads)
            placed = at + timedelta(days=rng.uniform(-10, 30))
        else:
            buyer, placed = f"shopper{k}@example.com", now - timedelta(days=rng.uniform(0, 365))
        order_rows.append({
            "id": new_id(), "organisation_id": org_id, "store_id": store_id, "channel": "amazon",
            "external_id": f"B-{k}", "external_number": f"B-{k}", "state": "checked",
            "channel_status": "open", "version": placed, "content_hash": f"B-{k}",
            "placed_at": placed, "buyer_email": buyer, "currency": "USD",
            "subtotal": Decimal("10"), "shipping": Decimal("0"), "tax": Decimal("0"),
            "discount": Decimal("0"), "total": Decimal("10"), "priority": "normal", "tags": [],
            "holds": [], "is_held": False, "excluded_warehouses": [],
            "created_at": placed, "updated_at": placed,
        })  # fmt: skip
    with unit_of_work(sessions) as s:
        s.execute(insert(Order.__table__), order_rows)


def backend_cpu(pid: int | None) -> float | None:
    """CPU seconds of a PostgreSQL backend process when the server runs on this machine."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(url: str, threads: int, orders: int, runs: int) -> list[dict[str, Any]]:
    engine = make_engine(url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    now = datetime.now(UTC)
    with unit_of_work(sessions) as s:
        org, _ = create_organisation(s, "Bench Reports", "owner@reports.example", "Bench-Pass-2026")
        org_id = org.id
    t0 = time.perf_counter()
    fill(sessions, org_id, threads, orders, now)
    print(f"{engine.dialect.name}: filled {threads:,} threads, {orders:,} orders in "
          f"{time.perf_counter() - t0:.0f} s")  # fmt: skip
    if engine.dialect.name == "postgresql":
        with engine.begin() as c:
            c.exec_driver_sql("ANALYZE")
    actor = system_principal(org_id)
    today = now.date()
    out = []
    year = today - timedelta(days=364)
    for label, r in [
        ("last 30 days, per day", ReportRange.parse(None, None, today=today)),
        ("last 365 days, per week", ReportRange.parse(year, today, None, "week")),
        ("365 days, one channel", ReportRange.parse(year, today, "amazon", "week")),
    ]:
        samples, cpu, server = [], [], []
        with sessions() as s:
            pid = None
            if engine.dialect.name == "postgresql":
                pid = s.execute(text("SELECT pg_backend_pid()")).scalar()
            found = inbox_report(s, actor, r)  # warm-up
            s.rollback()
            for _ in range(runs):
                c0, w0, b0 = time.process_time(), time.perf_counter(), backend_cpu(pid)
                inbox_report(s, actor, r)
                samples.append(time.perf_counter() - w0)
                cpu.append(time.process_time() - c0)
                b1 = backend_cpu(pid)
                if b0 is not None and b1 is not None:
                    server.append(b1 - b0)
                s.rollback()
        p = percentiles(samples)
        out.append({
            "database": engine.dialect.name, "report": label, "threads": found.threads,
            "leads": found.leads, "p50_ms": round(p["p50_ms"], 1), "p95_ms": round(p["p95_ms"], 1),
            "cpu_ms": round(sorted(cpu)[len(cpu) // 2] * 1000, 1),
            "db_cpu_ms": round(sum(server) / len(server) * 1000, 1) if server else None,
        })  # fmt: skip
    engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--postgres", default="")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}")
    rows: list[dict[str, Any]] = []
    if not args.skip_sqlite:
        tmp = Path(tempfile.mkdtemp())
        rows += run(f"sqlite:///{tmp}/bench.db", args.threads, args.orders, args.runs)
    if args.postgres:
        import psycopg

        name = f"linkstar_bench_reports_{os.getpid()}"
        server = make_url(args.postgres)
        admin = server.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        try:
            url = server.set(database=name).render_as_string(hide_password=False)
            rows += run(url, args.threads, args.orders, args.runs)
        finally:
            with psycopg.connect(admin, autocommit=True) as c:
                c.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    print(f"load average after: {os.getloadavg()}")
    report("inbox_reports", rows)


if __name__ == "__main__":
    main()
