"""The address hold queue in headless Chromium: approve a held address with the HTMX button."""

from __future__ import annotations

import pytest

from tests.conftest import OWNER_PASSWORD
from tests.web.test_browser import page  # noqa: F401  (the Chromium tab fixture)

pytestmark = pytest.mark.browser


def test_approve_a_held_address(page, live_server, tenant, seeded):  # noqa: F811
    from playwright.sync_api import expect

    page.goto(f"{live_server}/login?next=/addresses/holds")
    page.fill("#f-email", tenant.owner.email)
    page.fill("#f-password", OWNER_PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{live_server}/addresses/holds")
    row = page.locator("tr", has_text="Alpha Buyer")
    expect(row).to_contain_text("zip_city_mismatch")
    expect(row).to_contain_text("AUSTIN")
    page.evaluate("window.__stillHere = true")
    row.locator("button:has-text('Approve')").click()
    expect(page.locator("tr", has_text="Alpha Buyer")).to_contain_text("Approved")
    assert page.evaluate("window.__stillHere === true")  # swapped in place, no reload
    page.click("text=Alpha Buyer")
    expect(page.locator(".details")).to_contain_text("Approved by")
    assert page.problems == []
