"""Authorising an Amazon store in headless Chromium: Seller Central's consent page is stood in
for by a routed page whose Confirm link sends the browser back, as Amazon does, with a code and
the state."""

from __future__ import annotations

from html import escape
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from tests.conftest import OWNER_PASSWORD
from tests.orders.sync import test_consent as flow
from tests.web.test_browser import page  # noqa: F401  (the Chromium tab fixture)

pytestmark = pytest.mark.browser
lwa = flow.lwa
consent_env = flow.consent_env
box = flow.box


def test_authorise_an_amazon_store_round_trip(  # type: ignore[no-untyped-def]
    page,  # noqa: F811
    live_server,
    tenant,
    sessions,
    box,
    lwa,
    consent_env,
):
    from playwright.sync_api import Route, expect

    store_id = flow._store(sessions, tenant.org.id, box)
    seen: list[str] = []

    def seller_central(route: Route) -> None:
        seen.append(route.request.url)
        query = parse_qs(urlsplit(route.request.url).query)
        grant = {"spapi_oauth_code": "ANxyz", "state": query["state"][0]}
        back = query["redirect_uri"][0] + "?" + urlencode({**grant, "selling_partner_id": "A3"})
        page_html = (
            f'<title>Seller Central</title><a id="confirm" href="{escape(back)}">Confirm</a>'
        )
        route.fulfill(status=200, content_type="text/html", body=page_html)

    page.route("https://sellercentral.amazon.com/**", seller_central)
    page.goto(f"{live_server}/login?next=/settings/stores/{store_id}")
    page.fill("#f-email", tenant.owner.email)
    page.fill("#f-password", OWNER_PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("#authorise")).to_contain_text(f"{live_server}/settings/authorise/callback")
    page.click("a:has-text('Authorise on Amazon')")
    expect(page).to_have_title("Seller Central")  # the seller signs in and consents there
    page.click("#confirm")
    expect(page).to_have_url(f"{live_server}/settings/stores/{store_id}")
    expect(page.locator("#flash, .notice").first).to_contain_text(
        "Amazon authorised Amazon US; its credentials are stored"
    )
    expect(page.locator("code.hint").first).to_contain_text("refresh_token=")
    assert len(seen) == 1 and len(lwa.requests) == 1
    assert page.problems == []  # type: ignore[attr-defined]
