"""Console times carry their zone: `when` labels a clock time with the workspace zone's
abbreviation, and the tracking pages show no unlabelled time."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from sqlalchemy import select

from linkstar.db.uow import unit_of_work
from linkstar.orders.models import Order
from linkstar.web.templating import time_helpers
from linkstar.workspace.models import Organisation

# a clock time (with its seconds if shown: never cut short of them) not followed by a zone
TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d(?::\d\d)?(?![\d:])(?! [A-Z]{3,4}\b)")


def test_when_labels_a_clock_time_with_the_zone_abbreviation():
    when = time_helpers("Europe/Berlin")["when"]
    assert when(datetime(2026, 12, 6, 13, 5, tzinfo=UTC)) == "2026-12-06 14:05 CET"
    assert when(datetime(2026, 7, 6, 13, 5)) == "2026-07-06 15:05 CEST"  # naive: UTC (SQLite)
    assert when(datetime(2026, 12, 6, 13, 5, 9, tzinfo=UTC), "%H:%M:%S") == "14:05:09 CET"
    assert when(datetime(2026, 12, 6, 23, 5, tzinfo=UTC), "%Y-%m-%d") == "2026-12-07"
    assert when(None) == "" and when("") == ""
    assert when("2026-12-06T13:05:00+00:00") == "2026-12-06 14:05 CET"  # as JSON keeps it
    assert time_helpers("Not/AZone")["when"](datetime(2026, 12, 6, tzinfo=UTC)) == (
        "2026-12-06 00:00 UTC"
    )


def test_tracking_pages_show_times_in_the_workspace_zone_labelled(owner, seeded, sessions, tenant):
    with unit_of_work(sessions) as s:
        s.get_one(Organisation, tenant.org.id).timezone = "Asia/Tokyo"
    detail = owner.get(f"/tracking/shipments/{seeded.shipment_id}").text
    # the failed attempt scanned at 2026-11-03 15:00 UTC, the pick-up 2026-11-02 09:00 UTC
    assert ">2026-11-04 00:00 JST</time>" in detail and ">2026-11-02 18:00 JST</time>" in detail
    queue = owner.get("/tracking/exceptions").text
    assert 'title="2026-11-04 01:00 JST"' in queue
    for html in (detail, queue):
        assert TIME.findall(html) == []  # no time without its zone


def test_orders_pages_show_times_in_the_workspace_zone_labelled(owner, seeded, sessions, tenant):
    with unit_of_work(sessions) as s:
        s.get_one(Organisation, tenant.org.id).timezone = "Asia/Tokyo"
        placed = s.scalars(select(Order.placed_at).where(Order.id == seeded.order_id)).one()
    placed_text = time_helpers("Asia/Tokyo")["when"](placed)
    assert (
        owner.post(f"/orders/{seeded.order_id}/hold", {"reason": "fraud_check"}).status_code == 303
    )
    detail = owner.get(f"/orders/{seeded.order_id}").text
    assert re.search(r"since \d{4}-\d\d-\d\d \d\d:\d\d JST</span>", detail)
    rule = {
        "name": "US tag",
        "when": {"field": "ship_to.country", "op": "eq", "value": "US"},
        "then": [{"type": "tag", "tag": "domestic"}],
    }
    dry = owner.post("/orders/rules/dry-run", {"rule": json.dumps(rule)}).text
    assert f"<td>{placed_text}</td>" in dry and placed_text.endswith(" JST")
    for html in (detail, dry):
        assert TIME.findall(html) == []  # no time without its zone
