"""Publishing a store's stock: only changes are sent, every line is recorded, failures resend.

The store is an eBay store (bulkUpdatePriceQuantity, the simplest documented body); the request
shapes of every channel are in tests/orders/connectors/test_stock_push.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from linkstar.db.outbox import JobContext, OutboxJob
from linkstar.db.uow import unit_of_work
from linkstar.inventory import publishing
from linkstar.inventory.schemas import StorePolicySet
from linkstar.jobs.registry import get_spec
from linkstar.kit.errors import Conflict
from linkstar.orders import setup
from linkstar.orders.stock import planning, service, tasks
from linkstar.orders.stock.models import PublishedStock, StockPublishLine, StockPublishRun
from linkstar.orders.sync.service import pause_polling
from tests.inventory.seed import receive
from tests.orders.stock.conftest import NOW, add_store


def _publish(sessions, tenant, store_id, box, **kwargs):  # type: ignore[no-untyped-def]
    kwargs.setdefault("trigger", "manual")
    with unit_of_work(sessions) as s:
        run = service.publish_store(s, tenant.org.id, store_id, box, **kwargs)
        return run.id


def _lines(sessions, run_id):  # type: ignore[no-untyped-def]
    with sessions() as s:
        rows = s.scalars(
            select(StockPublishLine)
            .where(StockPublishLine.run_id == run_id)
            .order_by(StockPublishLine.channel_sku)
        )
        return [
            (r.channel_sku, r.quantity, r.previous_quantity, r.status, r.master_skus) for r in rows
        ]


def _published(sessions):  # type: ignore[no-untyped-def]
    with sessions() as s:
        rows = s.scalars(select(PublishedStock).order_by(PublishedStock.channel_sku))
        return [(r.channel_sku, r.quantity) for r in rows]


def _run(sessions, run_id):  # type: ignore[no-untyped-def]
    with sessions() as s:
        run = s.get(StockPublishRun, run_id)
        assert run is not None
        return run


def test_jobs_are_registered():
    assert get_spec("inventory.publish_stock").handler is tasks.publish_stock
    assert get_spec("inventory.publish_store").handler is tasks.publish_store


def test_first_run_sends_everything_through_mappings_and_buffers_then_only_changes(
    sessions, tenant, stocked, ebay_store, ebay, env, box
):
    actor = tenant.principal
    with unit_of_work(sessions) as s:
        publishing.set_policy(s, actor, ebay_store, StorePolicySet(max_listed=20))
        setup.put_mapping(
            s, actor, channel_sku="EB-HEART", master_sku="HP-22423", store_id=ebay_store
        )
        setup.put_mapping(
            s,
            actor,
            channel_sku="EB-GIFTSET",
            components=[{"sku": "HP-22423", "quantity": 2}, {"sku": "HP-85123A", "quantity": 1}],
            channel="ebay",
        )
    run_id = _publish(sessions, tenant, ebay_store, box)
    # HP-22423 lists as EB-HEART (capped at 20); the gift set as min(30 // 2, 7 // 1) = 7.
    assert sorted(ebay.sent()) == [
        ("EB-GIFTSET", 7),
        ("EB-HEART", 20),
        ("HP-79321", 0),
        ("HP-85123A", 7),
    ]
    assert _lines(sessions, run_id) == [
        ("EB-GIFTSET", 7, None, "sent", "HP-22423,HP-85123A"),
        ("EB-HEART", 20, None, "sent", "HP-22423"),
        ("HP-79321", 0, None, "sent", "HP-79321"),
        ("HP-85123A", 7, None, "sent", "HP-85123A"),
    ]
    run = _run(sessions, run_id)
    assert (run.status, run.sent, run.failed, run.unchanged, run.considered) == ("ok", 4, 0, 0, 4)
    # Nothing moved: nothing is sent and no line is kept.
    ebay.calls.clear()
    again = _publish(sessions, tenant, ebay_store, box, trigger="schedule")
    assert ebay.calls == [] and _lines(sessions, again) == []
    assert (_run(sessions, again).status, _run(sessions, again).unchanged) == ("ok", 4)
    # Two units of HP-85123A arrive: it and the gift set change, the rest is recorded unchanged.
    receive(sessions, actor, "HP-85123A", "US-NJ-EDI", 2)
    third = _publish(sessions, tenant, ebay_store, box)
    assert sorted(ebay.sent()) == [("EB-GIFTSET", 9), ("HP-85123A", 9)]
    assert _lines(sessions, third) == [
        ("EB-GIFTSET", 9, 7, "sent", "HP-22423,HP-85123A"),
        ("EB-HEART", 20, 20, "skipped_unchanged", "HP-22423"),
        ("HP-79321", 0, 0, "skipped_unchanged", "HP-79321"),
        ("HP-85123A", 9, 7, "sent", "HP-85123A"),
    ]
    assert _published(sessions) == [
        ("EB-GIFTSET", 9),
        ("EB-HEART", 20),
        ("HP-79321", 0),
        ("HP-85123A", 9),
    ]


def test_refused_credentials_fail_every_line_and_mark_nothing_sent(
    sessions, tenant, stocked, ebay_store, ebay, env, box
):
    ebay.status = 401
    run_id = _publish(sessions, tenant, ebay_store, box)
    assert [line[3] for line in _lines(sessions, run_id)] == ["failed"] * 3
    run = _run(sessions, run_id)
    assert (run.status, run.sent, run.failed) == ("failed", 0, 3)
    assert "HTTP 401 (credentials refused)" in run.error
    assert _published(sessions) == []
    # The platform accepts the next run: everything is sent again, as never published before.
    ebay.status = 200
    later = _publish(sessions, tenant, ebay_store, box)
    assert [(x[0], x[2], x[3]) for x in _lines(sessions, later)] == [
        ("HP-22423", None, "sent"),
        ("HP-79321", None, "sent"),
        ("HP-85123A", None, "sent"),
    ]


def test_a_throttled_run_fails_its_lines_and_comes_back_after_retry_after(
    sessions, tenant, stocked, ebay_store, ebay, env, box
):
    ebay.status = 429
    run_id = _publish(sessions, tenant, ebay_store, box)
    run = _run(sessions, run_id)
    assert (run.status, run.failed, run.throttled) == ("failed", 3, 1)
    assert _published(sessions) == []
    with sessions() as s:
        jobs = list(s.scalars(select(OutboxJob).where(OutboxJob.name == service.STORE_JOB)))
    assert [(j.payload, j.run_after) for j in jobs] == [
        ({"store_id": ebay_store, "trigger": "retry"}, NOW + timedelta(seconds=120))
    ]


def test_dry_run_records_what_would_be_sent_and_touches_nothing(
    sessions, tenant, stocked, ebay, env, box
):
    store = add_store(sessions, tenant.org.id, box, None, "Demo eBay")
    run_id = _publish(sessions, tenant, store, None, dry_run=True)
    assert ebay.calls == [] and _published(sessions) == []
    assert _lines(sessions, run_id) == [
        ("HP-22423", 30, None, "dry_run", "HP-22423"),
        ("HP-79321", 0, None, "dry_run", "HP-79321"),
        ("HP-85123A", 7, None, "dry_run", "HP-85123A"),
    ]
    assert _run(sessions, run_id).status == "dry_run"
    with unit_of_work(sessions) as s, pytest.raises(Conflict):
        planning.request_publish(s, tenant.principal, store, NOW)


def test_planner_enqueues_stores_whose_ledger_moved(
    sessions, tenant, stocked, ebay_store, ebay, env, box, job_keys
):
    add_store(sessions, tenant.org.id, box, None, "No credentials")
    with unit_of_work(sessions) as s:
        assert planning.plan_publications(s, tenant.org.id, NOW, "schedule") == [ebay_store]
    with unit_of_work(sessions) as s:
        tasks.publish_store(
            s, JobContext("j1", service.STORE_JOB, tenant.org.id, {"store_id": ebay_store})
        )
    later = NOW + timedelta(minutes=5)
    with unit_of_work(sessions) as s:
        assert planning.plan_publications(s, tenant.org.id, later, "schedule") == []
    receive(sessions, tenant.principal, "HP-79321", "US-NJ-EDI", 4)
    with unit_of_work(sessions) as s:
        assert planning.plan_publications(s, tenant.org.id, later, "schedule") == [ebay_store]
    assert sorted(ebay.sent()) == [("HP-22423", 30), ("HP-79321", 0), ("HP-85123A", 7)]


def test_planner_skips_stores_whose_scheduled_sync_is_off(
    sessions, tenant, stocked, ebay_store, ebay, env, box
):
    with unit_of_work(sessions) as s:
        pause_polling(s, tenant.org.id, ebay_store, "demo store with placeholder credentials")
    with unit_of_work(sessions) as s:
        assert planning.plan_publications(s, tenant.org.id, NOW, "schedule") == []
    with unit_of_work(sessions) as s:
        assert s.scalars(select(OutboxJob).where(OutboxJob.name == service.STORE_JOB)).all() == []
    # A user's "Publish now" is not a schedule: it still goes out.
    run_id = _publish(sessions, tenant, ebay_store, box)
    assert _run(sessions, run_id).status == "ok"
    assert sorted(ebay.sent()) == [("HP-22423", 30), ("HP-79321", 0), ("HP-85123A", 7)]


def test_incomplete_credentials_fail_the_run_before_any_request(
    sessions, tenant, stocked, ebay, env, box
):
    store = add_store(sessions, tenant.org.id, box, {"refresh_token": "only"}, "Half set up")
    run_id = _publish(sessions, tenant, store, box)
    run = _run(sessions, run_id)
    assert (run.status, run.failed, run.sent, run.requests) == ("failed", 3, 0, 0)
    assert run.error == "the store's credentials lack access_token"
    assert ebay.calls == [] and _lines(sessions, run_id) == [] and _published(sessions) == []


def test_an_empty_poller_bucket_is_honoured_and_kept(
    sessions, tenant, stocked, ebay_store, ebay, env, box
):
    from linkstar.orders.sync.models import StoreSync

    with unit_of_work(sessions) as s:
        s.add(
            StoreSync(
                organisation_id=tenant.org.id, store_id=ebay_store, bucket_tokens=0.0, bucket_at=NOW
            )
        )
    run_id = _publish(sessions, tenant, ebay_store, box)
    run = _run(sessions, run_id)
    assert ebay.calls == [] and run.status == "failed"
    assert run.error == "throttled: the next request is allowed in 1 s"  # eBay: 1 request/s
    with sessions() as s:
        retry = s.scalars(select(OutboxJob).where(OutboxJob.name == service.STORE_JOB)).one()
        state = s.scalars(select(StoreSync)).one()
    assert retry.run_after == NOW + timedelta(seconds=1)
    assert (state.bucket_tokens, state.bucket_at) == (0.0, NOW)
