"""Console times carry their zone: `when` labels a clock time with the workspace zone's
abbreviation, and the tracking pages show no unlabelled time."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from linkstar.db.uow import unit_of_work
from linkstar.web.templating import time_helpers
from linkstar.workspace.models import Organisation

TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d(?::\d\d)?(?! [A-Z]{3,4}\b)")


def test_when_labels_a_clock_time_with_the_zone_abbreviation():
    when = time_helpers("Europe/Berlin")["when"]
    assert when(datetime(2026, 12, 6, 13, 5, tzinfo=UTC)) == "2026-12-06 14:05 CET"
    assert when(datetime(2026, 7, 6, 13, 5)) == "2026-07-06 15:05 CEST"  # naive: UTC (SQLite)
    assert when(datetime(2026, 12, 6, 13, 5, 9, tzinfo=UTC), "%H:%M:%S") == "14:05:09 CET"
    assert when(datetime(2026, 12, 6, 23, 5, tzinfo=UTC), "%Y-%m-%d") == "2026-12-07"
    assert when(None) == ""
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
