"""The columnar path: `fold_columns` answers exactly as `fold`, and a batch handed as columns
(built here event by event, in shuffled order) stores exactly the rows the object path stores."""

from __future__ import annotations

import itertools
import random
from dataclasses import replace
from datetime import UTC, datetime

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from linkstar.db.uow import unit_of_work
from linkstar.tracking.core.columns import TrackingColumns, from_updates, micros_of
from linkstar.tracking.core.derive import deduplicate
from linkstar.tracking.core.detect import best_carrier
from linkstar.tracking.core.fold import event_row, fold, fold_onto
from linkstar.tracking.core.fold_columns import RANK, fold_groups, pending, timeline_order
from linkstar.tracking.core.summary import summarise
from linkstar.tracking.core.updates import TrackingUpdate
from linkstar.tracking.ingest import ingest, ingest_columns
from linkstar.tracking.models import Shipment, TrackingEventRow
from tests.tracking.store import UNKNOWN, usps
from tests.tracking.test_fold import events as any_event
from tests.tracking.test_ingest_batches import POOL as BATCH_POOL

# The last event is past the horizon (`core.horizon`): refused, and an update holding only
# such events stores no shipment on either path.
POOL = [*BATCH_POOL, usps(UNKNOWN, 80), usps(UNKNOWN, 24 * 365 * 200)]
_tenants = itertools.count()
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)  # one receipt time: refusals name it
# Numbers: detectable USPS ones, and one nobody can recognise (its carrier comes from the
# update, else from its events, else it is rejected).
NUMBERS = ["9400111899223100000011", "9400111899223100000028", "ZZ00017"]


def _int_times(evs):
    return [(int(micros_of([r[0]])[0]), *r[1:]) for r in (event_row(e) for e in evs)]


@settings(max_examples=300)
@given(st.lists(st.lists(any_event, max_size=8), max_size=5), st.data())
def test_fold_groups_equals_fold_and_fold_onto(groups, data):
    starts, stored, rows = pending(len(groups)), np.zeros(len(groups), dtype=bool), []
    expected = []
    for i, evs in enumerate(groups):
        distinct = _int_times(deduplicate(evs))
        cut = data.draw(st.integers(0, len(distinct)))
        ordered = sorted(distinct, key=lambda r: (r[0], RANK[r[1]], *r[2:]))
        old, new = ordered[:cut], ordered[cut:]
        if old and new and new[0][0] == old[-1][0]:  # fold_onto needs strictly later events
            old, new = [], ordered
        if old:
            starts.put(i, fold(old))
            stored[i] = True
        expected.append(fold(distinct) if new or old else fold([]))
        rows += [(i, r) for r in new]
    random.Random(len(rows)).shuffle(rows)
    ship = np.array([i for i, _ in rows], dtype=np.int64)
    micros = np.array([r[0] for _, r in rows], dtype=np.int64)
    rank = np.array([RANK[r[1]] for _, r in rows], dtype=np.int8)
    order = timeline_order(ship, micros, rank, lambda at: [rows[k][1][2:] for k in at.tolist()])
    status = np.array([rows[k][1][1] for k in order.tolist()] or [], dtype=object)
    sub = np.array([rows[k][1][2] or None for k in order.tolist()] or [], dtype=object)
    got = fold_groups(
        ship[order], micros[order], rank[order], status, sub, starts, stored,
        lambda i, j: [rows[k][1] for k in order[i:j].tolist()],
    )  # fmt: skip
    for i, want in enumerate(expected):
        assert got.get(i) == want, i
    assert [fold_onto(fold([]), [])] == [fold([])]


