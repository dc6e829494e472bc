"""Properties that must hold for any input (hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from linkstar.tracking.core import (
    Status,
    TrackingEvent,
    current_status,
    detect_carriers,
    event_from_raw,
    mapping_tables,
    normalise,
    normalise_tracking_number,
    timeline,
)
from linkstar.tracking.core.mapping import fold_text
from linkstar.tracking.core.numbers import gs1_mod10_check_digit
from tests.tracking.factories import s10, ups

CARRIERS = sorted(mapping_tables())
tracking_like = st.text(
    alphabet=st.sampled_from("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ1Z -"), max_size=40
)
any_text = st.one_of(st.text(max_size=60), tracking_like)


@given(any_text)
def test_detection_never_crashes_and_ranks_within_bounds(text):
    candidates = detect_carriers(text)
    confidences = [c.confidence for c in candidates]
    assert all(0.0 <= c <= 1.0 for c in confidences)
    assert confidences == sorted(confidences, reverse=True)
    assert len({c.carrier for c in candidates}) == len(candidates)
    assert all(c.reason for c in candidates)


@given(any_text)
def test_tracking_number_normalisation_is_idempotent(text):
    once = normalise_tracking_number(text)
    assert normalise_tracking_number(once) == once
    assert detect_carriers(once) == detect_carriers(text)


@given(st.sampled_from(CARRIERS), st.text(max_size=30), st.text(max_size=80))
def test_mapping_is_total_deterministic_and_idempotent(carrier, code, text):
    first = normalise(carrier, code, text)
    assert first.status in Status
    assert (first.status is Status.UNMAPPED) == (first.rule_id is None)
    assert normalise(carrier, code, text) == first
    # tidying the text the way event_from_raw does never changes the outcome
    assert normalise(carrier, code, " ".join(text.split())) == first
    assert fold_text(fold_text(text)) == fold_text(text)


serial = st.text(alphabet="0123456789", min_size=8, max_size=8)


@given(
    st.sampled_from(["RR", "EA", "CP", "LX", "UH", "VV", "HA"]),
    serial,
    st.sampled_from(["CN", "US", "GB", "DE", "FR", "HK", "JP"]),
)
def test_any_s10_with_a_computed_check_digit_is_confident(service, digits, country):
    number = s10(service, digits, country)
    best = detect_carriers(number)[0]
    assert best.format_id == "upu_s10" and best.confidence >= 0.95
    assert best.origin_country == country
    wrong = number[:10] + str((int(number[10]) + 1) % 10) + number[11:]
    assert all(c.confidence < 0.5 for c in detect_carriers(wrong))


alnum = st.text(alphabet="0123456789ABCDEFGHJKLMNPRSTVWXYZ", min_size=1, max_size=1)


@given(st.lists(alnum, min_size=15, max_size=15), st.integers(1, 9))
def test_any_ups_number_with_a_wrong_check_digit_is_never_confident(chars, shift):
    body = "".join(chars)
    good = ups(body[:6], body[6:8], body[8:])
    assert detect_carriers(good)[0].confidence >= 0.95
    bad = good[:-1] + str((int(good[-1]) + shift) % 10)
    assert all(c.confidence < 0.5 for c in detect_carriers(bad))


@given(st.text(alphabet="0123456789", min_size=19, max_size=19), st.sampled_from(["92", "93"]))
def test_any_impb_number_with_a_valid_check_is_usps(rest, prefix):
    body = (prefix + rest)[:21]
    number = body + str(gs1_mod10_check_digit(body))
    assert detect_carriers(number)[0].carrier == "usps"


RAW_EVENTS = [
    ("usps", "MA", "Pre-Shipment Info Sent to USPS"),
    ("usps", "03", "USPS in possession of item"),
    ("usps", "10", "Processed Through Facility"),
    ("usps", "OF", "Out for Delivery"),
    ("usps", "02", "Notice Left"),
    ("usps", "01", "Delivered, In/At Mailbox"),
    ("usps", "09", "Return to Sender"),
    ("usps", "01", "Delivered, To Original Sender"),
    ("usps", "Q9", "Unknown event"),
    ("ups", "X/48", "The receiver was not available for delivery."),
    ("ups", "I/RT", "Returning to Sender: In Transit"),
    ("fedex", "DL/RS", "Returning package to shipper"),
    ("dhl", "failure", "Shipment on hold"),
]
T0 = datetime(2025, 1, 1, tzinfo=UTC)
events_strategy = st.lists(
    st.builds(
        lambda raw, minutes, city: event_from_raw(
            carrier=raw[0],
            event_time=T0 + timedelta(minutes=minutes),
            raw_code=raw[1],
            raw_description=raw[2],
            city=city,
        ),
        st.sampled_from(RAW_EVENTS),
        st.integers(0, 50),  # a small range makes equal event times (ties) common
        st.sampled_from([None, "Memphis"]),
    ),
    max_size=12,
)


@settings(max_examples=200)
@given(events_strategy, st.randoms(use_true_random=False), st.data())
def test_current_status_ignores_order_and_duplicates(events, rnd, data):
    expected = current_status(events)
    shuffled = list(events)
    rnd.shuffle(shuffled)
    repeated = data.draw(st.lists(st.sampled_from(events), max_size=6)) if events else []
    result = current_status(shuffled + repeated)
    assert result == expected
    assert timeline(shuffled + repeated) == timeline(events)


@given(events_strategy)
def test_renormalising_every_event_changes_nothing(events):
    assert [e.renormalised() for e in events] == events
    assert all(isinstance(e, TrackingEvent) for e in timeline(events))
