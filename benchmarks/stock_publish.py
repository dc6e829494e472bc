"""Stock publishing: one store's run over N SKUs, measured without the platform's own latency.

The store is an eBay store answered by an in-process `httpx.MockTransport` (200 per SKU) on a
fake clock (rate-limit waits are counted, not slept), so the figures are LinkStar's own cost:
compute every channel SKU's quantity (stock levels, mappings, buffers), compare with the last
accepted quantities, build the batches, parse the answers, write the run and its lines.
Three runs: the first publication (everything sent), a run where nothing changed, and a run
after 10 % of the SKUs moved (those sent, the rest recorded unchanged).
Usage: python benchmarks/stock_publish.py [--skus N] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from _common import report
from _inventory_world import build
from cryptography.fernet import Fernet
from sqlalchemy import func, select

from linkstar.db.engine import make_engine, make_session_factory
from linkstar.db.migrate import upgrade
from linkstar.db.uow import unit_of_work
from linkstar.inventory.models import Sku, StockLevel
from linkstar.kit.crypto import SecretBox
from linkstar.orders.stock import service
from linkstar.orders.stock.models import StockPublishLine
from linkstar.orders.sync.connect import SyncEnvironment
from linkstar.workspace.models import Store


class FakeClock:
    def __init__(self) -> None:
        self.t = 0.0

    def monotonic(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += seconds

    def utcnow(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.t)


def ebay(request: httpx.Request) -> httpx.Response:
    requests = json.loads(request.content)["requests"]
    return httpx.Response(
        200, json={"responses": [{"statusCode": 200, "sku": r["sku"]} for r in requests]}
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skus", type=int, default=5_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp())}/bench.db"
    engine = make_engine(url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    actor, _ = build(sessions, args.skus, units=40, name=f"Publish Bench {time.time_ns()}")
    org = actor.organisation_id
    box = SecretBox([Fernet.generate_key()])
    with unit_of_work(sessions) as s:
        store = Store(
            organisation_id=org,
            name="eBay bench",
            channel="ebay",
            region="US",
            currency="USD",
            credentials_encrypted=box.seal({"access_token": "bench"}),
        )
        s.add(store)
        s.flush()
        store_id = store.id
    transport = httpx.MockTransport(ebay)
    clock = FakeClock()
    env = SyncEnvironment(lambda _s, _c: transport, clock, max_wait_seconds=1e9)
    rows = []
    print("load average before:", os.getloadavg())

    def run(label: str) -> None:
        start, cpu = time.perf_counter(), time.process_time()
        with unit_of_work(sessions) as s:
            done = service.publish_store(s, org, store_id, box, trigger="cli", env=env)
            counts = (done.sent, done.unchanged, done.requests)
            run_id = done.id
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        with sessions() as s:
            lines = s.scalar(select(func.count()).where(StockPublishLine.run_id == run_id))
        rows.append(
            {
                "run": label,
                "skus": args.skus,
                "sent": counts[0],
                "unchanged": counts[1],
                "requests": counts[2],
                "lines_kept": lines,
                "seconds": wall,
                "cpu_seconds": cpu,
                "skus_per_cpu_s": round(args.skus / cpu),
            }
        )

    run("first (all sent)")
    run("nothing changed")
    with unit_of_work(sessions) as s:  # 10 % of the SKUs lose a unit (a ledger-free shortcut)
        ids = s.scalars(select(Sku.id).where(Sku.organisation_id == org).limit(args.skus // 10))
        for sku_id in ids:
            s.execute(
                StockLevel.__table__.update()
                .where(StockLevel.sku_id == sku_id)
                .values(on_hand=StockLevel.on_hand - 1)
            )
    run("10 % changed")
    print("load average after:", os.getloadavg())
    report("stock_publish", rows)


if __name__ == "__main__":
    main()
