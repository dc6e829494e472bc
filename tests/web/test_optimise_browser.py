"""Routing → Capacities and Routing → Optimisation in headless Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import OWNER_PASSWORD
from tests.web.conftest import ARTIFACTS
from tests.web.test_browser import page  # noqa: F401  (the Chromium fixture)

pytestmark = pytest.mark.browser
WAVE = Path(__file__).parents[2] / "examples" / "routing" / "wave-orders.csv"


def test_capacities_upload_and_the_last_optimisation(page, live_server, tenant, seeded):  # noqa: F811
    from playwright.sync_api import expect

    page.goto(f"{live_server}/login")
    page.fill("#f-email", tenant.owner.email)
    page.fill("#f-password", OWNER_PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server}/routing/capacities")
    page.fill("#f-carrier", "westcoast")
    page.fill("#f-day", "fri")
    page.fill("#f-max_parcels", "12")
    page.click("button:has-text('Add')")
    expect(page.locator(".notice-success")).to_contain_text("Added a capacity for westcoast.")
    csv_text = "warehouse,service_id,carrier,day,max_parcels\nLAX,WCP-GND,,,4\n,WCP-GND,,,4\n"
    page.set_input_files(
        "#f-file", {"name": "caps.csv", "mimeType": "text/csv", "buffer": csv_text.encode()}
    )
    page.click("button:has-text('Upload')")
    expect(page.locator("#row-errors + .table-wrap")).to_contain_text(
        "a service capacity needs a warehouse"
    )
    expect(page.locator("table").first).not_to_contain_text("WCP-GND")  # nothing stored
    page.click("nav[aria-label='Routing sections'] >> text=Optimisation")
    expect(page.locator("svg.bar-chart")).to_be_visible()
    expect(page.locator(".notice-error")).to_contain_text("1 of 2 priority orders cannot fit")
    page.screenshot(path=str(ARTIFACTS / "routing-optimisation.png"), full_page=True)
    page.fill("#f-warehouse", "LAX")
    page.fill("#f-ship_date", "2026-12-07")
    page.set_input_files("#f-file", str(WAVE))
    page.click("button:has-text('Optimise')")
    expect(page.locator(".notice-success")).to_contain_text("Wave LAX 2026-12-07: done.")
    expect(page.locator("#last-run")).to_contain_text("LAX · 2026-12-07")
    # The upload with a bad row answers 422 on purpose (the form with the row errors).
    assert [p for p in page.problems if "status of 422" not in p] == []
