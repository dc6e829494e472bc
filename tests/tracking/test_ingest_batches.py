"""Batch after batch, in any order and with any repeats, a shipment's stored status is what
its distinct events say (the stored-repeat check and the continue-from-stored path included)."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from linkstar.db.uow import unit_of_work
from linkstar.tracking.core.summary import summarise
from linkstar.tracking.ingest import ingest
from linkstar.tracking.models import Shipment, TrackingEventRow
from tests.tracking.store import (
    ATTEMPT,
    DELIVERED,
    LABEL,
    OUT,
    PICKED_UP,
    PROCESSED,
    RETURNING,
    UNKNOWN,
    update,
    usps,
)

# A pool of events with ties (same hour) and a second location for one scan.
POOL = [
    usps(LABEL, 0),
    usps(PICKED_UP, 5),
    usps(PROCESSED, 20),
    usps(PROCESSED, 20, city="CHICAGO"),
    usps(OUT, 40),
    usps(ATTEMPT, 41),
    usps(UNKNOWN, 41),
    usps(DELIVERED, 60),
    usps(RETURNING, 70),
]
_numbers = itertools.count(1)


def _stored(sessions, org_id, number):
    with sessions() as s:
        row = s.scalars(
            select(Shipment).where(
                Shipment.organisation_id == org_id, Shipment.tracking_number == number
            )
        ).one()
        count = s.scalar(
            select(func.count())
            .select_from(TrackingEventRow)
            .where(TrackingEventRow.shipment_id == row.id)
        )
        return row, count


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.lists(st.lists(st.sampled_from(range(len(POOL))), max_size=6), min_size=1, max_size=3))
def test_any_batches_leave_the_status_of_all_distinct_events(sessions, tenant, batches):
    number = f"9400111899223{next(_numbers):09d}"
    seen: set[int] = set()
    for picks in batches:
        with unit_of_work(sessions) as s:
            report = ingest(s, tenant.org.id, [update(number, *(POOL[i] for i in picks))])
        fresh = set(picks) - seen
        assert (report.events_received, report.events_inserted) == (len(picks), len(fresh))
        assert report.duplicates == len(picks) - len(fresh)
        seen |= fresh
        row, count = _stored(sessions, tenant.org.id, number)
        expected = summarise([POOL[i] for i in seen])
        assert count == len(seen) == row.event_count == expected.event_count
        assert (row.status, row.sub_status) == (expected.status.value, expected.sub_status)
        assert row.status_since == expected.status_since
        assert row.last_event_at == expected.last_event_at
        assert row.first_scan_at == expected.first_scan_at
        assert row.delivered_at == expected.delivered_at
        assert row.unmapped_count == expected.unmapped_count


def test_a_resent_history_with_later_scans_continues_and_repeats_change_nothing(sessions, tenant):
    number = "9400111899223100000777"
    first = [usps(LABEL, 0), usps(PICKED_UP, 5), usps(PROCESSED, 20)]
    with unit_of_work(sessions) as s:
        ingest(s, tenant.org.id, [update(number, *first)])
    before, _ = _stored(sessions, tenant.org.id, number)
    with unit_of_work(sessions) as s:
        report = ingest(s, tenant.org.id, [update(number, *first)])
    assert (report.events_inserted, report.duplicates, report.shipments_created) == (0, 3, 0)
    unchanged, _ = _stored(sessions, tenant.org.id, number)
    assert unchanged.updated_at == before.updated_at  # nothing new: the row is not rewritten
    with unit_of_work(sessions) as s:
        report = ingest(
            s, tenant.org.id, [update(number, *first, usps(OUT, 40), usps(DELIVERED, 45))]
        )
    assert (report.events_received, report.events_inserted, report.duplicates) == (5, 2, 3)
    row, count = _stored(sessions, tenant.org.id, number)
    assert (row.status, row.event_count, count) == ("delivered", 5, 5)
    assert row.first_scan_at == first[1].event_time
    assert row.delivered_at == row.status_since == usps(DELIVERED, 45).event_time


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    st.lists(
        st.lists(st.lists(st.sampled_from(range(len(POOL))), max_size=5), min_size=3, max_size=3),
        min_size=2,
        max_size=3,
    )
)
def test_several_known_shipments_in_one_batch_keep_their_own_events(sessions, tenant, batches):
    # Every shipment of a batch is looked up, and its stored fingerprints read, together with
    # the others: each must get its own stored state and its own repeats (the same event is
    # new for one shipment and a repeat for another).
    base = next(_numbers)
    numbers = [f"9400111899224{base:06d}{k:03d}" for k in range(3)]
    seen: list[set[int]] = [set() for _ in numbers]
    for picks in batches:
        updates = [
            update(number, *(POOL[i] for i in chosen))
            for number, chosen in zip(numbers, picks, strict=True)
            if chosen
        ]
        if not updates:
            continue
        with unit_of_work(sessions) as s:
            report = ingest(s, tenant.org.id, updates)
        fresh = [set(chosen) - had for chosen, had in zip(picks, seen, strict=True)]
        assert report.events_inserted == sum(len(f) for f in fresh)
        for had, new in zip(seen, fresh, strict=True):
            had |= new
        for number, had in zip(numbers, seen, strict=True):
            if not had:
                continue
            row, count = _stored(sessions, tenant.org.id, number)
            expected = summarise([POOL[i] for i in had])
            assert count == len(had) == row.event_count
            assert (row.status, row.sub_status) == (expected.status.value, expected.sub_status)
            assert (row.status_since, row.last_event_at) == (
                expected.status_since,
                expected.last_event_at,
            )
            assert (row.first_scan_at, row.delivered_at) == (
                expected.first_scan_at,
                expected.delivered_at,
            )
            assert row.unmapped_count == expected.unmapped_count
