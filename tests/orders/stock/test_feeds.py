"""Amazon and Walmart stores: quantities go out in bulk feeds and are settled by a later job.

The platforms answer through httpx.MockTransport with the recorded payloads of
tests/orders/connectors/payloads/stock/; the clock is the fake one of conftest.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from linkstar.db.outbox import JobContext, OutboxJob
from linkstar.db.uow import unit_of_work
from linkstar.jobs.registry import get_spec
from linkstar.kit.crypto import SecretBox
from linkstar.orders.stock import feeds, planning, service, tasks
from linkstar.orders.stock.models import PublishedStock, StockPublishFeed, StockPublishLine
from linkstar.orders.sync import connect
from linkstar.orders.sync.models import StoreSync
from linkstar.workspace.models import Store
from tests.inventory.seed import receive
from tests.orders.connectors.conftest import payload
from tests.orders.stock.conftest import NOW, FakeClock

AMAZON = {"access_token": "Atza|t", "marketplace_ids": "ATVPDKIKX0DER", "seller_id": "A2EXAMPLE"}


class Market:
    """Amazon SP-API feeds + S3 and Walmart feeds, answering what each test sets."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.amazon_feed = "stock/amazon_get_feed_in_progress"
        self.walmart_feed = "stock/walmart_feed_in_progress"
        self.throttle: str | None = None  # a Retry-After for every feed status call

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if self.throttle and request.method == "GET" and "/feeds" in path:
            return httpx.Response(429, headers={"Retry-After": self.throttle}, json={})
        if request.url.host.startswith("tortuga"):
            if request.method == "PUT":
                return httpx.Response(200)
            report = json.dumps(payload("stock/amazon_processing_report")).encode()
            return httpx.Response(200, content=gzip.compress(report))
        if path == "/feeds/2021-06-30/documents":
            return httpx.Response(201, json=payload("stock/amazon_create_feed_document"))
        if path.startswith("/feeds/2021-06-30/documents/"):
            return httpx.Response(200, json=payload("stock/amazon_get_feed_document"))
        if path == "/feeds/2021-06-30/feeds":
            return httpx.Response(202, json=payload("stock/amazon_create_feed"))
        if path.startswith("/feeds/2021-06-30/feeds/"):
            return httpx.Response(200, json=payload(self.amazon_feed))
        if path == "/v3/feeds" and request.method == "POST":
            return httpx.Response(200, json=payload("stock/walmart_feed_submitted"))
        return httpx.Response(200, json=payload(self.walmart_feed))


@pytest.fixture
def market() -> Market:
    return Market()


@pytest.fixture
def market_env(market: Market, clock: FakeClock) -> Iterator[connect.SyncEnvironment]:
    transport = httpx.MockTransport(market)
    factory: Callable[[str, str], httpx.BaseTransport | None] = lambda _s, _c: transport  # noqa: E731
    value = connect.SyncEnvironment(transport_factory=factory, clock=clock, max_wait_seconds=0.0)
    previous = connect.configure(value)
    yield value
    connect.configure(previous)


def _store(sessions, tenant, box: SecretBox, channel: str, credentials: Any) -> str:  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as s:
        row = Store(
            organisation_id=tenant.org.id,
            name=f"{channel} US",
            channel=channel,
            region="US",
            currency="USD",
            credentials_encrypted=box.seal(credentials),
        )
        s.add(row)
        s.flush()
        return row.id


def _lines(sessions, run_id: str) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    with sessions() as s:
        rows = s.scalars(
            select(StockPublishLine)
            .where(StockPublishLine.run_id == run_id)
            .order_by(StockPublishLine.channel_sku)
        )
        return [(r.channel_sku, r.status) for r in rows]


def _feed(sessions) -> StockPublishFeed:  # type: ignore[no-untyped-def]
    with sessions() as s:
        (feed,) = s.scalars(select(StockPublishFeed))
        s.expunge(feed)
        return feed