def _columns(updates: list[TrackingUpdate], seed: int) -> TrackingColumns:
    """Columns whose events are gathered one by one, in a shuffled order (not as
    `from_updates` gathers them)."""
    flat = [(u, e) for u, upd in enumerate(updates) for e in upd.events]
    random.Random(seed).shuffle(flat)

    def column(name):
        return [getattr(e, name) for _, e in flat]

    return replace(
        from_updates(updates),  # the update columns; the event columns are rebuilt below
        update=np.array([u for u, _ in flat], dtype=np.int64),
        micros=micros_of([e.event_time for _, e in flat]),
        carrier=column("carrier"),
        code_source=column("code_source"),
        raw_code=column("raw_code"),
        raw_description=column("raw_description"),
        location=column("location"),
        city=column("city"),
        state=column("state"),
        postcode=column("postcode"),
        country=column("country"),
        status=[e.status.value for _, e in flat],
        sub_status=[e.sub_status.value if e.sub_status else None for _, e in flat],
        rule_id=column("rule_id"),
    )


def _stored(sessions, org_id):
    with sessions() as s:
        ships = {
            r.tracking_number: r
            for r in s.scalars(select(Shipment).where(Shipment.organisation_id == org_id))
        }
        number = {r.id: n for n, r in ships.items()}
        events = sorted(
            (
                number[e.shipment_id],
                e.fingerprint,
                e.event_time,
                e.carrier,
                e.code_source,
                e.raw_code,
                e.raw_description,
                e.status,
                e.sub_status,
                e.rule_id,
                e.location,
                e.city,
                e.state,
                e.postcode,
                e.country,
                e.source,
            )
            for e in s.scalars(
                select(TrackingEventRow).where(TrackingEventRow.organisation_id == org_id)
            )
        )
        derived = {
            n: (
                r.carrier,
                r.status,
                r.sub_status,
                r.status_since,
                r.last_event_at,
                r.first_scan_at,
                r.delivered_at,
                r.event_count,
                r.unmapped_count,
                r.source,
                r.carrier_service,
                r.dest_country,
                r.promised_by,
            )
            for n, r in ships.items()
        }
        return derived, events


updates_strategy = st.lists(
    st.builds(
        lambda n, carrier, picks, source: TrackingUpdate(
            NUMBERS[n], carrier, tuple(POOL[i] for i in picks), source
        ),
        st.integers(0, len(NUMBERS) - 1),
        st.sampled_from(["usps", None, " USPS "]),
        st.lists(st.integers(0, len(POOL) - 1), max_size=6),
        st.sampled_from(["test", "file"]),
    ),
    max_size=5,
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.lists(updates_strategy, min_size=1, max_size=3), st.integers(0, 1000))
def test_columns_store_the_rows_the_object_path_stores(sessions, make_tenant, batches, seed):
    k = next(_tenants)
    a, b = make_tenant(f"Objects {k}"), make_tenant(f"Columns {k}")
    for batch in batches:
        with unit_of_work(sessions) as s:
            by_objects = ingest(s, a.org.id, batch, now=NOW)
        with unit_of_work(sessions) as s:
            by_columns = ingest_columns(s, b.org.id, _columns(batch, seed), now=NOW)
        assert by_columns.as_dict() == by_objects.as_dict()
        assert _stored(sessions, b.org.id) == _stored(sessions, a.org.id)
    derived, events = _stored(sessions, a.org.id)
    assert set(derived) == {u.tracking_number for batch in batches for u in batch if _stores(u)}
    for number, row in derived.items():
        distinct = [e for e in POOL if any(x[0] == number and x[5] == e.raw_code and
                    x[2] == e.event_time and x[11] == e.city for x in events)]  # fmt: skip
        want = summarise(distinct)
        assert row[1:3] == (want.status.value, want.sub_status), number
        assert row[7:9] == (want.event_count, want.unmapped_count), number


def _stores(u: TrackingUpdate) -> bool:
    """Whether the update leaves a shipment: not when every event it brings is refused, nor
    when nothing names the carrier of a number detection does not recognise."""
    if u.events and all(e is POOL[-1] for e in u.events):
        return False
    return bool(u.carrier or u.events or best_carrier(u.tracking_number))
