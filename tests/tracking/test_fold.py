"""The bulk fold gives exactly the answer of the core derivation, for any events."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from linkstar.tracking.core.columns import from_updates
from linkstar.tracking.core.derive import deduplicate
from linkstar.tracking.core.events import TrackingEvent
from linkstar.tracking.core.fold import event_row, fold, fold_onto
from linkstar.tracking.core.keys import fingerprint, fingerprints, time_text, time_texts
from linkstar.tracking.core.summary import summarise
from linkstar.tracking.core.updates import TrackingUpdate
from linkstar.tracking.core.vocabulary import Status, SubStatus

T0 = datetime(2026, 3, 1, tzinfo=UTC)

events = st.builds(
    lambda minutes, status, sub, code, city: TrackingEvent(
        event_time=T0 + timedelta(minutes=minutes),
        carrier="usps",
        raw_code=code,
        raw_description=f"{status.value} {code}",
        status=status,
        sub_status=None if status is Status.UNMAPPED else sub,
        rule_id=None if status is Status.UNMAPPED else "r",
        city=city,
    ),
    st.integers(0, 6),  # few distinct times: many ties
    st.sampled_from(list(Status)),
    st.one_of(st.none(), st.sampled_from([SubStatus.CUSTOMS_HOLD, SubStatus.ADDRESS_ISSUE])),
    st.sampled_from(["A", "B"]),
    st.one_of(st.none(), st.just("DENVER")),
)


@settings(max_examples=400)
@given(st.lists(events, max_size=12))
def test_fold_equals_summarise_for_any_events(evs):
    expected = summarise(evs)
    got = fold([event_row(e) for e in deduplicate(evs)])
    assert got.status == expected.status.value
    assert got.sub_status == expected.sub_status
    assert got.status_since == expected.status_since
    assert got.last_event_at == expected.last_event_at
    assert got.first_scan_at == expected.first_scan_at
    assert got.delivered_at == expected.delivered_at
    assert got.event_count == expected.event_count
    assert got.unmapped_count == expected.unmapped_count


@settings(max_examples=200)
@given(st.lists(events, max_size=12))
def test_fold_over_text_times_agrees_with_datetimes(evs):
    rows = [event_row(e) for e in deduplicate(evs)]
    as_text = [(time_text(e), *row[1:]) for e, row in zip(deduplicate(evs), rows, strict=True)]
    by_time, by_text = fold(rows), fold(as_text)
    assert by_text.status == by_time.status
    since = by_time.status_since
    assert by_text.status_since == (None if since is None else f"{since:%Y-%m-%d %H:%M:%S.%f}")
    assert by_text.unmapped_count == by_time.unmapped_count


def test_no_events_is_pending():
    assert fold([]).status == "pending"
    assert fold([]).event_count == 0


def test_fingerprint_ignores_normalisation_and_tracks_every_raw_field():
    base = TrackingEvent(T0, "usps", "01", "Delivered", Status.DELIVERED, rule_id="01")
    renormalised = TrackingEvent(T0, "usps", "01", "Delivered", Status.IN_TRANSIT, rule_id="x")
    assert fingerprint(base) == fingerprint(renormalised)
    moved = TrackingEvent(T0, "usps", "01", "Delivered", Status.DELIVERED, city="DENVER")
    later = TrackingEvent(T0 + timedelta(seconds=1), "usps", "01", "Delivered", Status.DELIVERED)
    assert len({fingerprint(base), fingerprint(moved), fingerprint(later)}) == 3
    # The first 8 bytes of the SHA-1 the 40-character keys held (migration 0024 re-keys by it).
    text = "\x1f".join(("2026-03-01 00:00:00.000000", "usps", "usps", "01", "Delivered", *[""] * 5))
    sha1 = hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()
    assert fingerprint(base) == int.from_bytes(bytes.fromhex(sha1[:16]), signed=True)
    assert -(2**63) <= fingerprint(base) < 2**63
    assert time_text(base) == "2026-03-01 00:00:00.000000"


@settings(max_examples=400)
@given(st.lists(events, max_size=10), st.lists(events, max_size=6))
def test_folding_later_events_onto_the_stored_state_equals_a_full_fold(old, new):
    old_rows = [event_row(e) for e in deduplicate(old)]
    # Shift the new events after every old one (the precondition of fold_onto).
    shift = timedelta(hours=1)
    later = [
        TrackingEvent(
            event_time=e.event_time + shift,
            carrier=e.carrier,
            raw_code=e.raw_code,
            raw_description=e.raw_description,
            status=e.status,
            sub_status=e.sub_status,
            rule_id=e.rule_id,
            city=e.city,
        )
        for e in deduplicate(new)
    ]
    new_rows = [event_row(e) for e in later]
    assert fold_onto(fold(old_rows), new_rows) == fold(old_rows + new_rows)


def test_a_stored_pending_event_still_decides_when_only_unmapped_events_follow():
    pending = TrackingEvent(T0, "usps", "A", "pending A", Status.PENDING, rule_id="r")
    later = TrackingEvent(T0 + timedelta(hours=1), "usps", "A", "?", Status.UNMAPPED)
    stored = fold([event_row(pending)])
    assert fold_onto(stored, [event_row(later)]) == fold([event_row(pending), event_row(later)])
    assert fold_onto(stored, [event_row(later)]).status == "pending"
    nothing = fold([])
    assert fold_onto(nothing, [event_row(later)]).status == "unmapped"


@settings(max_examples=300)
@given(
    st.lists(
        st.datetimes(
            min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
        ),
        max_size=20,
    )
)
def test_vectorised_time_texts_equal_one_by_one(moments):
    evs = [TrackingEvent(m, "usps", "01", "Delivered", Status.DELIVERED) for m in moments]
    cols = from_updates([TrackingUpdate("9400111899223100000077", "usps", tuple(evs), "test")])
    texts = time_texts(cols.micros)
    assert texts == [time_text(e) for e in evs]
    places = (cols.location, cols.city, cols.state, cols.postcode, cols.country)
    keys = fingerprints(
        texts, cols.carrier, cols.code_source, cols.raw_code, cols.raw_description, places
    )
    assert keys.tolist() == [fingerprint(e) for e in evs]
