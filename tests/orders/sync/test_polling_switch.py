"""Polling switched off (the demo's stores) stays off until real credentials are entered."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from linkstar.db.outbox import OutboxJob
from linkstar.db.uow import unit_of_work
from linkstar.kit.crypto import SecretBox
from linkstar.kit.errors import Conflict
from linkstar.orders.sync import service
from linkstar.workspace import service as workspace
from linkstar.workspace.schemas import StoreUpdate
from tests.api.conftest import Api
from tests.orders.sync.conftest import NOW


def _polls(sessions) -> int:
    with sessions() as s:
        stmt = select(func.count()).select_from(OutboxJob).where(OutboxJob.name == service.POLL_JOB)
        return int(s.scalar(stmt) or 0)


def test_a_paused_store_is_not_planned_nor_polled_on_request(sessions, tenant, shopify_store):
    org = tenant.org.id
    with unit_of_work(sessions) as s:
        service.pause_polling(s, org, shopify_store, "demo store with placeholder credentials")
    with unit_of_work(sessions) as s:
        assert service.plan_polls(s, org, NOW) == []
    with pytest.raises(Conflict, match="placeholder credentials"), unit_of_work(sessions) as s:
        service.request_sync(s, tenant.principal, shopify_store, NOW)
    assert _polls(sessions) == 0


def test_switching_on_needs_new_credentials(sessions, tenant, shopify_store, box: SecretBox):
    org, actor = tenant.org.id, tenant.principal
    with unit_of_work(sessions) as s:
        service.pause_polling(s, org, shopify_store, "demo store with placeholder credentials")
    with pytest.raises(Conflict, match="real credentials"), unit_of_work(sessions) as s:
        service.set_polling(s, actor, shopify_store, True)
    with unit_of_work(sessions) as s:
        new = {"shop_domain": "acme.myshopify.com", "access_token": "shpat_real_token"}
        workspace.update_store(s, actor, shopify_store, StoreUpdate(credentials=new), box)
    with unit_of_work(sessions) as s:
        state = service.set_polling(s, actor, shopify_store, True)
        assert (state.polling_enabled, state.polling_note, state.paused_credentials) == (
            True,
            "",
            "",
        )
    with unit_of_work(sessions) as s:
        assert service.plan_polls(s, org, NOW) == [shopify_store]


def test_the_api_switches_polling_off_and_refuses_on_with_the_same_keys(
    client, sessions, tenant, shopify_store
):
    caller = Api(client, sessions).with_key(tenant)
    r = caller.patch(f"/stores/{shopify_store}/sync", json={"polling_enabled": False})
    assert r.status_code == 200, r.text
    assert (r.json()["polling_enabled"], r.json()["polling_note"]) == (
        False,
        "switched off by a user",
    )
    r = caller.patch(f"/stores/{shopify_store}/sync", json={"polling_enabled": True})
    assert r.status_code == 409 and "real credentials" in r.json()["error"]["message"]
    r = caller.patch(f"/stores/{shopify_store}/sync", json={})
    assert r.status_code == 422
