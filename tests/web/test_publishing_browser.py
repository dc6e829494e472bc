"""Inventory → Publishing in headless Chromium: buffers, publish now, a dry run's lines."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from linkstar.db.outbox import OutboxJob
from linkstar.db.uow import unit_of_work
from linkstar.inventory.models import StoreStockPolicy
from linkstar.orders.stock import service
from tests.conftest import OWNER_PASSWORD
from tests.web.test_browser import page  # noqa: F401  (the Chromium tab fixture)

pytestmark = pytest.mark.browser


def test_set_buffers_publish_now_and_open_a_dry_run(page, live_server, tenant, seeded, sessions):  # noqa: F811
    from playwright.sync_api import expect

    page.goto(f"{live_server}/login?next=/inventory/publishing")
    page.fill("#f-email", tenant.owner.email)
    page.fill("#f-password", OWNER_PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{live_server}/inventory/publishing")
    row = page.locator(f"#store-{seeded.store_id}")
    expect(row).to_contain_text("dry run")  # the seeded dry run is the store's last run
    row.locator("text=Buffers").click()
    page.fill("#f-max_listed", "25")
    page.fill("#f-percent_of_available", "90")
    page.click("button:has-text('Save buffers')")
    expect(page.locator("#flash, .notice").first).to_contain_text("Buffers saved")
    expect(page.locator(f"#store-{seeded.store_id}")).to_contain_text("max 25 · stop below 0 · 90")
    page.locator(f"#store-{seeded.store_id}").locator("button:has-text('Publish now')").click()
    expect(page.locator("#flash, .notice").first).to_contain_text("queued (job")
    page.click(f"a[href='/inventory/publishing/runs/{seeded.publication_run_id}']")
    expect(page.locator(".lede").first).to_contain_text("dry run: nothing was sent")
    with unit_of_work(sessions) as s:
        policy = s.scalars(select(StoreStockPolicy)).one()
        job = s.scalars(select(OutboxJob).where(OutboxJob.name == service.STORE_JOB)).one()
    assert (policy.max_listed, policy.percent_of_available) == (25, 90)
    assert job.payload == {"store_id": seeded.store_id, "trigger": "manual", "dry_run": False}
    assert page.problems == []
