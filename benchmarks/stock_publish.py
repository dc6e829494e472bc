"""Stock publishing: one store's run over N SKUs, measured without the platform's own latency.

The store (eBay, Amazon, Walmart or Shopify) is answered by an in-process `httpx.MockTransport`
on a fake clock (rate-limit waits are counted, not slept), so the figures are LinkStar's own
cost: compute every channel SKU's quantity (stock levels, mappings, buffers), compare with the
last accepted quantities, build the batches or feed documents, parse the answers, write the run
and its lines. Amazon and Walmart runs submit a feed; the feed check that settles it (processing
report / feed status → lines sent, published_stock) is measured as its own row. Shopify runs
search inventory item ids on the first run only (the id cache serves the next ones).
Three runs: the first publication (everything sent), a run where nothing changed, and a run
after 10 % of the SKUs moved (those sent, the rest recorded unchanged).
Usage: python benchmarks/stock_publish.py [--skus N] [--channel C] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from _common import own_database, report
from _inventory_world import build
from cryptography.fernet import Fernet
from sqlalchemy import func, select

from linkstar.db.engine import make_engine, make_session_factory
from linkstar.db.migrate import upgrade
from linkstar.db.uow import unit_of_work
from linkstar.inventory.models import Sku, StockLevel
from linkstar.kit.crypto import SecretBox
from linkstar.orders.stock import feeds, service
from linkstar.orders.stock.models import StockPublishFeed, StockPublishLine, StockPublishRun
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


class Feeds:
    """Amazon feeds + S3, Walmart feeds and Shopify GraphQL, each accepting everything."""

    def __init__(self) -> None:
        self.walmart: dict[str, list[str]] = {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if request.url.host == "s3.bench":
            report = {"issues": [], "summary": {"errors": 0}}
            return httpx.Response(200, json=report if request.method == "GET" else None)
        if path == "/feeds/2021-06-30/documents":
            return httpx.Response(201, json={"feedDocumentId": "D", "url": "https://s3.bench/in"})
        if path.startswith("/feeds/2021-06-30/documents/"):
            return httpx.Response(200, json={"feedDocumentId": "R", "url": "https://s3.bench/r"})
        if path == "/feeds/2021-06-30/feeds":
            return httpx.Response(202, json={"feedId": f"F{time.time_ns()}"})
        if path.startswith("/feeds/2021-06-30/feeds/"):
            return httpx.Response(
                200, json={"processingStatus": "DONE", "resultFeedDocumentId": "R"}
            )
        if path == "/v3/feeds":
            part = request.read().decode().split("\r\n\r\n", 1)[1].rsplit("\r\n--", 1)[0]
            feed_id = f"W{time.time_ns()}"
            self.walmart[feed_id] = [i["sku"] for i in json.loads(part)["Inventory"]]
            return httpx.Response(200, json={"feedId": feed_id})
        if path.startswith("/v3/feeds/"):
            skus = self.walmart[path.rsplit("/", 1)[1]]
            offset, limit = int(request.url.params["offset"]), int(request.url.params["limit"])
            items = [
                {"sku": s, "ingestionStatus": "SUCCESS"} for s in skus[offset : offset + limit]
            ]
            return httpx.Response(
                200,
                json={
                    "feedStatus": "PROCESSED",
                    "itemsReceived": len(skus),
                    "itemDetails": {"itemIngestionStatus": items},
                },
            )
        return self.shopify(json.loads(request.content))

    def shopify(self, data: dict[str, Any]) -> httpx.Response:
        if "productVariants" in data["query"]:
            skus = [part.split('"')[1] for part in data["variables"]["query"].split(" OR ")]
            nodes = [{"sku": s, "inventoryItem": {"id": f"gid://item/{s}"}} for s in skus]
            return httpx.Response(200, json={"data": {"productVariants": {"nodes": nodes}}})
        result = {"inventoryAdjustmentGroup": {"reason": "correction"}, "userErrors": []}
        return httpx.Response(200, json={"data": {"inventorySetQuantities": result}})


CREDENTIALS: dict[str, dict[str, str]] = {
    "ebay": {"access_token": "bench"},
    "amazon": {"access_token": "bench", "marketplace_ids": "ATVPDKIKX0DER", "seller_id": "S"},
    "walmart": {"access_token": "bench"},
    "shopify": {
        "access_token": "bench",
        "shop_domain": "bench.myshopify.com",
        "location_id": "gid://shopify/Location/1",
    },
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skus", type=int, default=5_000)
    parser.add_argument("--channel", choices=sorted(CREDENTIALS), default="ebay")
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    url, drop = f"sqlite:///{Path(tempfile.mkdtemp())}/bench.db", None
    if args.database_url.startswith("postgresql"):  # a database of its own, dropped at the end
        url, drop = own_database(args.database_url, "stock_publish")
    elif args.database_url:
        url = args.database_url
    try:
        measure(args, url)
    finally:
        if drop is not None:
            drop()


def measure(args: argparse.Namespace, url: str) -> None:
    engine = make_engine(url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    actor, _ = build(sessions, args.skus, units=40, name=f"Publish Bench {time.time_ns()}")
    org = actor.organisation_id
    box = SecretBox([Fernet.generate_key()])
    with unit_of_work(sessions) as s:
        store = Store(
            organisation_id=org,
            name=f"{args.channel} bench",
            channel=args.channel,
            region="US",
            currency="USD",
            credentials_encrypted=box.seal(CREDENTIALS[args.channel]),
        )
        s.add(store)
        s.flush()
        store_id = store.id
    answer = ebay if args.channel == "ebay" else Feeds()
    calls = [0]

    def counted(request: httpx.Request) -> httpx.Response:
        calls[0] += 1
        return answer(request)

    transport = httpx.MockTransport(counted)
    clock = FakeClock()
    env = SyncEnvironment(lambda _s, _c: transport, clock, max_wait_seconds=1e9)
    rows = []
    print("load average before:", os.getloadavg())

    def row(label: str, run_id: str, requests: int, wall: float, cpu: float) -> None:
        with sessions() as s:
            done = s.get(StockPublishRun, run_id)
            assert done is not None
            lines = s.scalar(select(func.count()).where(StockPublishLine.run_id == run_id))
            rows.append(
                {
                    "run": label,
                    "channel": args.channel,
                    "skus": args.skus,
                    "status": done.status,
                    "sent": done.sent,
                    "submitted": done.submitted,
                    "unchanged": done.unchanged,
                    "requests": requests,
                    "lines_kept": lines,
                    "seconds": wall,
                    "cpu_seconds": cpu,
                    "skus_per_cpu_s": round(args.skus / cpu),
                }
            )

    def run(label: str) -> None:
        start, cpu, before = time.perf_counter(), time.process_time(), calls[0]
        with unit_of_work(sessions) as s:
            run_id = service.publish_store(s, org, store_id, box, trigger="cli", env=env).id
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        row(label, run_id, calls[0] - before, wall, cpu)
        with sessions() as s:
            pending = list(
                s.scalars(select(StockPublishFeed).where(StockPublishFeed.run_id == run_id))
            )
        if not pending:
            return
        start, cpu, before = time.perf_counter(), time.process_time(), calls[0]
        with unit_of_work(sessions) as s:
            for feed in pending:
                feeds.check_feed(s, org, feed.id, box, env)
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        row(f"{label}: feed settled", run_id, calls[0] - before, wall, cpu)

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
    report(f"stock_publish_{args.channel}", rows)
    engine.dispose()


if __name__ == "__main__":
    main()
