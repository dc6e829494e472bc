"""Orders console buttons in headless Chromium: Allocate on an order, bulk Route from the list."""

from __future__ import annotations

import pytest

from tests.conftest import OWNER_PASSWORD
from tests.orders import pipeline_seed as seed
from tests.web.test_browser import page  # noqa: F401  (the Chromium tab fixture)
from tests.web.test_order_steps import mugs, ready  # noqa: F401  (the stocked workspace)

pytestmark = pytest.mark.browser


def test_allocate_then_bulk_route(page, live_server, tenant, sessions, ready):  # noqa: F811
    from playwright.sync_api import expect

    first, second = seed.import_orders(sessions, ready, mugs("W-1", 1), mugs("W-2", 1))
    page.goto(f"{live_server}/login?next=/orders/{first}")
    page.fill("#f-email", tenant.owner.email)
    page.fill("#f-password", OWNER_PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{live_server}/orders/{first}")
    page.click("button:has-text('Allocate')")
    expect(page.locator(".notice")).to_have_text("Allocate: 1 allocated.")
    expect(page.locator(".lede .badge")).to_have_text("allocated")

    page.goto(f"{live_server}/orders")
    page.check(f"input[name=order_id][value='{second}']")
    page.select_option("select[name=action]", "allocate")
    page.click("#bulk-form button[type=submit]")
    expect(page.locator(".notice")).to_have_text("Allocate: 1 allocated.")
    page.check(f"input[name=order_id][value='{first}']")
    page.check(f"input[name=order_id][value='{second}']")
    page.select_option("select[name=action]", "route")
    page.click("#bulk-form button[type=submit]")
    expect(page.locator(".notice")).to_have_text("Route: 2 routed.")
    expect(page.locator(f"#order-{first} .badge", has_text="routed")).to_be_visible()
    assert [seed.order(sessions, i).state for i in (first, second)] == ["routed", "routed"]
    assert page.problems == []
