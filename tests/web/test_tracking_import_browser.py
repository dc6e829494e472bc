"""Tracking → Import events in headless Chromium: upload a small file, see the counts and the
row left out."""

from __future__ import annotations

import pytest

from tests.conftest import OWNER_PASSWORD
from tests.web.conftest import ARTIFACTS
from tests.web.test_browser import page  # noqa: F401  (the Chromium fixture)

pytestmark = pytest.mark.browser

EVENTS = (
    "tracking_number,carrier,event_time,raw_code,raw_description,city,state,postcode,country\n"
    "9400111201080805483016,usps,2025-03-03T17:05:00-05:00,03,USPS in possession of item,"
    "SECAUCUS,NJ,07094,US\n"
    "9400111201080805483016,usps,2025-03-05 13:45,01,Delivered,LOUISVILLE,KY,40213,US\n"
    "794843185271,fedex,2025-03-05T11:27:00-06:00,DL/DL,Delivered,AUSTIN,TX,78701,US\n"
)


def test_import_events_file_shows_counts_and_row_errors(page, live_server, tenant, seeded):  # noqa: F811
    from playwright.sync_api import expect

    page.goto(f"{live_server}/login?next=/tracking/shipments")
    page.fill("#f-email", tenant.owner.email)
    page.fill("#f-password", OWNER_PASSWORD)
    page.click("button[type=submit]")
    page.click("nav[aria-label='Tracking sections'] >> text=Import events")
    expect(page.locator("h1")).to_have_text("Import events")
    expect(page.locator("a[href='/tracking/import/example.csv']")).to_be_visible()
    page.set_input_files(
        "#f-file", {"name": "scans.csv", "mimeType": "text/csv", "buffer": EVENTS.encode()}
    )
    page.click("button:has-text('Import')")
    expect(page.locator("#import-result")).to_have_text("scans.csv")
    expect(page.locator("#r-rows")).to_have_text("3")
    expect(page.locator("#r-stored")).to_have_text("2")
    expect(page.locator("#r-shipments")).to_have_text("2 touched, 2 new")
    expect(page.locator("#r-errors")).to_have_text("1")
    errors = page.locator("#row-errors + .table-wrap")
    expect(errors).to_contain_text("event_time")
    expect(errors).to_contain_text("'2025-03-05 13:45' has no UTC offset")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "tracking-import.png"), full_page=True)
    page.goto(f"{live_server}/tracking/shipments?q=794843185271")
    expect(page.locator("table")).to_contain_text("794843185271")
    assert page.problems == []
