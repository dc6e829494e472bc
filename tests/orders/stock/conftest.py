"""Stock publishing fixtures: stocked SKUs, an eBay store with sealed credentials, a fake eBay.

eBay answers through `httpx.MockTransport` (injected with `connect.configure`); the clock only
advances when the code under test sleeps, and nothing waits inline (throttles reschedule).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from linkstar.config import Settings, get_settings
from linkstar.db.uow import unit_of_work
from linkstar.kit.crypto import SecretBox
from linkstar.orders.connectors.stock import Pushed
from linkstar.orders.core.stock import LineStatus
from linkstar.orders.stock.feeds import record_feeds
from linkstar.orders.sync import connect
from linkstar.workspace.models import Store
from tests.inventory.seed import add_skus, add_warehouses, receive
from tests.orders.connectors.test_clients import FakeClock as ConnectorClock

# The ledger and the runs are stamped by the database's clock: the fake one starts there too.
NOW = datetime.now(UTC).replace(microsecond=0)


class FakeClock(ConnectorClock):
    """The connector tests' fake clock, starting at NOW."""

    def utcnow(self) -> datetime:
        return NOW + timedelta(seconds=self.t)


class FakeEbay:
    """bulk_update_price_quantity: 200 per SKU, or `status` (with Retry-After) for every call."""

    def __init__(self) -> None:
        self.calls: list[list[dict[str, Any]]] = []
        self.status = 200
        self.retry_after = "120"

    def __call__(self, request: httpx.Request) -> httpx.Response:
        import json

        requests = json.loads(request.content)["requests"]
        self.calls.append(requests)
        if self.status == 429:
            return httpx.Response(429, headers={"Retry-After": self.retry_after}, json={})
        if self.status != 200:
            return httpx.Response(self.status, json={"errors": [{"errorId": 1001}]})
        return httpx.Response(
            200, json={"responses": [{"statusCode": 200, "sku": r["sku"]} for r in requests]}
        )

    def sent(self) -> list[tuple[str, int]]:
        return [
            (r["sku"], r["shipToLocationAvailability"]["quantity"]) for c in self.calls for r in c
        ]


@pytest.fixture
def ebay() -> FakeEbay:
    return FakeEbay()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def env(clock: FakeClock, ebay: FakeEbay) -> Iterator[connect.SyncEnvironment]:
    transport = httpx.MockTransport(ebay)
    factory: Callable[[str, str], httpx.BaseTransport | None] = lambda _s, _c: transport  # noqa: E731
    value = connect.SyncEnvironment(transport_factory=factory, clock=clock, max_wait_seconds=0.0)
    previous = connect.configure(value)
    yield value
    connect.configure(previous)


@pytest.fixture
def box(settings: Settings) -> SecretBox:
    return SecretBox(settings.encryption_keys())


@pytest.fixture
def stocked(sessions: sessionmaker[Session], tenant) -> None:  # type: ignore[no-untyped-def]
    """HP-22423: 30 units, HP-85123A: 7, HP-79321: none."""
    add_warehouses(sessions, tenant.principal)
    add_skus(sessions, tenant.principal, "HP-22423", "HP-85123A", "HP-79321")
    receive(sessions, tenant.principal, "HP-22423", "US-NJ-EDI", 20)
    receive(sessions, tenant.principal, "HP-22423", "US-CA-ONT", 10)
    receive(sessions, tenant.principal, "HP-85123A", "US-NJ-EDI", 7)


def add_store(
    sessions: sessionmaker[Session], org_id: str, box: SecretBox, credentials: Any, name: str
) -> str:
    with unit_of_work(sessions) as s:
        row = Store(
            organisation_id=org_id,
            name=name,
            channel="ebay",
            region="US",
            currency="USD",
            credentials_encrypted=box.seal(credentials) if credentials else None,
        )
        s.add(row)
        s.flush()
        return row.id


@pytest.fixture
def ebay_store(sessions, tenant, box: SecretBox) -> str:  # type: ignore[no-untyped-def]
    return add_store(sessions, tenant.org.id, box, {"access_token": "v^1.1#i^1#test"}, "eBay US")


def add_feed_in_flight(
    session: Session, run: Any, channel: str, feed_id: str, skus: list[str], at: datetime
) -> None:
    """A bulk feed of `run` carrying `skus` that the platform has not answered yet."""
    answers = [Pushed(sku, LineStatus.submitted, "", feed_id=feed_id) for sku in skus]
    record_feeds(session, run, channel, answers, at)


@pytest.fixture
def job_keys(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Jobs read the environment's settings: the test's encryption key, none cached before."""
    monkeypatch.setenv("LINKSTAR_ENCRYPTION_KEY", settings.encryption_key.get_secret_value())
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
