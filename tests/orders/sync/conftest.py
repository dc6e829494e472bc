"""Store polling fixtures: a Shopify store with sealed credentials, a fake clock, a fake shop.

The shop answers through `httpx.MockTransport` (injected with `connect.configure`), so no test
touches the network, and the clock only advances when the code under test sleeps.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from linkstar.config import Settings
from linkstar.db.uow import unit_of_work
from linkstar.kit.crypto import SecretBox
from linkstar.orders.sync import connect
from linkstar.workspace.models import Store
from tests.orders.connectors.conftest import payload

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
CREDENTIALS = {"shop_domain": "acme.myshopify.com", "access_token": "shpat_test_token"}


class FakeClock:
    def __init__(self) -> None:
        self.t = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds

    def utcnow(self) -> datetime:
        return NOW + timedelta(seconds=self.t)


def shopify_order(order_id: int) -> dict[str, Any]:
    raw = copy.deepcopy(payload("shopify_rest_multiline"))
    raw["id"] = order_id
    raw["name"] = f"#{order_id}"
    return raw


class FakeShop:
    """Shopify REST orders.json over `pages` pages; `throttle_page` answers 429 until cleared."""

    def __init__(self, orders: list[dict[str, Any]], per_page: int) -> None:
        self.pages = [orders[i : i + per_page] for i in range(0, len(orders), per_page)]
        self.throttle_page: int | None = None
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        query = parse_qs(urlsplit(str(request.url)).query)
        index = int(query.get("page_info", ["0"])[0])
        if index == self.throttle_page:
            return httpx.Response(429, headers={"Retry-After": "30"}, json={"errors": "slow"})
        headers = {}
        if index + 1 < len(self.pages):
            nxt = f"https://acme.myshopify.com/admin/api/2024-10/orders.json?page_info={index + 1}"
            headers["Link"] = f'<{nxt}>; rel="next"'
        return httpx.Response(200, headers=headers, json={"orders": self.pages[index]})


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def shop() -> FakeShop:
    return FakeShop([shopify_order(5000 + i) for i in range(7)], per_page=3)


@pytest.fixture
def sync_env(clock: FakeClock, shop: FakeShop) -> Iterator[connect.SyncEnvironment]:
    """The fake shop and clock in force; no inline waiting (every throttle reschedules)."""
    transport = httpx.MockTransport(shop)
    factory: Callable[[str, str], httpx.BaseTransport | None] = lambda _s, _c: transport  # noqa: E731
    env = connect.SyncEnvironment(transport_factory=factory, clock=clock, max_wait_seconds=0.0)
    previous = connect.configure(env)
    yield env
    connect.configure(previous)


@pytest.fixture
def box(settings: Settings) -> SecretBox:
    return SecretBox(settings.encryption_keys())


@pytest.fixture
def shopify_store(sessions: sessionmaker[Session], tenant, box: SecretBox) -> str:  # type: ignore[no-untyped-def]
    """An active Shopify store of the tenant with sealed credentials; returns its id."""
    with unit_of_work(sessions) as s:
        row = Store(
            organisation_id=tenant.org.id,
            name="Acme Shopify",
            channel="shopify",
            region="US",
            currency="USD",
            credentials_encrypted=box.seal(CREDENTIALS),
            credentials_hint="access_token=shp…",
        )
        s.add(row)
        s.flush()
        return row.id
