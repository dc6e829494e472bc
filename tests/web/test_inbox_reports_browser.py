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


# Enough intents to fill the chart: 8 bars and "other intents", long names side by side.
CROWD = ("cancel_order", "change_order", "shipping_question", "invoice_request",
         "payment_question", "product_question")  # fmt: skip

# For each x-axis label of the intent chart: its text, tooltip, anchor, angle, rendered height
# and whether its box stays inside the SVG.
LABELS_JS = """() => {
  const svg = [...document.querySelectorAll('figure.chart')]
    .find(f => f.querySelector('h2').textContent === 'Threads by intent').querySelector('svg');
  const box = svg.getBoundingClientRect();
  return [...svg.querySelectorAll('text.x-label')].map(t => {
    const r = t.getBoundingClientRect();
    const m = /rotate\\((-?\\d+)/.exec(t.getAttribute('transform') || '');
    const title = t.querySelector('title');
    return {text: t.lastChild.textContent, title: title ? title.textContent : '',
            x: t.x.baseVal[0].value, angle: m ? Number(m[1]) : 0, height: t.getBBox().height,
            inside: r.left >= box.left - 1 && r.right <= box.right + 1
              && r.bottom <= box.bottom + 1};
  });
}"""


def test_intent_axis_labels_do_not_overlap(page, live_server, tenant, seeded, sessions):  # noqa: F811
    import itertools
    import math
    from datetime import timedelta

    from playwright.sync_api import expect

    from linkstar.db.uow import unit_of_work
    from linkstar.inbox.models import InboxThread
    from tests.inbox.report_seed import T0

    seed_report_inbox(sessions, tenant.org.id)
    with unit_of_work(sessions) as s:
        for n, intent in enumerate(CROWD):
            at = T0 + timedelta(hours=n)
            s.add(InboxThread(organisation_id=tenant.org.id, channel="email",
                              buyer_address=f"crowd{n}@buyers.example", subject=intent,
                              intent=intent, status="open", tags=[], order_refs=[], created_at=at,
                              last_activity_at=at, first_response_due_at=at + timedelta(days=1),
                              message_count=1))  # fmt: skip
    page.goto(f"{live_server}/login?next=/inbox/reports?start=2026-11-30%26end=2026-12-06")
    page.fill("#f-email", tenant.owner.email)
    page.fill("#f-password", OWNER_PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Reports")
    labels = page.evaluate(LABELS_JS)
    assert len(labels) == 9  # the 8 largest intents and "other intents"
    assert {label["angle"] for label in labels} == {-45}
    assert all(label["inside"] for label in labels), labels  # nothing cut off
    shown = {label["title"] or label["text"]: label["text"] for label in labels}
    assert shown["where_is_my_order"] == "where_is_my_o…"
    assert shown["bulk_or_oem_inquiry"] == "bulk_or_oem_i…"
    assert shown["other intents"] == "other intents"  # short enough: no tooltip needed
    # Parallel slanted lines: neighbours are apart by dx·sin(45°), more than a line of text.
    xs = sorted(label["x"] for label in labels)
    gap = min(b - a for a, b in itertools.pairwise(xs)) * math.sin(math.radians(45))
    assert gap > max(label["height"] for label in labels)
    assert page.problems == []
