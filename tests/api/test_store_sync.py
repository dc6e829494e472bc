"""Store polling over HTTP and through the job runner: sync now, throttled, resumed, state."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from linkstar.config import get_settings
from linkstar.db.outbox import JobStatus, OutboxJob
from linkstar.jobs.runner import Outcome, execute
from linkstar.orders.models import Order
from linkstar.orders.sync.service import POLL_JOB
from tests.api.conftest import assert_error
from tests.orders.sync import conftest as sync_fixtures
from tests.orders.sync.conftest import CREDENTIALS, NOW, FakeClock, FakeShop

# Fixtures shared with tests/orders/sync (pytest finds them as module attributes).
clock = sync_fixtures.clock
shop = sync_fixtures.shop
sync_env = sync_fixtures.sync_env


@pytest.fixture
def job_settings(monkeypatch, settings):  # type: ignore[no-untyped-def]
    """Jobs read the encryption key from the process settings, as in production."""
    monkeypatch.setenv("LINKSTAR_ENCRYPTION_KEY", settings.encryption_key.get_secret_value())
    monkeypatch.setenv("LINKSTAR_DATA_DIR", str(settings.data_dir))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _z(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _store(caller, name: str, channel: str, credentials: dict[str, str] | None) -> str:  # type: ignore[no-untyped-def]
    body = {"name": name, "channel": channel, "region": "US", "currency": "USD"}
    if credentials:
        body["credentials"] = credentials  # type: ignore[assignment]
    r = caller.post("/stores", json=body)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _jobs(api, name: str) -> list[OutboxJob]:  # type: ignore[no-untyped-def]
    with api.sessions() as s:
        rows = list(s.scalars(select(OutboxJob).where(OutboxJob.name == name)))
        for row in rows:
            s.expunge(row)
        return rows


def test_sync_now_throttled_then_resumed(
    api,
    tenant,
    shop: FakeShop,
    clock: FakeClock,
    sync_env,
    job_settings,
) -> None:  # type: ignore[no-untyped-def]
    caller = api.with_key(tenant)
    store_id = _store(caller, "Acme Shopify", "shopify", CREDENTIALS)
    before = caller.get(f"/stores/{store_id}/sync")
    assert before.status_code == 200
    assert before.json() == {
        "store_id": store_id, "polled": True, "interval_minutes": 15, "cursor": None,
        "last_poll_at": None, "last_success_at": None, "next_run_at": None,
        "last_status": "never", "last_error": "", "last_fetched": 0, "last_created": 0,
        "failures": 0, "polling_enabled": True, "polling_note": "",
    }  # fmt: skip
    r = caller.post(f"/stores/{store_id}/sync")
    assert r.status_code == 202, r.text
    job_id = r.json()["job_id"]
    assert r.json() == {"store_id": store_id, "job_id": job_id}
    assert caller.post(f"/stores/{store_id}/sync").json()["job_id"] == job_id  # one per minute

    shop.throttle_page = 1
    assert execute(api.sessions, job_id, "test", 60) is Outcome.done
    state = caller.get(f"/stores/{store_id}/sync").json()
    assert (state["last_status"], state["last_fetched"], state["failures"]) == ("throttled", 3, 1)
    assert state["last_error"] == "throttled: the next request is allowed in 30 s"
    assert state["next_run_at"] == _z(NOW + timedelta(seconds=30))
    follow = [j for j in _jobs(api, POLL_JOB) if j.id != job_id]
    assert [(j.status, j.run_after) for j in follow] == [
        (JobStatus.pending.value, NOW + timedelta(seconds=30))
    ]

    shop.throttle_page = None
    clock.t += 30
    assert execute(api.sessions, follow[0].id, "test", 60) is Outcome.done
    state = caller.get(f"/stores/{store_id}/sync").json()
    assert (state["last_status"], state["last_fetched"], state["last_created"]) == ("ok", 7, 4)
    with api.sessions() as s:
        assert len(s.scalars(select(Order.external_id)).all()) == 7

    r = caller.patch(f"/stores/{store_id}/sync", json={"interval_minutes": 60})
    assert r.status_code == 200 and r.json()["interval_minutes"] == 60
    assert r.json()["next_run_at"] == _z(NOW + timedelta(seconds=30, minutes=60))


def test_sync_refuses_a_store_without_credentials(api, tenant) -> None:  # type: ignore[no-untyped-def]
    caller = api.with_key(tenant)
    store_id = _store(caller, "Manual", "ebay", None)
    assert caller.get(f"/stores/{store_id}/sync").json()["polled"] is False
    counts = api.counts()
    assert_error(caller.post(f"/stores/{store_id}/sync"), 409, "conflict")
    assert api.counts() == counts


def test_sync_needs_manage_permission(api, tenant) -> None:  # type: ignore[no-untyped-def]
    store_id = _store(api.with_key(tenant), "Acme Shopify", "shopify", CREDENTIALS)
    reader = api.with_key(tenant, scopes=["workspace:read"])
    assert reader.get(f"/stores/{store_id}/sync").status_code == 200
    assert_error(reader.post(f"/stores/{store_id}/sync"), 403, "permission_denied")
