"""Settings → Stores: the polling state of each store and the Sync now button."""

from __future__ import annotations

from sqlalchemy import select

from linkstar.db.outbox import OutboxJob
from linkstar.db.uow import unit_of_work
from linkstar.orders.sync import service
from linkstar.workspace.models import Store
from tests.orders.sync import conftest as sync_fixtures
from tests.orders.sync.conftest import FakeShop

# Fixtures shared with tests/orders/sync (pytest finds them as module attributes).
box = sync_fixtures.box
clock = sync_fixtures.clock
shop = sync_fixtures.shop
sync_env = sync_fixtures.sync_env


def _form(name: str, channel: str, **secrets: str) -> dict[str, str]:
    data = {"name": name, "channel": channel, "region": "us", "currency": "usd"}
    for i, (key, value) in enumerate(secrets.items(), start=1):
        data[f"cred_key_{i}"] = key
        data[f"cred_value_{i}"] = value
    return data


def _store_id(sessions, name: str) -> str:  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as s:
        return s.scalars(select(Store.id).where(Store.name == name)).one()


def test_sync_now_queues_a_poll_and_the_table_shows_its_outcome(
    tenant,
    owner,
    sessions,
    shop: FakeShop,
    box,
    sync_env,
) -> None:  # type: ignore[no-untyped-def]
    owner.post(
        "/settings/stores",
        _form("Acme <Shop>", "shopify", shop_domain="acme.myshopify.com", access_token="shpat_x"),
    )
    store_id = _store_id(sessions, "Acme <Shop>")
    page = owner.get("/settings/stores").text
    assert "not polled yet" in page and f'action="/settings/stores/{store_id}/sync"' in page
    assert "Acme &lt;Shop&gt;" in page

    response = owner.post(f"/settings/stores/{store_id}/sync")
    assert response.status_code == 303
    with unit_of_work(sessions) as s:
        (job_id,) = s.scalars(select(OutboxJob.id).where(OutboxJob.name == service.POLL_JOB))
    assert f"Poll of Acme &lt;Shop&gt; queued (job {job_id})." in owner.follow(response).text

    shop.throttle_page = 2
    with unit_of_work(sessions) as s:
        service.poll_store(s, tenant.org.id, store_id, box)
    page = owner.get("/settings/stores").text
    assert "Throttled" in page and "6 fetched, 6 new" in page
    assert "throttled: the next request is allowed in 30 s" in page
    assert "Next run <time" in page and "every 15 min" in page and "Cursor <time" in page


def test_a_store_that_cannot_be_polled_says_why(tenant, owner, sessions) -> None:  # type: ignore[no-untyped-def]
    owner.post("/settings/stores", _form("Spreadsheet", "other"))
    store_id = _store_id(sessions, "Spreadsheet")
    page = owner.get("/settings/stores").text
    assert "not polled (needs credentials" in page
    assert f'action="/settings/stores/{store_id}/sync"' not in page
    response = owner.post(f"/settings/stores/{store_id}/sync")
    assert (
        '<div class="notice notice-error" role="alert">Spreadsheet was not polled: The store '
        "cannot be polled: it must be active, have credentials and be on Shopify, Amazon, "
        "TikTok Shop, eBay or Walmart</div>"
    ) in owner.follow(response).text
    with unit_of_work(sessions) as s:
        assert s.scalars(select(OutboxJob).where(OutboxJob.name == service.POLL_JOB)).all() == []
