"""The tracking scorecard chart in headless Chromium: coloured bars, labels at their own size."""

from __future__ import annotations

import pytest

from tests.conftest import OWNER_PASSWORD
from tests.web.conftest import ARTIFACTS, chromium_path
from tests.web.test_browser import LAUNCH_ARGS

pytestmark = pytest.mark.browser

BLACK = "rgb(0, 0, 0)"


def _scorecards(playwright, live_server: str, tenant):  # type: ignore[no-untyped-def]
    """A wide browser signed in as the tenant's owner, on Tracking → Carriers & lanes."""
    browser = playwright.chromium.launch(executable_path=chromium_path(), args=LAUNCH_ARGS)
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)
    page.goto(f"{live_server}/login?next=/tracking/scorecards")
    page.fill("#f-email", tenant.owner.email)
    page.fill("#f-password", OWNER_PASSWORD)
    page.click("button[type=submit]")
    return browser, context, page


def test_lane_chart_bars_are_coloured_and_labels_sized(live_server, tenant, seeded):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser, context, page = _scorecards(playwright, live_server, tenant)
        page.wait_for_selector("svg.lane-chart")
        fills = page.evaluate(
            "[...document.querySelectorAll('svg.lane-chart rect')]"
            ".map(r => getComputedStyle(r).fill)"
        )
        swatches = page.evaluate(
            "[...document.querySelectorAll('.legend .swatch')]"
            ".map(s => getComputedStyle(s).backgroundColor)"
        )
        label_heights = page.evaluate(
            "[...document.querySelectorAll('svg.lane-chart text')]"
            ".map(t => t.getBoundingClientRect().height)"
        )
        chart_width = page.evaluate(
            "document.querySelector('svg.lane-chart').getBoundingClientRect().width"
        )
        ARTIFACTS.mkdir(exist_ok=True)
        page.locator("figure.chart").screenshot(path=str(ARTIFACTS / "tracking-scorecard.png"))
        context.close()
        browser.close()
    # p90 (light) and p50 (accent) bars of the one seeded lane, never the SVG default black
    assert fills == ["rgb(169, 189, 240)", "rgb(36, 81, 196)"]
    assert swatches == ["rgb(36, 81, 196)", "rgb(169, 189, 240)"]
    # Drawn at its own 720 units on a wide screen: 12px text stays about 12-16px tall, where the
    # stretched chart of before drew it about twice as large.
    assert chart_width == 720
    assert label_heights and all(8 <= h <= 18 for h in label_heights), label_heights


def test_estimate_check_form_shows_the_scores(live_server, tenant, sessions):
    from playwright.sync_api import sync_playwright

    from tests.tracking.test_estimate_check import seed

    seed(sessions, tenant)
    with sync_playwright() as playwright:
        browser, context, page = _scorecards(playwright, live_server, tenant)
        page.fill("input[name=split]", "2026-10-01")
        page.click("#estimate-check button[type=submit]")
        page.wait_for_selector("#estimate-check-table")
        rows = page.evaluate(
            "[...document.querySelectorAll('#estimate-check-table tbody tr')]"
            ".map(r => [...r.cells].map(c => c.textContent.trim()))"
        )
        url = page.url
        ARTIFACTS.mkdir(exist_ok=True)
        page.locator("#estimate-check").screenshot(path=str(ARTIFACTS / "estimate-check.png"))
        context.close()
        browser.close()
    assert "split=2026-10-01" in url
    assert rows[0] == ["All carriers", "6", "5", "60.0 %", "60.0 %", "5.77", "1.65", "3.50"]
    assert rows[1][:3] == ["ups", "1", "0"] and rows[2][:3] == ["usps", "5", "5"]


def test_correct_carrier_form_in_the_browser(live_server, tenant, seeded, sessions):
    from playwright.sync_api import sync_playwright
    from sqlalchemy import select

    from linkstar.tracking.models import Shipment

    with sync_playwright() as playwright:
        browser, context, page = _scorecards(playwright, live_server, tenant)
        page.wait_for_selector("svg.lane-chart")
        page.goto(f"{live_server}/tracking/shipments/{seeded.shipment_id}")
        page.select_option("#f-carrier", "fedex")
        page.fill("#f-service", "Ground")
        page.click("#correct-carrier button[type=submit]")
        page.wait_for_selector(".notice")
        notice = page.locator(".notice").first.text_content() or ""
        lede = page.locator(".lede").first.text_content() or ""
        context.close()
        browser.close()
    assert "Carrier usps → fedex: 2 event(s) re-mapped" in notice
    assert lede.startswith("fedex · Ground")
    with sessions() as s:
        assert (
            s.scalar(select(Shipment.carrier).where(Shipment.id == seeded.shipment_id)) == "fedex"
        )


def test_select_all_resolves_every_exception_of_the_page(live_server, tenant, seeded, sessions):
    from playwright.sync_api import sync_playwright
    from sqlalchemy import select

    from linkstar.db.uow import unit_of_work
    from linkstar.tracking.models import TrackingException

    with unit_of_work(sessions) as s:
        first = s.scalars(select(TrackingException)).one()
        s.add(
            TrackingException(
                organisation_id=tenant.org.id, shipment_id=first.shipment_id, kind="stalled",
                state="open", opened_at=first.opened_at, detail={}, carrier=first.carrier,
            )
        )  # fmt: skip
    with sync_playwright() as playwright:
        browser, context, page = _scorecards(playwright, live_server, tenant)
        page.wait_for_selector("svg.lane-chart")
        page.goto(f"{live_server}/tracking/exceptions")
        page.check("input[data-select-all=ids]")
        ticked = page.evaluate(
            "[...document.querySelectorAll('input[name=ids]')].map(b => b.checked)"
        )
        page.uncheck("input[name=ids] >> nth=0")
        partly = page.evaluate("document.querySelector('input[data-select-all]').indeterminate")
        page.check("input[name=ids] >> nth=0")
        page.click("button[value=resolve]")
        page.wait_for_selector(".notice")
        notice = page.locator(".notice").first.text_content() or ""
        context.close()
        browser.close()
    assert ticked == [True, True] and partly is True
    assert "2 exception(s) resolved." in notice
    with sessions() as s:
        assert set(s.scalars(select(TrackingException.state))) == {"resolved"}
