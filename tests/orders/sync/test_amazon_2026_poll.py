"""A store set to Amazon's Orders 2026-01-01 is polled through searchOrders into orders."""

from __future__ import annotations

from decimal import Decimal as D

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from linkstar.db.uow import unit_of_work
from linkstar.kit.crypto import SecretBox
from linkstar.orders.models import Order
from linkstar.orders.sync import connect, service
from linkstar.workspace.models import Store
from tests.orders.connectors.conftest import payload
from tests.orders.sync.conftest import FakeClock

SECRETS = {"access_token": "Atza|tok", "marketplace_ids": "ATVPDKIKX0DER"}


def _store(sessions: sessionmaker[Session], tenant, settings, orders_api: str) -> str:  # type: ignore[no-untyped-def]
    box = SecretBox(settings.encryption_keys())
    with unit_of_work(sessions) as s:
        row = Store(
            organisation_id=tenant.org.id,
            name="Amazon US",
            channel="amazon",
            region="US",
            currency="USD",
            credentials_encrypted=box.seal({**SECRETS, "orders_api": orders_api}),
        )
        s.add(row)
        s.flush()
        return row.id


@pytest.fixture
def amazon_api():  # type: ignore[no-untyped-def]
    paths: list[str] = []
    page = payload("documented/amazon_orders_2026_search_example")
    page["pagination"] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path)
        return httpx.Response(200, json=page)

    transport = httpx.MockTransport(handler)
    previous = connect.configure(
        connect.SyncEnvironment(lambda _s, _c: transport, FakeClock(), max_wait_seconds=0.0)
    )
    yield paths
    connect.configure(previous)


def test_a_store_on_orders_2026_is_polled_through_search_orders(  # type: ignore[no-untyped-def]
    sessions, tenant, settings, amazon_api
) -> None:
    store_id = _store(sessions, tenant, settings, "2026-01-01")
    box = SecretBox(settings.encryption_keys())
    with unit_of_work(sessions) as s:
        result = service.poll_store(s, tenant.org.id, store_id, box)
    assert (result.status, result.fetched, result.created) == ("ok", 1, 1)
    assert amazon_api == ["/orders/2026-01-01/orders"]
    with unit_of_work(sessions) as s:
        row = s.scalars(select(Order).where(Order.organisation_id == tenant.org.id)).one()
        assert (row.external_id, row.currency) == ("123-4567890-1234567", "USD")
        assert (row.subtotal, row.tax, row.total) == (D("149.97"), D("0.02"), D("154.99"))


def test_an_unknown_orders_api_fails_the_poll_with_its_reason_and_fetches_nothing(  # type: ignore[no-untyped-def]
    sessions, tenant, settings, amazon_api
) -> None:
    store_id = _store(sessions, tenant, settings, "2027-01-01")
    box = SecretBox(settings.encryption_keys())
    with unit_of_work(sessions) as s:
        result = service.poll_store(s, tenant.org.id, store_id, box)
    assert (result.status, result.error) == ("error", "orders_api must be v0 or 2026-01-01")
    assert amazon_api == []
    with unit_of_work(sessions) as s:
        assert s.scalar(select(func.count()).select_from(Order)) == 0
