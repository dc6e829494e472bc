"""The console in headless Chromium against the real app served by uvicorn."""

from __future__ import annotations

import re

import pytest

from tests.conftest import OWNER_PASSWORD
from tests.web.conftest import ARTIFACTS, chromium_path

pytestmark = pytest.mark.browser

LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def page():  # type: ignore[no-untyped-def]
    executable = chromium_path()
    from playwright.sync_api import expect, sync_playwright

    # A loaded two-core CI machine can take longer than expect()'s 5 s to render a page.
    expect.set_options(timeout=30_000)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        tab = context.new_page()
        tab.set_default_timeout(30_000)
        problems: list[str] = []
        tab.on(
            "console",
            lambda msg: (
                problems.append(f"console {msg.type}: {msg.text}")
                if msg.type in ("error", "warning")
                else None
            ),
        )
        tab.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
        tab.on("dialog", lambda dialog: dialog.accept())
        tab.problems = problems  # type: ignore[attr-defined]
        yield tab
        context.close()
        browser.close()


def test_sign_in_overview_warehouse_api_key_and_sign_out(page, live_server, tenant, seeded):
    from playwright.sync_api import expect

    page.goto(f"{live_server}/settings/warehouses")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fsettings%2Fwarehouses$"))
    page.fill("#f-email", tenant.owner.email)
    page.fill("#f-password", OWNER_PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{live_server}/settings/warehouses")

    # Overview: KPI cards and the server-drawn charts.
    page.click("nav[aria-label=Modules] >> text=Overview")
    expect(page.locator(".kpi")).to_have_count(7)
    expect(page.locator('[data-kpi="jobs_dead"] .kpi-value')).to_have_text("1")
    expect(page.locator('svg.bar-chart[role="img"]')).to_have_count(2)
    assert page.evaluate("typeof window.htmx") == "object"  # the vendored file loaded
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "overview.png"), full_page=True)
    disabled = page.locator(".nav-disabled", has_text="Returns")
    expect(disabled).to_have_attribute("title", "Returns arrives with its module")

    # Settings → Warehouses → Add warehouse, through the form.
    page.click("nav[aria-label=Modules] >> text=Settings")
    page.click("nav.tabs >> text=Warehouses")
    page.click("text=Add warehouse")
    page.fill("#f-code", "ewr-2")
    page.fill("#f-name", "Newark Cross-dock")
    page.select_option("#f-kind", "3pl")
    page.fill("#f-line1", "400 Port St")
    page.fill("#f-city", "Newark")
    page.fill("#f-state", "NJ")
    page.fill("#f-postcode", "07114")
    page.fill("#f-country", "US")
    page.fill("#f-timezone", "America/New_York")
    page.fill("#f-cutoff_time", "16:30")
    page.click("button:has-text('Add warehouse')")
    expect(page.locator(".notice-success")).to_contain_text("Warehouse EWR-2 · Newark Cross-dock")
    expect(page.locator("table")).to_contain_text("Newark Cross-dock")

    # API keys: create one, see the secret once, revoke it with the HTMX button.
    page.click("nav.tabs >> text=API keys")
    page.click("text=Create API key")
    page.fill("#f-name", "Browser test key")
    page.check("input[value='orders:read']")
    page.click("button:has-text('Create key')")
    secret = page.input_value("#new-secret")
    assert secret.startswith("lsk_")
    page.click("text=Done, I have stored it")
    assert secret not in page.content()
    row = page.locator("tr", has_text="Browser test key")
    expect(row).to_contain_text("Active")
    page.evaluate("window.__stillHere = true")
    row.locator("button:has-text('Revoke')").click()
    expect(page.locator("tr", has_text="Browser test key")).to_contain_text("Revoked")
    assert page.evaluate("window.__stillHere === true")  # swapped in place, no reload

    # Sign out.
    page.click("button:has-text('Sign out')")
    expect(page).to_have_url(f"{live_server}/login")
    expect(page.locator(".notice-success")).to_contain_text("You have signed out.")
    page.goto(f"{live_server}/")
    expect(page).to_have_url(f"{live_server}/login")

    assert page.problems == []  # no CSP violations, no script errors


def test_narrow_window_and_retry_button(page, live_server, tenant, seeded):
    from playwright.sync_api import expect

    page.set_viewport_size({"width": 420, "height": 860})
    page.goto(f"{live_server}/login?next=/settings/jobs")
    page.fill("#f-email", tenant.owner.email)
    page.fill("#f-password", OWNER_PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{live_server}/settings/jobs")
    # Nothing overflows the window sideways except inside scrollable tables.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 420
    page.locator("button:has-text('Retry')").click()
    expect(page.locator("tr", has_text="alpha.sync")).to_contain_text("Queued again")
    dead = page.locator("#job-counts .status-dead .status-n")
    expect(dead).to_have_text("0")  # the counts refreshed after the swap (HX-Trigger)
    page.screenshot(path=str(ARTIFACTS / "failed-jobs-narrow.png"), full_page=True)
    assert page.problems == []


def test_orders_hold_release_and_rule_dry_run(page, live_server, tenant, seeded):
    from playwright.sync_api import expect

    page.goto(f"{live_server}/login")
    page.fill("#f-email", tenant.owner.email)
    page.fill("#f-password", OWNER_PASSWORD)
    page.click("button[type=submit]")
    page.click("nav[aria-label=Modules] >> text=Orders")
    expect(page).to_have_url(f"{live_server}/orders")
    page.fill("input[name=q]", "ORD-")
    page.click("button:has-text('Filter')")
    page.click(f"#order-{seeded.order_id} a.strong")
    expect(page.locator("ol.timeline")).to_contain_text("rule_applied")
    page.fill("input[name=reason]", "fraud_check")
    page.click("button:has-text('Hold')")
    expect(page.locator(".notice-success")).to_contain_text("Order held (fraud_check).")
    page.click("nav[aria-label='Order sections'] >> text=Holds")
    row = page.locator(f"#order-{seeded.order_id}")
    expect(row).to_contain_text("fraud_check")
    row.locator("input[name=note]").fill("buyer verified by phone")
    row.locator("button:has-text('Release')").click()
    expect(page.locator(".empty-state")).to_contain_text("Nothing on hold.")
    page.click("nav[aria-label='Order sections'] >> text=Rules")
    page.click("button:has-text('Dry run on the last 30 days')")
    expect(page.locator("h3")).to_contain_text("fires on")
    assert page.problems == []  # no CSP violations, no script errors
