"""Ingesting orders: 100,000 generated canonical orders into a file-based SQLite database.

The real code path of a file import (`linkstar.orders.ingest.ingest_committing`: one
transaction per batch of 2,000, SKU mapping with bundles, address check, three order rules,
raw payloads, timeline events), run twice: the first run creates every order, the re-run
finds every order unchanged and must create nothing and take no longer.
Destinations are real standard US ZIP codes (the `zipcodes` package) plus some UK and Canadian
addresses; ~1 % of the addresses are broken so the address hold fires.
With --file, the whole `linkstar orders import` path instead: an Amazon order report of N
orders (benchmarks/orders_file_parse.py's generator) parsed and ingested by `import_large_file`;
`cpu_seconds` is the importing process, `worker_cpu_s` its address-check worker process.
Usage: python benchmarks/orders_ingest.py [--orders N] [--database-url URL] [--file]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import zipcodes
from _common import report
from sqlalchemy import func, select

from linkstar.db.engine import make_engine, make_session_factory
from linkstar.db.migrate import upgrade
from linkstar.db.uow import unit_of_work
from linkstar.orders import ingest as ingest_module
from linkstar.orders import setup
from linkstar.orders.core.canonical import (
    Buyer,
    Channel,
    ChannelOrder,
    ChannelStatus,
    OrderLine,
    PostalAddress,
)
from linkstar.orders.files import import_large_file
from linkstar.orders.ingest import Item, ingest_committing
from linkstar.orders.models import Order, OrderEvent, OrderPayload
from linkstar.orders.models import OrderLine as LineRow
from linkstar.workspace.access import create_organisation
from linkstar.workspace.core import system_principal
from linkstar.workspace.models import Store

SKUS = [f"AMZ-{n:04d}" for n in range(200)]
FIRST = ["Emma", "Liam", "Olivia", "Noah", "Ava", "Mason", "Sophia", "Lucas", "Mia", "Ethan"]
LAST = ["Smith", "Johnson", "Brown", "Garcia", "Miller", "Davis", "Wilson", "Moore", "Clark"]
STREETS = ["Main St", "Oak Ave", "Maple Dr", "Cedar Ln", "Park Rd", "Elm St", "Lake Blvd"]
FOREIGN = [
    PostalAddress(line1="10 Downing Street", city="London", postcode="SW1A 2AA", country="GB"),
    PostalAddress(line1="221B Baker Street", city="London", postcode="NW1 6XE", country="GB"),
    PostalAddress(
        line1="290 Bremner Blvd", city="Toronto", state="ON", postcode="M5V 3L9", country="CA"
    ),
]
DATA = Path(__file__).parents[2] / "shared" / "data"
RULES = [
    {
        "name": "High value",
        "when": {"field": "total", "op": "gte", "value": 250},
        "then": [
            {"type": "tag", "tag": "high_value"},
            {"type": "set_priority", "priority": "high"},
        ],
    },
    {
        "name": "Hold for export check",
        "when": {"field": "ship_to.country", "op": "in", "value": ["GB", "CA"]},
        "then": [{"type": "hold", "reason": "export_check", "detail": "outside the US"}],
    },
    {
        "name": "Kits from NJ1",
        "when": {"field": "lines[].channel_sku", "op": "starts_with", "value": "KIT-"},
        "then": [{"type": "set_warehouse", "warehouse": "NJ1"}],
    },
]


def generate(n: int, seed: int = 7) -> list[Item]:
    """n realistic canonical orders with their raw payloads (deterministic)."""
    rng = random.Random(seed)
    zips = [z for z in zipcodes.filter_by(zip_code_type="STANDARD") if z["active"]]
    base = datetime(2026, 11, 1, tzinfo=UTC)
    items: list[Item] = []
    for i in range(n):
        placed = base + timedelta(seconds=rng.randrange(30 * 86400))
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        if rng.random() < 0.03:
            ship = FOREIGN[i % len(FOREIGN)]
            ship = PostalAddress(
                name=name,
                line1=ship.line1,
                city=ship.city,
                state=ship.state,
                postcode=ship.postcode,
                country=ship.country,
                phone="+44 20 7946 0000",
            )
        elif rng.random() < 0.01:
            ship = PostalAddress(
                name=name, line1="", city="Nowhere", postcode="00000", country="US"
            )
        else:
            z = rng.choice(zips)
            ship = PostalAddress(
                name=name,
                line1=f"{rng.randrange(1, 9999)} {rng.choice(STREETS)}",
                city=z["city"],
                state=z["state"],
                postcode=z["zip_code"],
                country="US",
                phone=f"+1 {rng.randrange(201, 989)} 555 {rng.randrange(1000, 9999)}",
            )
        lines = []
        for j in range(rng.choice((1, 1, 1, 2, 2, 3))):
            sku = "KIT-GIFT" if rng.random() < 0.05 else rng.choice(SKUS)
            lines.append(
                OrderLine(
                    f"{i}-{j}", sku, rng.randrange(1, 4), Decimal(rng.randrange(499, 14999)) / 100
                )
            )
        subtotal = sum((line.unit_price * line.quantity for line in lines), Decimal("0"))
        order = ChannelOrder(
            channel=Channel.AMAZON,
            external_id=f"113-{i:07d}-{seed:07d}",
            external_number=f"113-{i:07d}-{seed:07d}",
            version=placed + timedelta(minutes=5),
            placed_at=placed,
            status=ChannelStatus.OPEN,
            currency="USD",
            lines=tuple(lines),
            buyer=Buyer(name, f"{name.replace(' ', '.').lower()}{i % 5000}@example.com"),
            ship_to=ship,
            subtotal=subtotal,
            total=subtotal,
            ship_by=placed + timedelta(days=2),
            ship_service_level=rng.choice(("Standard", "Standard", "Expedited")),
        )
        raw = {
            "AmazonOrderId": order.external_id,
            "PurchaseDate": placed.isoformat(),
            "OrderStatus": "Unshipped",
            "OrderTotal": {"CurrencyCode": "USD", "Amount": str(subtotal)},
        }
        items.append((order, raw))
    return items


ADDRESS_CPU = [0.0]


def _timed_address_step() -> None:
    """Measure the address step (the pure checker of the address module) on its own."""
    inner = ingest_module.check_addresses

    def timed(*args: Any, **kwargs: Any) -> None:
        start = time.process_time()
        try:
            inner(*args, **kwargs)
        finally:
            ADDRESS_CPU[0] += time.process_time() - start

    ingest_module.check_addresses = timed  # type: ignore[assignment]


def workspace(url: str) -> tuple[Any, str, str]:
    """A migrated database with one organisation, one Amazon store, three rules and mappings."""
    engine = make_engine(url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    with unit_of_work(sessions) as s:
        org, _ = create_organisation(
            s, "Bench Org", f"bench{time.time_ns()}@x.example", "Bench-Password-1"
        )
        store = Store(
            organisation_id=org.id, name="Amazon US", channel="amazon", region="US", currency="USD"
        )
        s.add(store)
        s.flush()
        actor = system_principal(org.id, "bench")
        for rule in RULES:
            setup.create_rule(s, actor, rule)
        for sku in SKUS:
            setup.put_mapping(
                s, actor, channel_sku=sku, master_sku=f"HP-{sku[4:]}", channel="amazon"
            )
        setup.put_mapping(
            s,
            actor,
            channel_sku="KIT-GIFT",
            store_id=store.id,
            components=[{"sku": "HP-0001", "quantity": 2}, {"sku": "HP-0002", "quantity": 1}],
        )
        return sessions, org.id, store.id


def _children_cpu() -> float:
    """CPU seconds of the finished child processes (the address-check worker of a file import)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def file_import(sessions: Any, org_id: str, store_id: str, n: int) -> None:
    """The whole `linkstar orders import` path on an Amazon order report of n orders."""
    from orders_file_parse import amazon_file, catalogue

    data = amazon_file(n, catalogue(DATA), random.Random(7))
    actor = system_principal(org_id, "bench")
    rows = []
    for run in ("first import", "re-import"):
        load = os.getloadavg()[0]
        worker = _children_cpu()
        t, cpu = time.perf_counter(), time.process_time()
        result = import_large_file(sessions, actor, store_id, data, "report.txt", "amazon")
        seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
        r = result.report
        rows.append(
            {
                "run": f"file, {run}",
                "orders": result.orders,
                "file_mb": round(len(data) / 1e6, 1),
                "seconds": seconds,
                "cpu_seconds": cpu,
                "worker_cpu_s": _children_cpu() - worker,
                "created": r.created,
                "unchanged": r.unchanged,
                "held": r.held,
                "row_errors": len(result.row_errors),
                "load_before": load,
                "load_after": os.getloadavg()[0],
            }
        )
    report("orders_file_import", rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--file", action="store_true", help="import an Amazon report file instead")
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite:///{Path(tmp.name) / 'bench.db'}"
    sessions, org_id, store_id = workspace(url)
    if args.file:
        file_import(sessions, org_id, store_id, args.orders)
        return
    t = time.perf_counter()
    items = generate(args.orders)
    generated = time.perf_counter() - t
    _timed_address_step()
    rows = []
    for run in ("first import", "re-import"):
        ADDRESS_CPU[0] = 0.0
        t, cpu = time.perf_counter(), time.process_time()
        result = ingest_committing(sessions, org_id, store_id, items, "file")
        seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
        with unit_of_work(sessions) as s:
            counted = {
                m.__tablename__: int(s.scalar(select(func.count()).select_from(m)) or 0)
                for m in (Order, LineRow, OrderPayload, OrderEvent)
            }
        rows.append(
            {
                "run": run,
                "orders": len(items),
                "seconds": seconds,
                "cpu_seconds": cpu,
                "address_cpu_s": ADDRESS_CPU[0],
                "orders_per_s": len(items) / seconds,
                "created": result.created,
                "unchanged": result.unchanged,
                "held": result.held,
                "errors": len(result.errors),
                "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
                **counted,
            }
        )
    print(f"generated {len(items):,} orders in {generated:.2f} s")
    report("orders_ingest", rows)


if __name__ == "__main__":
    main()