def _checks(sessions) -> list[tuple[dict[str, Any] | None, Any]]:  # type: ignore[no-untyped-def]
    with sessions() as s:
        jobs = s.scalars(
            select(OutboxJob).where(OutboxJob.name == feeds.FEED_JOB).order_by(OutboxJob.run_after)
        )
        return [(j.payload, j.run_after) for j in jobs]


def _check(sessions, tenant, feed_id: str, box: SecretBox, env: Any) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as s:
        feeds.check_feed(s, tenant.org.id, feed_id, box, env)


def test_the_feed_job_is_registered_and_ignores_a_payload_without_a_feed(sessions):
    assert get_spec(feeds.FEED_JOB).handler is tasks.check_stock_feed
    with unit_of_work(sessions) as s:
        tasks.check_stock_feed(s, JobContext("j", feeds.FEED_JOB, None, {}))


def test_amazon_run_is_pending_until_its_feed_is_settled(
    sessions, tenant, stocked, box, market, market_env
):
    store = _store(sessions, tenant, box, "amazon", AMAZON)
    with unit_of_work(sessions) as s:
        run_id = service.publish_store(s, tenant.org.id, store, box, trigger="manual").id
    assert _lines(sessions, run_id) == [
        ("HP-22423", "submitted"),
        ("HP-79321", "submitted"),
        ("HP-85123A", "submitted"),
    ]
    with sessions() as s:
        run = s.get(service.StockPublishRun, run_id)
        assert run is not None
        assert (run.status, run.submitted, run.sent, run.requests) == ("pending", 3, 0, 3)
    feed = _feed(sessions)
    assert (feed.feed_id, feed.channel, feed.status) == ("50014019600", "amazon", "submitted")
    assert json.loads(feed.skus) == ["HP-22423", "HP-79321", "HP-85123A"]
    assert _checks(sessions) == [({"feed_id": feed.id}, NOW + timedelta(minutes=2))]
    with sessions() as s:  # nothing is remembered as accepted yet
        assert list(s.scalars(select(PublishedStock))) == []
    with unit_of_work(sessions) as s:  # the planner leaves a store with a feed in flight alone
        assert planning.plan_publications(s, tenant.org.id, NOW + timedelta(hours=2), "t") == []

    _check(
        sessions, tenant, feed.id, box, market_env
    )  # still IN_PROGRESS: asked again 4 minutes later
    assert _feed(sessions).checks == 1 and _feed(sessions).status == "submitted"
    assert _checks(sessions)[-1] == ({"feed_id": feed.id}, NOW + timedelta(minutes=4))

    market.amazon_feed = "stock/amazon_get_feed_done"
    _check(sessions, tenant, feed.id, box, market_env)
    assert _lines(sessions, run_id) == [  # message 2 (HP-79321) had an ERROR issue
        ("HP-22423", "sent"),
        ("HP-79321", "failed"),
        ("HP-85123A", "sent"),
    ]
    with sessions() as s:
        run = s.get(service.StockPublishRun, run_id)
        assert run is not None
        assert (run.status, run.sent, run.failed, run.submitted) == ("partial", 2, 1, 0)
        published = s.scalars(select(PublishedStock).order_by(PublishedStock.channel_sku))
        assert [(p.channel_sku, p.quantity) for p in published] == [
            ("HP-22423", 30),
            ("HP-85123A", 7),
        ]
    assert (_feed(sessions).status, _feed(sessions).finished_at) == ("done", NOW)
    count = len(market.requests)
    _check(sessions, tenant, feed.id, box, market_env)  # a settled feed is not asked about again
    assert len(market.requests) == count
    with unit_of_work(sessions) as s:
        assert planning.plan_publications(s, tenant.org.id, NOW + timedelta(hours=2), "t") == [
            store
        ]


