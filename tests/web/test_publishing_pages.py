"""Inventory → Publishing: stores with buffers and last run, publish now, buffers, run lines."""

from __future__ import annotations

from sqlalchemy import select

from linkstar.db.outbox import OutboxJob
from linkstar.db.uow import unit_of_work
from linkstar.inventory.models import StoreStockPolicy
from linkstar.orders.stock import service as stock
from linkstar.workspace.core import Role
from tests.inventory.seed import add_skus, add_warehouses, receive
from tests.orders.stock.conftest import add_feed_in_flight, add_store


def _stores(sessions, tenant, box):  # type: ignore[no-untyped-def]
    add_warehouses(sessions, tenant.principal)
    add_skus(sessions, tenant.principal, "HP-22423", "HP-85123A")
    receive(sessions, tenant.principal, "HP-22423", "US-NJ-EDI", 12)
    live = add_store(sessions, tenant.org.id, box, {"access_token": "v^1.1#t"}, "eBay <US>")
    demo = add_store(sessions, tenant.org.id, box, None, "Demo eBay")
    return live, demo


def test_page_shows_each_store_and_a_dry_run_with_its_lines(owner, sessions, tenant, app):
    _live, demo = _stores(sessions, tenant, app.state.box)
    with unit_of_work(sessions) as s:
        run = stock.publish_store(s, tenant.org.id, demo, None, trigger="demo", dry_run=True)
    html = owner.get("/inventory/publishing").text
    assert 'aria-current="page">Publishing</a>' in html
    assert "eBay &lt;US&gt;" in html and "eBay <US>" not in html  # escaped
    assert "no connector or credentials: dry runs only" in html  # the demo store
    assert f'href="/inventory/publishing/runs/{run.id}"' in html
    detail = owner.get(f"/inventory/publishing/runs/{run.id}").text
    assert "dry run: nothing was sent" in detail
    assert detail.count("dry run</span>") == 3 and "HP-22423" in detail and ">12<" in detail
    assert owner.get("/inventory/publishing/runs/" + "0" * 32).status_code == 404


def test_publish_now_queues_a_job_and_a_store_without_credentials_is_refused(
    owner, sessions, tenant, app
):
    live, demo = _stores(sessions, tenant, app.state.box)
    page = owner.follow(owner.post(f"/inventory/publishing/{live}/publish"))
    assert "Publication of eBay &lt;US&gt; queued" in page.text
    refused = owner.follow(owner.post(f"/inventory/publishing/{demo}/publish"))
    assert "Demo eBay was not published: The store cannot be published to" in refused.text
    dry = owner.follow(owner.post(f"/inventory/publishing/{demo}/publish", {"dry_run": "1"}))
    assert "Dry run of Demo eBay queued" in dry.text
    with sessions() as s:
        jobs = s.scalars(select(OutboxJob).where(OutboxJob.name == stock.STORE_JOB)).all()
    assert sorted((j.payload["store_id"], j.payload["dry_run"]) for j in jobs) == sorted(
        [(live, False), (demo, True)]
    )


def test_buffers_are_saved_or_refused_with_the_field(owner, sessions, tenant, app):
    live, _demo = _stores(sessions, tenant, app.state.box)
    bad = owner.post(
        f"/inventory/publishing/{live}/buffers",
        {"max_listed": "", "stop_selling_below": "2", "percent_of_available": "180"},
    )
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text
    with sessions() as s:
        assert s.scalars(select(StoreStockPolicy)).all() == []
    ok = owner.post(
        f"/inventory/publishing/{live}/buffers",
        {"max_listed": "10", "stop_selling_below": "2", "percent_of_available": "80"},
    )
    assert "Buffers saved" in owner.follow(ok).text
    with sessions() as s:
        (row,) = s.scalars(select(StoreStockPolicy)).all()
    assert (row.store_id, row.max_listed, row.stop_selling_below, row.percent_of_available) == (
        live,
        10,
        2,
        80,
    )
    assert "max 10 · stop below 2 · 80" in owner.get("/inventory/publishing").text


def test_a_viewer_sees_the_page_without_actions(browser_factory, make_user, sessions, tenant, app):
    _stores(sessions, tenant, app.state.box)
    viewer = browser_factory(make_user(tenant, Role.viewer))
    html = viewer.get("/inventory/publishing").text
    assert "Publish now" not in html and "Save buffers" not in html


def test_a_pending_feed_shows_on_the_run_and_the_overview(owner, sessions, tenant, app):
    from datetime import UTC, datetime

    from linkstar.orders.stock.models import StockPublishLine, StockPublishRun

    live, _demo = _stores(sessions, tenant, app.state.box)
    at = datetime(2026, 12, 5, 4, 0, tzinfo=UTC)
    with unit_of_work(sessions) as s:
        run = StockPublishRun(
            organisation_id=tenant.org.id,
            store_id=live,
            trigger="schedule",
            status="pending",
            considered=2,
            submitted=2,
            finished_at=at,
        )
        s.add(run)
        s.flush()
        for sku in ("HP-22423", "HP-85123A"):
            s.add(
                StockPublishLine(
                    organisation_id=tenant.org.id,
                    run_id=run.id,
                    store_id=live,
                    channel_sku=sku,
                    master_skus=sku,
                    available=12,
                    quantity=12,
                    status="submitted",
                    response='{"feedId": "50014019600"}',
                    at=at,
                )
            )
        add_feed_in_flight(s, run, "amazon", "50014019600", ["HP-22423", "HP-85123A"], at)
        run_id = run.id
    detail = owner.get(f"/inventory/publishing/runs/{run_id}").text
    assert "2 awaiting the platform's feed result" in detail
    assert '<code class="code">50014019600</code> <span class="badge">submitted</span>' in detail
    assert "2 SKU(s) · submitted 2026-12-05 04:00:00 UTC · checked 0 time(s)" in detail
    assert detail.count('<span class="badge">submitted</span>') == 3  # the feed and two lines
    overview = owner.get("/inventory/publishing").text
    assert "+2 submitted" in overview and '<span class="badge">pending</span>' in overview

    # "Publish now" meanwhile: queued, told it will wait; the run is recorded deferred.
    page = owner.follow(owner.post(f"/inventory/publishing/{live}/publish"))
    assert (
        "but its previous amazon feed 50014019600 (submitted 2026-12-05 04:00 UTC) is still "
        "processing: the run will send nothing" in page.text
    )
    with unit_of_work(sessions) as s:
        deferred = stock.publish_store(s, tenant.org.id, live, app.state.box, trigger="manual")
        deferred_id = deferred.id
    detail = owner.get(f"/inventory/publishing/runs/{deferred_id}").text
    assert '<span class="badge">deferred</span>' in detail
    assert '<p class="notice notice-info" role="status">previous feed still processing: ' in detail
    assert "amazon feed 50014019600 (submitted 2026-12-05 04:00 UTC)" in detail
