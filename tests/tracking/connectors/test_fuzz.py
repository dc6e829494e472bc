"""Fuzzing (hypothesis): any input gives updates or one TrackingPayloadError, nothing else."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from linkstar.tracking.connectors import (
    TrackingPayloadError,
    parse_17track,
    parse_aftership,
    parse_csv,
    parse_dhl,
    parse_fedex,
    parse_generic,
    parse_jsonl,
    parse_ups,
    parse_usps,
)
from tests.tracking.connectors.recorded import data

PARSERS = (
    parse_17track,
    parse_aftership,
    parse_generic,
    parse_usps,
    parse_ups,
    parse_fedex,
    parse_dhl,
)
RECORDED = {
    parse_17track: "17track_tracking_updated.json",
    parse_aftership: "aftership_tracking_update.json",
    parse_generic: "generic_batch.json",
    parse_usps: "usps_tracking_v3.json",
    parse_ups: "ups_track_delivered.json",
    parse_fedex: "fedex_track_batch.json",
    parse_dhl: "dhl_parcel_de.json",
}

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.sampled_from(["2025-03-05T13:45:00-05:00", "2025-03-05T13:45:00", "20250305", "Z", ""]),
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=25,
)


def _accepts(parse: Any, payload: Any) -> None:
    try:
        parse(payload)
    except TrackingPayloadError as error:
        assert error.reason and error.path.startswith(("$", "header", "file"))


@given(st.sampled_from(PARSERS), json_values)
@settings(max_examples=300)
def test_any_json_value(parse, value):
    _accepts(parse, json.dumps(value).encode())


@given(st.sampled_from(PARSERS), st.binary(max_size=200))
@settings(max_examples=200)
def test_any_bytes(parse, raw):
    _accepts(parse, raw)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


@given(st.sampled_from(PARSERS), st.data())
@settings(max_examples=400)
def test_recorded_payloads_with_one_field_replaced(parse, draw):
    """Start from a real payload and replace one node with any JSON: the nastiest inputs."""
    payload = data(RECORDED[parse])
    path = draw.draw(st.sampled_from(_paths(payload)[1:]))
    replacement = draw.draw(json_values)
    node = payload
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = replacement
    _accepts(parse, json.dumps(payload).encode())


rows = st.lists(
    st.lists(st.one_of(st.text(max_size=20), scalars.map(str)), min_size=0, max_size=11),
    max_size=8,
)


@given(rows)
@settings(max_examples=200)
def test_any_csv_rows(values):
    lines = [
        "tracking_number,carrier,event_time,raw_code,raw_description,city,state,postcode,"
        "country,code_source,location"
    ]
    lines += [",".join(json.dumps(v) for v in row) for row in values]
    result = parse_csv("\n".join(lines))
    assert sum(len(u.events) for u in result.updates) == result.events
    assert result.events + len(result.errors) == result.rows  # every row kept or reported


@given(st.lists(json_values, max_size=8))
@settings(max_examples=200)
def test_any_jsonl_lines(values):
    result = parse_jsonl("\n".join(json.dumps(v) for v in values))
    assert result.events + len(result.errors) == result.rows  # every line kept or reported


@given(st.binary(max_size=100), st.one_of(st.none(), st.text(max_size=120)), st.text(max_size=20))
@settings(max_examples=300)
def test_signature_checks_only_ever_raise_signature_error(raw, header, secret):
    from datetime import UTC, datetime

    from linkstar.tracking.connectors import (
        SignatureError,
        verify_17track,
        verify_aftership,
        verify_generic,
    )

    now = datetime(2025, 3, 6, tzinfo=UTC)
    for check in (
        lambda: verify_17track(raw, header, secret),
        lambda: verify_aftership(raw, header, secret),
        lambda: verify_generic(raw, header, secret, now=now),
    ):
        try:
            check()
        except SignatureError as error:
            assert error.reason
