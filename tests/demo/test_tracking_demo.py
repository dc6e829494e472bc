"""The demo workspace's tracking history: realistic, deterministic, fast, every case present."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from linkstar.db.uow import unit_of_work
from linkstar.demo.tracking import DISRUPTED, load_tracking
from linkstar.tracking.models import (
    LaneTransitStat,
    Shipment,
    TrackingEventRow,
    TrackingException,
    TrackingSuspension,
)

NOW = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)


def _load(sessions, tenant):
    with unit_of_work(sessions) as s:
        return load_tracking(s, tenant.org.id, {"US-CA-ONT": "w1", "US-NJ-EDI": "w2"}, now=NOW)


def test_demo_history_has_every_case_and_loads_fast(sessions, tenant):
    start = time.process_time()  # CPU: the suite shares the machine
    summary = _load(sessions, tenant)
    assert time.process_time() - start < 30  # budget 10 s on a quiet machine
    assert summary.shipments > 2_000 and summary.events > 15_000 and summary.lanes > 20
    with sessions() as s:
        statuses = Counter(s.scalars(select(Shipment.status)))
        kinds = Counter(s.scalars(select(TrackingException.kind)))
        subs = Counter(s.scalars(select(TrackingEventRow.sub_status)))
        unmapped = s.scalar(select(func.count()).where(TrackingEventRow.status == "unmapped"))
        suspended = sorted(
            (r.carrier, r.dest_country) for r in s.scalars(select(TrackingSuspension))
        )
        lanes = s.scalar(select(func.count()).select_from(LaneTransitStat))
    assert statuses["delivered"] > 1_500
    # returns travel back for days and then reach the warehouse: both states are present
    assert statuses["returned"] > 20 and statuses["returning_to_sender"] >= 1
    assert statuses["in_transit"] > 50
    assert subs["customs_hold"] > 5 and subs["recipient_unavailable"] > 50
    assert unmapped == 0  # every demo event goes through a real mapping rule
    assert {"stalled", "failed_attempt", "customs_hold", "return_to_sender", "lost"} <= set(kinds)
    # Only the disrupted carrier is suspended for routing (as a whole and on its one country):
    # the others' long-lost parcels, opened all at once by this first sweep, are no burst.
    assert suspended == [(DISRUPTED, ""), (DISRUPTED, "US")]
    assert lanes > summary.lanes  # lane rows plus the carrier-country rows they shrink toward


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 11, 30, 11, 40, tzinfo=UTC),  # a Monday after Thanksgiving: fewest hours
        datetime(2026, 12, 6, 11, 40, tzinfo=UTC),  # a Sunday
    ],
    ids=["monday-after-thanksgiving", "sunday"],
)
def test_the_disrupted_carrier_is_suspended_whatever_the_day_of_loading(sessions, tenant, now):
    """The stall floor counts business hours (weekends, the destination's holidays), so a
    disruption too small would trip the burst rule on some days of loading only."""
    with unit_of_work(sessions) as s:
        load_tracking(s, tenant.org.id, {"US-CA-ONT": "w1", "US-NJ-EDI": "w2"}, now=now)
    with sessions() as s:
        suspended = sorted(
            (r.carrier, r.dest_country) for r in s.scalars(select(TrackingSuspension))
        )
        returned = s.scalar(select(func.count()).where(Shipment.status == "returned"))
    assert suspended == [(DISRUPTED, ""), (DISRUPTED, "US")]
    assert returned > 20  # returns reach the sender, so success rates are not all 100 %


def test_demo_history_is_deterministic(sessions, make_tenant):
    a, b = make_tenant("Demo A"), make_tenant("Demo B")
    first, second = _load(sessions, a), _load(sessions, b)
    assert first == second
    with sessions() as s:
        rows = {
            org: sorted(
                s.execute(
                    select(Shipment.tracking_number, Shipment.status, Shipment.last_event_at).where(
                        Shipment.organisation_id == org
                    )
                )
            )
            for org in (a.org.id, b.org.id)
        }
    assert rows[a.org.id] == rows[b.org.id]
