"""The orders list filter bar in headless Chromium: selects keep their width, never stretch."""

from __future__ import annotations

import pytest

from tests.conftest import OWNER_PASSWORD
from tests.web.test_browser import page  # noqa: F401  (the Chromium tab fixture)

pytestmark = pytest.mark.browser


def test_filter_selects_do_not_stretch_to_full_width(page, live_server, tenant, seeded):  # noqa: F811
    from playwright.sync_api import expect

    page.goto(f"{live_server}/login?next=/orders")
    page.fill("#f-email", tenant.owner.email)
    page.fill("#f-password", OWNER_PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{live_server}/orders")
    form = page.locator("form.filters[role=search]").bounding_box()
    assert form is not None and form["width"] > 900  # the 1280 px viewport's content column
    boxes = [page.locator(f"form.filters[role=search] select[name={n}]").bounding_box() for n in
             ("state", "channel", "store")]  # fmt: skip
    for box in boxes:
        assert box is not None and 140 <= box["width"] <= 260, box
    # All three selects and the button sit on one row of the bar.
    assert len({round(box["y"]) for box in boxes if box}) == 1
    assert page.problems == []
