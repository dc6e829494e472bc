"""A store set to Amazon's Orders 2026-01-01 is polled through searchOrders into orders; a store
with LWA refresh credentials gets its access token from LWA and keeps it until near expiry."""

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


def _store(sessions: sessionmaker[Session], tenant, settings, orders_api: str, **more: str) -> str:  # type: ignore[no-untyped-def]
    box = SecretBox(settings.encryption_keys())
    with unit_of_work(sessions) as s:
        row = Store(
            organisation_id=tenant.org.id,
            name="Amazon US",
            channel="amazon",
            region="US",
            currency="USD",
            credentials_encrypted=box.seal({**SECRETS, "orders_api": orders_api, **more}),
        )
        s.add(row)
        s.flush()
        return row.id


LWA = {"lwa_client_id": "amzn1.application-oa2-client.x", "lwa_client_secret": "s"}
CLOCK = FakeClock()


@pytest.fixture
def amazon_api():  # type: ignore[no-untyped-def]
    paths: list[str] = []
    page = payload("documented/amazon_orders_2026_search_example")
    page["pagination"] = {}
    issued = iter(range(1, 100))

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path)
        if request.url.host == "api.amazon.com":  # LWA
            if b"refresh_token=Atzr%7Crevoked" in request.content:
                return httpx.Response(400, json={"error": "invalid_grant"})
            if b"refresh_token=Atzr%7Cdown" in request.content:
                return httpx.Response(503, text="Service Unavailable")
            return httpx.Response(
                200, json={"access_token": f"Atza|{next(issued)}", "expires_in": 3600}
            )
        paths[-1] += " " + request.headers["x-amz-access-token"]
        return httpx.Response(200, json=page)

    transport = httpx.MockTransport(handler)
    previous = connect.configure(
        connect.SyncEnvironment(lambda _s, _c: transport, CLOCK, max_wait_seconds=0.0)
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
    assert amazon_api == ["/orders/2026-01-01/orders Atza|tok"]
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


def test_lwa_refresh_credentials_give_the_poll_a_token_kept_until_near_expiry(  # type: ignore[no-untyped-def]
    sessions, tenant, settings, amazon_api
) -> None:
    store_id = _store(sessions, tenant, settings, "2026-01-01", refresh_token="Atzr|r", **LWA)
    box = SecretBox(settings.encryption_keys())

    def poll() -> str:
        with unit_of_work(sessions) as s:
            assert service.poll_store(s, tenant.org.id, store_id, box).status == "ok"
            return str(box.open(s.get(Store, store_id).credentials_encrypted)["access_token"])

    assert poll() == "Atza|1"  # asked LWA, then searchOrders with the new token
    CLOCK.t += 3000  # 50 minutes on: still 10 minutes left, the sealed token is reused
    assert poll() == "Atza|1"
    CLOCK.t += 400  # under the 5-minute margin: a new one
    assert poll() == "Atza|2"
    assert amazon_api == [
        "/auth/o2/token",
        "/orders/2026-01-01/orders Atza|1",
        "/orders/2026-01-01/orders Atza|1",
        "/auth/o2/token",
        "/orders/2026-01-01/orders Atza|2",
    ]


@pytest.mark.parametrize(
    ("refresh", "reason"),
    [
        ("Atzr|revoked", "amazon token refresh refused: invalid_grant"),
        ("Atzr|down", "amazon token refresh: HTTP 503"),
    ],
    ids=["refused", "lwa-down"],
)
def test_a_failed_refresh_fails_the_poll_with_its_reason_and_keeps_the_credentials(  # type: ignore[no-untyped-def]
    sessions, tenant, settings, amazon_api, refresh, reason
) -> None:
    store_id = _store(sessions, tenant, settings, "v0", refresh_token=refresh, **LWA)
    box = SecretBox(settings.encryption_keys())
    with unit_of_work(sessions) as s:
        before = s.get(Store, store_id).credentials_encrypted
        result = service.poll_store(s, tenant.org.id, store_id, box)
    assert (result.status, result.error) == ("error", reason)
    assert amazon_api == ["/auth/o2/token"]
    with unit_of_work(sessions) as s:
        assert s.get(Store, store_id).credentials_encrypted == before
        assert s.scalar(select(func.count()).select_from(Order)) == 0
