"""Polling a store: throttled mid-run, the next run gets the rest; none missed, none twice."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from cryptography.fernet import Fernet
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from linkstar.db.outbox import OutboxJob
from linkstar.db.uow import unit_of_work
from linkstar.kit.crypto import SecretBox
from linkstar.orders.models import Order, OrderDeadLetter
from linkstar.orders.sync import service
from linkstar.orders.sync.connect import SyncEnvironment
from linkstar.orders.sync.models import StoreSync
from linkstar.workspace.models import Store
from tests.orders.sync.conftest import NOW, FakeClock, FakeShop


def _orders(sessions: sessionmaker[Session]) -> list[str]:
    with unit_of_work(sessions) as s:
        return sorted(s.scalars(select(Order.external_id)))


def _state(sessions: sessionmaker[Session]) -> StoreSync:
    with unit_of_work(sessions) as s:
        row = s.scalars(select(StoreSync)).one()
        s.expunge(row)
        return row


def _since(shop: FakeShop, index: int) -> str:
    return parse_qs(urlsplit(str(shop.requests[index].url)).query)["updated_at_min"][0]


def test_a_throttled_poll_keeps_what_it_got_and_the_next_run_gets_the_rest(
    sessions, tenant, shopify_store, shop: FakeShop, clock: FakeClock, box: SecretBox,
    sync_env: SyncEnvironment,
) -> None:  # fmt: skip
    org = tenant.org.id
    shop.throttle_page = 1
    with unit_of_work(sessions) as s:
        first = service.poll_store(s, org, shopify_store, box)
    assert (first.status, first.fetched, first.created, first.pages) == ("throttled", 3, 3, 1)
    assert first.next_run_at == NOW + timedelta(seconds=30)  # the platform's Retry-After
    assert _orders(sessions) == ["5000", "5001", "5002"]
    state = _state(sessions)
    assert state.cursor == NOW - service.FIRST_WINDOW  # REST pages are not sorted by update
    assert state.last_status == "throttled"
    assert state.last_error == "throttled: the next request is allowed in 30 s"
    assert state.failures == 1 and state.last_success_at is None
    with unit_of_work(sessions) as s:
        jobs = list(s.scalars(select(OutboxJob).where(OutboxJob.name == service.POLL_JOB)))
    assert [(j.payload, j.run_after) for j in jobs] == [
        ({"store_id": shopify_store}, NOW + timedelta(seconds=30))
    ]
    assert jobs[0].idempotency_key == service.job_key(shopify_store, state.next_run_at)

    shop.throttle_page = None
    clock.t += 30
    with unit_of_work(sessions) as s:
        second = service.poll_store(s, org, shopify_store, box)
    assert (second.status, second.fetched, second.created, second.updated) == ("ok", 7, 4, 0)
    assert _orders(sessions) == [str(5000 + i) for i in range(7)]  # exactly 7, none twice
    assert _since(shop, 0) == _since(shop, 2)  # the second run asked for the same window
    state = _state(sessions)
    assert state.cursor == NOW + timedelta(seconds=30) - timedelta(minutes=2)
    assert (state.last_status, state.last_error, state.failures) == ("ok", "", 0)
    assert state.next_run_at == NOW + timedelta(seconds=30 + state.interval_seconds)
    assert state.last_success_at == NOW + timedelta(seconds=30)

    clock.t += 60
    with unit_of_work(sessions) as s:
        third = service.poll_store(s, org, shopify_store, box)
    assert (third.created, third.updated) == (0, 0)
    assert _since(shop, -3) == state.cursor.isoformat()  # type: ignore[union-attr]
    with unit_of_work(sessions) as s:
        assert s.scalar(select(func.count()).select_from(Order)) == 7


def test_the_token_bucket_state_persists_between_runs(
    sessions, tenant, shopify_store, clock: FakeClock, box: SecretBox,
    sync_env: SyncEnvironment,
) -> None:  # fmt: skip
    with unit_of_work(sessions) as s:
        service.poll_store(s, tenant.org.id, shopify_store, box)
    state = _state(sessions)
    assert state.bucket_tokens == 40 - 3  # three pages, three tokens of Shopify's 40
    assert state.bucket_at == NOW


def test_an_unparseable_order_is_dead_lettered_and_the_rest_ingested(
    sessions, tenant, shopify_store, shop: FakeShop, box: SecretBox, sync_env: SyncEnvironment,
) -> None:  # fmt: skip
    del shop.pages[1][1]["line_items"]
    shop.pages[1][1]["created_at"] = "not a date"
    with unit_of_work(sessions) as s:
        outcome = service.poll_store(s, tenant.org.id, shopify_store, box)
    assert (outcome.status, outcome.created, outcome.dead_letters) == ("ok", 6, 1)
    with unit_of_work(sessions) as s:
        letters = [(d.source, d.store_id, d.raw) for d in s.scalars(select(OrderDeadLetter))]
    assert [(source, store) for source, store, _ in letters] == [("poll", shopify_store)]
    assert '"id": 5004' in letters[0][2]


def test_missing_credentials_are_an_error_on_the_store_not_a_crash(
    sessions, tenant, shopify_store, shop: FakeShop, box: SecretBox, sync_env: SyncEnvironment,
) -> None:  # fmt: skip
    with unit_of_work(sessions) as s:
        s.get(Store, shopify_store).credentials_encrypted = box.seal({"access_token": "x"})  # type: ignore[union-attr]
    with unit_of_work(sessions) as s:
        outcome = service.poll_store(s, tenant.org.id, shopify_store, box)
    assert outcome.status == "error"
    assert outcome.error == "the store's credentials lack shop_domain"
    assert shop.requests == []
    assert _orders(sessions) == []
    assert _state(sessions).next_run_at == NOW + timedelta(minutes=1)


def test_the_planner_enqueues_due_stores_once(
    sessions, tenant, shopify_store, clock: FakeClock, box: SecretBox, sync_env: SyncEnvironment,
) -> None:  # fmt: skip
    org = tenant.org.id
    with unit_of_work(sessions) as s:
        s.add(Store(organisation_id=org, name="No creds", channel="ebay", region="US",
                    currency="USD"))  # fmt: skip
    with unit_of_work(sessions) as s:
        assert service.plan_polls(s, org, NOW) == [shopify_store]
    with unit_of_work(sessions) as s:
        assert service.plan_polls(s, org, NOW) == []  # already enqueued
        service.poll_store(s, org, shopify_store, box)
    with unit_of_work(sessions) as s:
        assert service.plan_polls(s, org, NOW + timedelta(minutes=5)) == []  # not due yet
        state = s.scalars(select(StoreSync)).one()
        assert service.plan_polls(s, org, state.next_run_at) == [shopify_store]


def test_credentials_sealed_with_an_unknown_key_are_an_error_on_the_store(
    sessions, tenant, shopify_store, shop: FakeShop, box: SecretBox, sync_env: SyncEnvironment,
) -> None:  # fmt: skip
    other = SecretBox([Fernet.generate_key()])
    with unit_of_work(sessions) as s:
        s.get(Store, shopify_store).credentials_encrypted = other.seal({"access_token": "x"})  # type: ignore[union-attr]
    with unit_of_work(sessions) as s:
        outcome = service.poll_store(s, tenant.org.id, shopify_store, box)
    assert outcome.status == "error"
    assert outcome.error == "stored credentials cannot be decrypted with the configured keys"
    assert shop.requests == [] and _orders(sessions) == []
