"""The order pipeline after import: allocate stock, then route, for every open order.

A file-based SQLite workspace with two US warehouses, 50 SKUs with real-looking weights and
sizes, stock for most (some SKUs run short so `stock` holds fire), the example WestCoast rate
card, and N imported orders to western ZIPs (`zipcodes`, 900-961). Times the real use cases
`orders.flow.allocate_orders` and `orders.flow.route_orders`, each in one transaction as the
jobs `orders.allocate` / `orders.route` run them.
Usage: python benchmarks/orders_pipeline.py [--orders N] [--database-url URL]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import zipcodes
from _common import report

from linkstar.db.engine import make_engine, make_session_factory
from linkstar.db.migrate import upgrade
from linkstar.db.uow import unit_of_work
from linkstar.inventory import service as inventory
from linkstar.inventory.core import centroid
from linkstar.inventory.schemas import ReceiptCreate, SkuCreate
from linkstar.orders import flow, setup
from linkstar.orders.core.canonical import (
    Buyer,
    Channel,
    ChannelOrder,
    ChannelStatus,
    OrderLine,
    PostalAddress,
)
from linkstar.orders.ingest import ingest_committing
from linkstar.rating import service as cards
from linkstar.rating.sheets import read_folder
from linkstar.workspace import service as wservice
from linkstar.workspace.access import create_organisation
from linkstar.workspace.core import WarehouseKind, system_principal
from linkstar.workspace.models import Store
from linkstar.workspace.schemas import WarehouseCreate

CARD = Path(__file__).resolve().parents[1] / "examples" / "rate-cards"
SKUS = [f"HP-{n:04d}" for n in range(50)]
SITES = (("US-CA-ONT", "Ontario", "CA", "91761"), ("US-CA-FON", "Fontana", "CA", "92335"))


def setup_world(sessions, orders: int) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    rng = random.Random(7)
    with unit_of_work(sessions) as s:
        org, _ = create_organisation(s, "Bench", f"b{time.time_ns()}@x.example", "Bench-Pass-1")
        actor = system_principal(org.id, "bench")
        store = Store(organisation_id=org.id, name="Amazon US", channel="amazon", region="US",
                      currency="USD")  # fmt: skip
        s.add(store)
        s.flush()
        for code, city, state, postcode in SITES:
            site = WarehouseCreate(
                code=code, name=code, kind=WarehouseKind.own, line1="1 Dock Rd", city=city,
                state=state, postcode=postcode, country="US", timezone="America/Los_Angeles",
            )  # fmt: skip
            wservice.create_warehouse(s, actor, site)
        for i, sku in enumerate(SKUS):
            inventory.create_sku(s, actor, SkuCreate(
                sku=sku, name=f"Item {sku}", weight_g=rng.randint(120, 2400),
                length_mm=rng.randint(80, 400), width_mm=rng.randint(60, 300),
                height_mm=rng.randint(20, 150)))  # fmt: skip
            units = 0 if i % 10 == 9 else orders  # every tenth SKU is out of stock
            for code, *_ in SITES:
                if units:
                    inventory.receive(s, actor, ReceiptCreate(sku=sku, warehouse=code,
                                                              quantity=units))  # fmt: skip
            setup.put_mapping(s, actor, channel_sku=f"AMZ-{sku}", master_sku=sku,
                              channel="amazon")  # fmt: skip
        cards.import_workbook(s, actor, read_folder(CARD))
        return org.id, store.id


def generate(n: int) -> list[tuple[ChannelOrder, None]]:
    rng = random.Random(11)
    zips = [z for z in zipcodes.filter_by(zip_code_type="STANDARD")
            if "900" <= z["zip_code"][:3] <= "961"]  # fmt: skip
    now = datetime.now(UTC).replace(microsecond=0)
    out = []
    for i in range(n):
        z = rng.choice(zips)
        lines = tuple(
            OrderLine(f"L{k}", f"AMZ-{rng.choice(SKUS)}", rng.randint(1, 2), Decimal("19.99"))
            for k in range(rng.choice((1, 1, 1, 2, 3)))
        )
        address = PostalAddress(name="Emma Smith", line1=f"{100 + i % 900} Main St",
                                city=z["city"].title(), state=z["state"], postcode=z["zip_code"],
                                country="US", phone="+1 415 555 0100")  # fmt: skip
        out.append((ChannelOrder(channel=Channel.AMAZON, external_id=f"B-{i:07d}",
                                 version=now, placed_at=now - timedelta(minutes=i),
                                 status=ChannelStatus.OPEN, currency="USD", lines=lines,
                                 buyer=Buyer("Emma Smith", "emma@example.com"), ship_to=address,
                                 subtotal=Decimal("19.99") * len(lines),
                                 total=Decimal("19.99") * len(lines)), None))  # fmt: skip
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory()
    engine = make_engine(args.database_url or f"sqlite:///{Path(tmp.name) / 'bench.db'}")
    upgrade(engine)
    sessions = make_session_factory(engine)
    org_id, store_id = setup_world(sessions, args.orders)
    ingest_committing(sessions, org_id, store_id, generate(args.orders), "file")
    actor = system_principal(org_id, "bench")
    # Build the ZIP centroid index before the clock starts, as a running server or worker has
    # it (a one-time ~1 s per process that was counted in the allocate step before).
    centroid("US", "10001")
    rows = []
    for name, step in (("allocate", flow.allocate_orders), ("route", flow.route_orders)):
        start, cpu = time.perf_counter(), time.process_time()
        with unit_of_work(sessions) as s:
            result = step(s, actor)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        done = len(result.advanced) + len(result.held)
        rows.append({"step": name, "orders": done, "advanced": len(result.advanced),
                     "held": len(result.held), "seconds": seconds,
                     "orders_per_s": done / seconds if seconds else 0.0,
                     "cpu_seconds": cpu,
                     "orders_per_cpu_s": done / cpu if cpu else 0.0})  # fmt: skip
    report("orders_pipeline", rows)


if __name__ == "__main__":
    main()
