"""Inbox reports in headless Chromium: open the Reports tab, pick a range, see the charts."""

from __future__ import annotations

import pytest

from tests.conftest import OWNER_PASSWORD
from tests.inbox.report_seed import seed_report_inbox
from tests.web.test_browser import page  # noqa: F401  (the Chromium tab fixture)

pytestmark = pytest.mark.browser


def test_open_reports_and_see_the_charts(page, live_server, tenant, seeded, sessions):  # noqa: F811
    from playwright.sync_api import expect

    seed_report_inbox(sessions, tenant.org.id)
    page.goto(f"{live_server}/login?next=/inbox/threads")
    page.fill("#f-email", tenant.owner.email)
    page.fill("#f-password", OWNER_PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{live_server}/inbox/threads")
    page.click("nav.tabs >> text=Reports")
    expect(page.locator("h1")).to_have_text("Reports")
    page.fill("input[name=start]", "2026-11-30")
    page.fill("input[name=end]", "2026-12-03")
    page.click("button:has-text('Show')")
    expect(page.locator("[data-kpi=threads] .kpi-value")).to_have_text("5")
    expect(page.locator("[data-kpi=leads] .kpi-value")).to_have_text("50.0 %")
    expect(page.locator("svg.bar-chart")).to_have_count(3)
    expect(page.locator("figure.chart .legend").nth(1)).to_contain_text("amazon")
    assert page.locator("svg.bar-chart rect.series-email").count() >= 1
    assert page.problems == []
