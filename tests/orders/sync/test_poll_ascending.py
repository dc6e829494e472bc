"""A poller whose pages are sorted by update time keeps its cursor at the last ingested page."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from linkstar.db.uow import unit_of_work
from linkstar.kit.crypto import SecretBox
from linkstar.orders.models import Order
from linkstar.orders.sync import connect, service
from linkstar.orders.sync.models import StoreSync
from linkstar.workspace.models import Store
from tests.orders.connectors.conftest import payload
from tests.orders.sync.conftest import FakeClock

BASE_TIME = 1796137862  # update_time of the recorded order; each next order is 60 s later
SECRETS = {"access_token": "tok", "app_key": "key", "app_secret": "sec", "shop_cipher": "ciph"}


def tiktok_order(i: int) -> dict[str, Any]:
    raw = copy.deepcopy(payload("tiktok_awaiting_shipment"))
    raw["id"] = str(576829349823748000 + i)
    raw["update_time"] = BASE_TIME + 60 * i
    return raw


class FakeTikTok:
    """POST /order/202309/orders/search, two orders per page, ascending by update_time."""

    def __init__(self) -> None:
        self.orders = [tiktok_order(i) for i in range(5)]
        self.throttle_token: str | None = None
        self.bodies: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/order/202309/orders/search"
        assert request.headers["x-tts-access-token"] == "tok"
        body = json.loads(request.content)
        self.bodies.append(body)
        token = request.url.params.get("page_token", "")
        if token and token == self.throttle_token:
            return httpx.Response(429, headers={"Retry-After": "12"})
        wanted = [o for o in self.orders if o["update_time"] >= body["update_time_ge"]]
        start = int(token or 0)
        page = wanted[start : start + 2]
        data: dict[str, Any] = {"orders": page, "total_count": len(wanted)}
        if start + 2 < len(wanted):
            data["next_page_token"] = str(start + 2)
        return httpx.Response(200, json={"code": 0, "message": "Success", "data": data})


@pytest.fixture
def tiktok(sessions: sessionmaker[Session], tenant, settings) -> tuple[str, FakeTikTok, FakeClock]:  # type: ignore[no-untyped-def]
    box = SecretBox(settings.encryption_keys())
    with unit_of_work(sessions) as s:
        row = Store(
            organisation_id=tenant.org.id,
            name="TikTok US",
            channel="tiktok_shop",
            region="US",
            currency="USD",
            credentials_encrypted=box.seal(SECRETS),
        )
        s.add(row)
        s.flush()
        store_id = row.id
    shop, clock = FakeTikTok(), FakeClock()
    transport = httpx.MockTransport(shop)
    previous = connect.configure(
        connect.SyncEnvironment(lambda _s, _c: transport, clock, max_wait_seconds=0.0)
    )
    yield store_id, shop, clock
    connect.configure(previous)


def test_cursor_stops_at_the_last_ingested_page(sessions, tenant, settings, tiktok) -> None:  # type: ignore[no-untyped-def]
    store_id, shop, clock = tiktok
    box = SecretBox(settings.encryption_keys())
    shop.throttle_token = "2"
    with unit_of_work(sessions) as s:
        first = service.poll_store(s, tenant.org.id, store_id, box)
    assert (first.status, first.created, first.pages) == ("throttled", 2, 1)
    # The newest update of the ingested page (order 1), asked for again inclusively.
    assert first.cursor == datetime.fromtimestamp(BASE_TIME + 60, UTC)
    shop.throttle_token = None
    clock.t += 12
    with unit_of_work(sessions) as s:
        second = service.poll_store(s, tenant.org.id, store_id, box)
    assert shop.bodies[-1]["update_time_ge"] == BASE_TIME + 60
    # Orders 1-4 are asked for (order 1 again, unchanged): 3 new, none twice.
    assert (second.status, second.fetched, second.created, second.updated) == ("ok", 4, 3, 0)
    with unit_of_work(sessions) as s:
        ids = sorted(s.scalars(select(Order.external_id)))
        state = s.scalars(select(StoreSync)).one()
        assert state.last_status == "ok"
    assert ids == sorted(str(576829349823748000 + i) for i in range(5))
