"""The exception sweep against the database: opens once, resolves when the cause goes away,
suspends a disrupted carrier, and the lane statistics it leans on."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from linkstar.db.outbox import OutboxJob
from linkstar.db.uow import unit_of_work
from linkstar.tracking import statistics
from linkstar.tracking.ingest import ingest
from linkstar.tracking.models import (
    LaneTransitStat,
    Shipment,
    TrackingException,
    TrackingRuleSet,
    TrackingSuspension,
)
from linkstar.tracking.sweep import sweep
from tests.tracking.store import (
    ATTEMPT,
    DELIVERED,
    OUT,
    PICKED_UP,
    PROCESSED,
    T0,
    update,
    usps,
)


def _exceptions(sessions, org_id):
    with sessions() as s:
        rows = s.scalars(
            select(TrackingException).where(TrackingException.organisation_id == org_id)
        )
        return sorted((r.kind, r.state, r.resolved_by) for r in rows)


def _ingest(sessions, org_id, *updates):
    with unit_of_work(sessions) as s:
        return ingest(s, org_id, list(updates))


def test_sweep_opens_each_exception_once_and_resolves_it_when_the_parcel_moves(sessions, tenant):
    _ingest(
        sessions,
        tenant.org.id,
        update("STALL1", usps(PICKED_UP, 0), usps(PROCESSED, 2)),
        update("ATTEMPT1", usps(PICKED_UP, 0), usps(ATTEMPT, 80)),
        update("FINE1", usps(PICKED_UP, 70), usps(PROCESSED, 80)),
    )
    now = T0 + timedelta(hours=84)  # Thursday 21:00: STALL1 has had 82 business hours
    with unit_of_work(sessions) as s:
        first = sweep(s, tenant.org.id, now=now)
    assert first.as_dict() == {
        "shipments_checked": 3,
        "opened": {"failed_attempt": 1, "stalled": 1},
        "resolved": 0,
        "suspended": [],
    }
    with unit_of_work(sessions) as s:
        again = sweep(s, tenant.org.id, now=now + timedelta(minutes=5))
    assert again.opened == {} and again.resolved == 0  # idempotent
    assert _exceptions(sessions, tenant.org.id) == [
        ("failed_attempt", "open", None),
        ("stalled", "open", None),
    ]
    with sessions() as s:
        job = s.scalars(select(OutboxJob)).one()  # one alert job for the first sweep only
    assert (job.name, job.organisation_id) == ("tracking.notify_exceptions", tenant.org.id)
    # The stalled parcel is scanned again and delivered: the sweep closes its exception.
    _ingest(sessions, tenant.org.id, update("STALL1", usps(OUT, 85), usps(DELIVERED, 86)))
    with unit_of_work(sessions) as s:
        later = sweep(s, tenant.org.id, now=now + timedelta(hours=3))
    assert later.resolved == 1
    assert _exceptions(sessions, tenant.org.id) == [
        ("failed_attempt", "open", None),
        ("stalled", "resolved", "sweep"),
    ]


def test_weekend_hours_do_not_make_a_parcel_stalled(sessions, tenant):
    # Last scan Friday 18:00; Monday 09:00 is 63 calendar hours but 15 business hours later.
    friday = T0 + timedelta(days=4, hours=9)
    _ingest(sessions, tenant.org.id, update("WEEKEND1", usps(PICKED_UP, 4 * 24 + 9)))
    with unit_of_work(sessions) as s:
        report = sweep(s, tenant.org.id, now=friday + timedelta(hours=63))
    assert report.opened == {}


def test_rules_are_data_per_workspace(sessions, make_tenant):
    strict, relaxed = make_tenant("Strict Co"), make_tenant("Relaxed Co")
    for org in (strict, relaxed):
        _ingest(sessions, org.org.id, update("SLOW1", usps(PICKED_UP, 0)))
    with unit_of_work(sessions) as s:
        s.add(TrackingRuleSet(organisation_id=relaxed.org.id, rules={"enabled": ["lost"]}))
    now = T0 + timedelta(hours=60)
    with unit_of_work(sessions) as s:
        assert sweep(s, strict.org.id, now=now).opened == {"stalled": 1}
        assert sweep(s, relaxed.org.id, now=now).opened == {}


def test_a_burst_of_exceptions_suspends_the_carrier_once(sessions, tenant):
    numbers = [f"BURST{i:03d}" for i in range(12)]
    _ingest(sessions, tenant.org.id, *(update(n, usps(ATTEMPT, 1)) for n in numbers))
    now = T0 + timedelta(hours=2)
    with unit_of_work(sessions) as s:
        report = sweep(s, tenant.org.id, now=now)
    assert report.opened == {"failed_attempt": 12}
    assert report.suspended == ["usps/*"]  # no destination known: the carrier as a whole
    with unit_of_work(sessions) as s:
        assert sweep(s, tenant.org.id, now=now + timedelta(hours=1)).suspended == ["usps/*"]
    with sessions() as s:
        rows = list(s.scalars(select(TrackingSuspension)))
    assert len(rows) == 1  # extended, not duplicated
    assert rows[0].until == now + timedelta(hours=49)
    # 12 of 12 moving parcels against the 5 % prior: 0.6 expected
    assert rows[0].detail == {"recent": 12, "expected": 0.6, "shipments": 12, "p_value": 2.61e-12}


def test_long_lost_parcels_found_by_a_first_sweep_are_no_disruption(sessions, tenant):
    # A workspace's first sweep opens every old problem at once. Twelve parcels that stopped
    # scanning two months ago are lost, not a burst on their carrier today.
    old = [update(f"OLD{i:03d}", usps(PICKED_UP, 0), usps(PROCESSED, 5)) for i in range(12)]
    fresh = [update(f"NEW{i:03d}", usps(PICKED_UP, 24 * 58 + i)) for i in range(40)]
    _ingest(sessions, tenant.org.id, *old, *fresh)
    now = T0 + timedelta(days=60)
    with unit_of_work(sessions) as s:
        report = sweep(s, tenant.org.id, now=now)
    assert report.opened == {"lost": 12}
    assert report.suspended == []
    with sessions() as s:
        assert s.scalars(select(TrackingSuspension)).all() == []


def test_lane_statistics_from_delivered_shipments(sessions, tenant):
    updates = []
    for i in range(30):
        days = 2 + (i % 3)  # 2, 3 or 4 days in transit
        updates.append(update(f"LANE{i:03d}", usps(PICKED_UP, i), usps(DELIVERED, i + 24 * days)))
    _ingest(sessions, tenant.org.id, *updates)
    with unit_of_work(sessions) as s:
        for row in s.scalars(select(Shipment)):
            row.dest_country, row.dest_postcode, row.carrier_service = "US", "80202", "Ground"
            row.promised_by = row.first_scan_at + timedelta(days=3)
    with unit_of_work(sessions) as s:
        report = statistics.refresh(s, tenant.org.id, now=T0 + timedelta(days=10))
    assert (report.shipments, report.lanes, report.parents) == (30, 1, 1)
    with sessions() as s:
        rows = {r.level: r for r in s.scalars(select(LaneTransitStat))}
    lane, country = rows["lane"], rows["country"]
    assert (lane.carrier, lane.carrier_service, lane.dest_country, lane.postcode_prefix) == (
        "usps",
        "Ground",
        "US",
        "802",
    )
    assert (lane.shipments, lane.delivered) == (30, 30)
    assert (lane.p50_days, lane.p90_days, lane.p95_days) == (3.0, 4.0, 4.0)
    assert lane.on_time_rate == 0.6667 and lane.success_rate == 1.0
    assert (country.p50_days, country.confidence) == (3.0, 1.0)
    with unit_of_work(sessions) as s:  # a refresh replaces, never duplicates
        statistics.refresh(s, tenant.org.id, now=T0 + timedelta(days=10))
    with sessions() as s:
        assert len(list(s.scalars(select(LaneTransitStat)))) == 2