def test_a_walmart_feed_in_error_fails_the_run(sessions, tenant, stocked, box, market, market_env):
    store = _store(sessions, tenant, box, "walmart", {"access_token": "w"})
    with unit_of_work(sessions) as s:
        run_id = service.publish_store(s, tenant.org.id, store, box, trigger="manual").id
    (post,) = market.requests
    assert str(post.url) == "https://marketplace.walmartapis.com/v3/feeds?feedType=inventory"
    market.walmart_feed = "stock/walmart_feed_error"
    _check(sessions, tenant, _feed(sessions).id, box, market_env)
    assert {status for _sku, status in _lines(sessions, run_id)} == {"failed"}
    feed = _feed(sessions)
    assert feed.status == "failed" and "ERR_EXT_DATA_0801001" in feed.error
    with sessions() as s:
        run = s.get(service.StockPublishRun, run_id)
        assert run is not None and (run.status, run.failed) == ("failed", 3)
        assert list(s.scalars(select(PublishedStock))) == []


def test_a_throttled_feed_check_comes_back_after_retry_after(
    sessions, tenant, stocked, box, market, market_env, clock
):
    store = _store(sessions, tenant, box, "walmart", {"access_token": "w"})
    with unit_of_work(sessions) as s:
        service.publish_store(s, tenant.org.id, store, box, trigger="manual")
    feed = _feed(sessions)
    market.throttle = "600"
    _check(sessions, tenant, feed.id, box, market_env)
    # The 429 drained the store's bucket: waiting for it exceeds a job's budget, so the check
    # stops and comes back when the bucket allows (not after the usual 4 minutes).
    feed = _feed(sessions)
    assert feed.status == "submitted" and feed.checks == 1
    assert feed.error == "throttled: the next request is allowed in 150 s"
    assert _checks(sessions)[-1] == ({"feed_id": feed.id}, NOW + timedelta(seconds=150))
    assert market.requests[-1].method == "GET"  # one status call, answered 429
    # The store's bucket (shared with its poller and publisher) keeps the Retry-After: no
    # token before NOW + 600 s, whichever job asks next (then Walmart's burst of 20).
    with sessions() as s:
        state = s.scalars(select(StoreSync).where(StoreSync.store_id == store)).one()
        assert (state.bucket_tokens, state.bucket_at) == (20.0, NOW + timedelta(seconds=600))
    count, market.throttle = len(market.requests), None
    clock.t = 150.0
    _check(sessions, tenant, feed.id, box, market_env)
    assert len(market.requests) == count  # not asked before the platform said it may be
    assert _feed(sessions).error == "throttled: the next request is allowed in 450 s"
    assert _checks(sessions)[-1] == ({"feed_id": feed.id}, NOW + timedelta(seconds=600))
    clock.t = 600.0
    _check(sessions, tenant, feed.id, box, market_env)
    assert len(market.requests) == count + 1 and _feed(sessions).checks == 3
    with sessions() as s:
        state = s.scalars(select(StoreSync).where(StoreSync.store_id == store)).one()
        assert state.bucket_tokens == 19.0  # one token spent
        assert state.bucket_at == NOW + timedelta(seconds=600)


def test_a_feed_never_answered_fails_its_lines_after_two_days(
    sessions, tenant, stocked, box, market, market_env, clock
):
    store = _store(sessions, tenant, box, "amazon", AMAZON)
    with unit_of_work(sessions) as s:
        run_id = service.publish_store(s, tenant.org.id, store, box, trigger="manual").id
    clock.t += feeds.FEED_GIVE_UP.total_seconds()
    _check(sessions, tenant, _feed(sessions).id, box, market_env)
    assert {status for _sku, status in _lines(sessions, run_id)} == {"failed"}
    assert _feed(sessions).status == "failed"
    assert "not answered within 2 days" in _feed(sessions).error


def _runs(sessions, store: str) -> list[tuple[str, str, int]]:  # type: ignore[no-untyped-def]
    with sessions() as s:
        rows = s.scalars(
            select(service.StockPublishRun)
            .where(service.StockPublishRun.store_id == store)
            .order_by(service.StockPublishRun.created_at, service.StockPublishRun.id)
        )
        return [(r.trigger, r.status, r.submitted) for r in rows]


