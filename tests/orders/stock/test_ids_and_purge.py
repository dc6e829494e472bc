"""The platform id cache across runs (a Shopify store) and the publication log purge."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select, update

from linkstar.config import get_settings
from linkstar.db.outbox import JobContext
from linkstar.db.uow import unit_of_work
from linkstar.orders.stock import service, tasks
from linkstar.orders.stock.models import (
    StockChannelId,
    StockPublishFeed,
    StockPublishLine,
    StockPublishRun,
)
from linkstar.orders.stock.purge import purge_runs
from linkstar.orders.sync import connect
from linkstar.workspace.models import Store
from tests.inventory.seed import receive
from tests.orders.connectors.conftest import payload
from tests.orders.stock.conftest import NOW, FakeClock

SHOPIFY = {
    "access_token": "shpat_x",
    "shop_domain": "acme.myshopify.com",
    "location_id": "gid://shopify/Location/64599916802",
}


class Shop:
    """productVariants answers the recorded variants (HP-79321 has none); sets succeed unless
    they name a refused inventory item."""

    def __init__(self) -> None:
        self.kinds: list[str] = []
        self.refused: set[str] = set()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        data = json.loads(request.content)
        if "productVariants" in data["query"]:
            self.kinds.append("search")
            return httpx.Response(200, json=payload("stock/shopify_variants"))
        self.kinds.append("set")
        items = {q["inventoryItemId"] for q in data["variables"]["input"]["quantities"]}
        if items & self.refused:
            return httpx.Response(200, json=payload("stock/shopify_set_quantities_user_errors"))
        return httpx.Response(200, json=payload("stock/shopify_set_quantities"))


@pytest.fixture
def shop(clock: FakeClock) -> Iterator[Shop]:
    fake = Shop()
    transport = httpx.MockTransport(fake)
    factory: Callable[[str, str], httpx.BaseTransport | None] = lambda _s, _c: transport  # noqa: E731
    value = connect.SyncEnvironment(transport_factory=factory, clock=clock, max_wait_seconds=0.0)
    previous = connect.configure(value)
    yield fake
    connect.configure(previous)


def _shopify_store(sessions, tenant, box) -> str:  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as s:
        row = Store(
            organisation_id=tenant.org.id,
            name="Shopify US",
            channel="shopify",
            region="US",
            currency="USD",
            credentials_encrypted=box.seal(SHOPIFY),
        )
        s.add(row)
        s.flush()
        return row.id


def _cache(sessions) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    with sessions() as s:
        rows = s.scalars(select(StockChannelId).order_by(StockChannelId.channel_sku))
        return [(r.channel_sku, r.item_id) for r in rows]


def test_ids_are_looked_up_once_then_cached_and_refreshed_when_refused(
    sessions, tenant, stocked, box, shop
):
    store = _shopify_store(sessions, tenant, box)
    with unit_of_work(sessions) as s:
        service.publish_store(s, tenant.org.id, store, box, trigger="manual")
    assert shop.kinds == ["search", "set"]
    cached = [
        ("HP-22423", "gid://shopify/InventoryItem/30322695"),
        ("HP-85123A", "gid://shopify/InventoryItem/43729076"),
    ]
    assert _cache(sessions) == cached

    shop.kinds.clear()  # HP-22423 moves: its cached id is used, only HP-79321 is searched
    receive(sessions, tenant.principal, "HP-22423", "US-NJ-EDI", 5)
    with unit_of_work(sessions) as s:
        run = service.publish_store(s, tenant.org.id, store, box, trigger="manual")
        assert (run.sent, run.unmatched) == (1, 1)
    assert shop.kinds == ["search", "set"]

    shop.kinds.clear()  # the variant was re-created: the cached id is refused
    with unit_of_work(sessions) as s:
        s.execute(
            update(StockChannelId)
            .where(StockChannelId.channel_sku == "HP-22423")
            .values(item_id="gid://shopify/InventoryItem/11111111")
        )
    shop.refused = {"gid://shopify/InventoryItem/11111111"}
    receive(sessions, tenant.principal, "HP-22423", "US-NJ-EDI", 1)
    with unit_of_work(sessions) as s:
        run = service.publish_store(s, tenant.org.id, store, box, trigger="manual")
        assert run.sent == 1
    assert shop.kinds == ["search", "set", "search", "set"]  # HP-79321, refused, refresh, resend
    assert _cache(sessions) == cached


def _age(sessions, run_id: str, days: int) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as s:
        s.execute(
            update(StockPublishRun)
            .where(StockPublishRun.id == run_id)
            .values(created_at=NOW - timedelta(days=days))
        )


def _counts(sessions) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    with sessions() as s:
        return (
            s.scalar(select(func.count()).select_from(StockPublishRun)) or 0,
            s.scalar(select(func.count()).select_from(StockPublishLine)) or 0,
            s.scalar(select(func.count()).select_from(StockPublishFeed)) or 0,
        )


def test_purge_deletes_old_runs_with_their_lines_but_keeps_recent_and_pending_ones(
    sessions, tenant, stocked, box, ebay_store, env
):
    runs = []
    for _ in range(3):
        receive(sessions, tenant.principal, "HP-22423", "US-NJ-EDI", 1)
        with unit_of_work(sessions) as s:
            runs.append(service.publish_store(s, tenant.org.id, ebay_store, box, trigger="t").id)
    _age(sessions, runs[0], 91)
    _age(sessions, runs[1], 120)
    with unit_of_work(sessions) as s:  # an old run whose feed is still unanswered stays
        s.add(
            StockPublishFeed(
                organisation_id=tenant.org.id,
                run_id=runs[1],
                store_id=ebay_store,
                channel="amazon",
                feed_id="F",
                skus="[]",
                status="submitted",
                checks=0,
                error="",
                submitted_at=NOW,
            )
        )
    assert _counts(sessions) == (3, 9, 1)  # runs, lines (3 each: sent or unchanged), feeds
    with unit_of_work(sessions) as s:
        assert purge_runs(s, "another-organisation", NOW - timedelta(days=90)) == 0
        assert purge_runs(s, tenant.org.id, NOW - timedelta(days=90)) == 1
    with sessions() as s:
        left = set(s.scalars(select(StockPublishRun.id)))
    assert left == {runs[1], runs[2]}
    assert _counts(sessions) == (2, 6, 1)


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()  # the job reads the environment's settings
    yield
    get_settings.cache_clear()


def test_the_purge_job_uses_the_retention_setting(
    sessions, tenant, stocked, box, ebay_store, env, fresh_settings, monkeypatch
):
    with unit_of_work(sessions) as s:
        run_id = service.publish_store(s, tenant.org.id, ebay_store, box, trigger="t").id
    _age(sessions, run_id, 89)
    job = JobContext("j", "inventory.purge_publish_log", None, {})
    with unit_of_work(sessions) as s:
        tasks.purge_publish_log(s, job)
    assert _counts(sessions)[0] == 1  # 89 days < the default 90
    monkeypatch.setenv("LINKSTAR_PUBLISH_LOG_RETENTION_DAYS", "30")
    get_settings.cache_clear()
    with unit_of_work(sessions) as s:
        tasks.purge_publish_log(s, job)
    assert _counts(sessions) == (0, 0, 0)
