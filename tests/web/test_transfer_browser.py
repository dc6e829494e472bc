"""Inventory → Transfers in headless Chromium: open the seeded draft, dispatch, receive."""

from __future__ import annotations

import pytest

from tests.conftest import OWNER_PASSWORD
from tests.web.conftest import ARTIFACTS
from tests.web.test_browser import page  # noqa: F401  (the Chromium fixture)

pytestmark = pytest.mark.browser


def test_dispatch_and_receive_a_transfer(page, live_server, tenant, seeded):  # noqa: F811
    from playwright.sync_api import expect

    page.goto(f"{live_server}/login")
    page.fill("#f-email", tenant.owner.email)
    page.fill("#f-password", OWNER_PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server}/inventory")
    page.click("nav[aria-label='Inventory sections'] >> text=Transfers")
    expect(page.locator("#transfers-table")).to_contain_text("draft")
    page.click("#transfers-table a")
    expect(page.locator("#transfer-status")).to_have_text("draft")
    page.click("button:has-text('Dispatch')")
    expect(page.locator(".notice-success")).to_contain_text("Dispatched")
    expect(page.locator("#transfer-status")).to_have_text("in transit")
    quantity = page.locator("#transfer-lines input[type=number]")
    quantity.fill("3")
    page.click("button:has-text('Receive')")
    expect(page.locator(".notice-success")).to_contain_text("Received 3 unit(s).")
    cells = page.locator("#transfer-lines tbody tr td")
    expect(cells.nth(2)).to_have_text("3")  # received
    expect(cells.nth(3)).to_have_text("1")  # still on the way
    page.locator("#transfer-lines input[type=number]").fill("1")
    page.click("button:has-text('Receive')")
    expect(page.locator("#transfer-status")).to_have_text("received")
    page.screenshot(path=str(ARTIFACTS / "inventory-transfer.png"), full_page=True)