def _store_jobs(sessions) -> list[dict[str, Any] | None]:  # type: ignore[no-untyped-def]
    with sessions() as s:
        jobs = s.scalars(select(OutboxJob).where(OutboxJob.name == service.STORE_JOB))
        return [j.payload for j in jobs]


def test_a_run_asked_for_while_a_feed_is_processing_waits_for_it(
    sessions, tenant, stocked, box, market, market_env, job_keys
):
    store = _store(sessions, tenant, box, "amazon", AMAZON)
    with unit_of_work(sessions) as s:
        first = service.publish_store(s, tenant.org.id, store, box, trigger="schedule").id
    feed = _feed(sessions)
    receive(sessions, tenant.principal, "HP-79321", "US-NJ-EDI", 4)
    count = len(market.requests)
    with unit_of_work(sessions) as s:  # "Publish now" while the feed is processing
        run = service.publish_store(s, tenant.org.id, store, box, trigger="manual")
        deferred, error = run.id, run.error
        assert (run.status, run.considered, run.requests) == ("deferred", 0, 0)
        assert planning.resume_after_feed(s, s.get(StockPublishFeed, feed.id)) is False
    assert error.startswith("previous feed still processing: amazon feed 50014019600 (submitted")
    assert len(market.requests) == count  # nothing sent: its lines would overlap the feed's
    assert _lines(sessions, deferred) == [] and len(_checks(sessions)) == 1
    with unit_of_work(sessions) as s:  # a dry run touches nothing, so it is not deferred
        assert service.publish_store(s, tenant.org.id, store, box, trigger="m", dry_run=True)
    assert _store_jobs(sessions) == []

    market.amazon_feed = "stock/amazon_get_feed_done"
    with unit_of_work(sessions) as s:  # the check job settles the feed and resumes the store
        tasks.check_stock_feed(
            s, JobContext("j", feeds.FEED_JOB, tenant.org.id, {"feed_id": feed.id})
        )
    assert _feed(sessions).status == "done"
    assert _store_jobs(sessions) == [{"store_id": store, "trigger": "after_feed"}]
    with unit_of_work(sessions) as s:  # a second answer of the same check enqueues nothing more
        assert planning.resume_after_feed(s, s.get(StockPublishFeed, feed.id)) is False

    with unit_of_work(sessions) as s:
        payload = {"store_id": store, "trigger": "after_feed"}
        tasks.publish_store(s, JobContext("k", service.STORE_JOB, tenant.org.id, payload))
    assert _runs(sessions, store) == [
        ("schedule", "partial", 0),
        ("manual", "deferred", 0),
        ("m", "dry_run", 0),
        ("after_feed", "pending", 1),  # HP-79321 (failed in the feed, then received): 4 units
    ]
    with sessions() as s:
        (last,) = s.scalars(
            select(StockPublishLine).where(
                StockPublishLine.run_id != first,
                StockPublishLine.run_id != deferred,
                StockPublishLine.status == "submitted",
            )
        )
        assert (last.channel_sku, last.quantity) == ("HP-79321", 4)


def test_the_planner_does_not_count_a_deferred_run_as_a_publication(
    sessions, tenant, stocked, box, market, market_env
):
    store = _store(sessions, tenant, box, "walmart", {"access_token": "w"})
    with unit_of_work(sessions) as s:
        first = service.publish_store(s, tenant.org.id, store, box, trigger="schedule")
        deferred = service.publish_store(s, tenant.org.id, store, box, trigger="manual")
        # Runs are stamped by the database's clock: place the deferred one half an hour later.
        deferred.created_at = first.created_at + timedelta(minutes=30)
        later = first.created_at + service.REFRESH + timedelta(minutes=1)
        assert deferred.status == "deferred"
    market.walmart_feed = "stock/walmart_feed_error"
    _check(sessions, tenant, _feed(sessions).id, box, market_env)
    # The ledger has not moved since the first run, and the deferred one published nothing:
    # REFRESH counts from the first one.
    with unit_of_work(sessions) as s:
        assert planning.plan_publications(s, tenant.org.id, later, "t") == [store]
