"""`ingest_prepare._group` (column by column) equals the update-by-update grouping it
replaced, kept here as the reference, on random batches."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from linkstar.tracking.core.columns import TrackingColumns
from linkstar.tracking.core.detect import unrecognised
from linkstar.tracking.core.numbers import normalise_tracking_number
from linkstar.tracking.ingest_prepare import (
    Rejected,
    Shipments,
    _event_carriers,
    _group,
    _resolve_carrier,
)

# Plain numbers, ones that normalise (case, dashes, full width), detectable ones (USPS IMpb,
# UPS 1Z), empty, too long, and repeats of each other.
NUMBERS = st.sampled_from(
    [
        "9400111899223100000077",
        "9400111899223100000084",
        "1Z999AA10123456784",
        "ab12",
        "AB12",
        "ab-12",
        " AB 12 ",
        "\uff21\uff22\uff11\uff12",  # full width
        "",
        "-",
        "X" * 65,
        "x" * 64,
        "zz9",
    ]
)
CARRIERS = st.sampled_from([None, "", "  ", "usps", " USPS ", "ups", "dhl"])
SOURCES = st.sampled_from(["api", "webhook", "s" * 45, "file"])
SERVICES = st.sampled_from([None, "", "ground", "express"])
PROMISES = st.sampled_from(
    [None, datetime(2026, 9, 1, tzinfo=UTC), datetime(2026, 9, 2, tzinfo=UTC)]
)
UPDATES = st.lists(
    st.tuples(
        NUMBERS,
        CARRIERS,
        SOURCES,
        SERVICES,
        PROMISES,
        st.lists(st.sampled_from(["usps", "ups", "dhl"]), max_size=3),
    ),
    max_size=12,
)


def _reference(cols: TrackingColumns, rejected: list[Rejected]) -> Shipments:
    """The update-by-update grouping (before the column-wise one)."""
    ships = Shipments()
    index: dict[tuple[str, str], int] = {}
    carriers_of = _event_carriers(cols)
    for u, (raw, given_, source, service, promise) in enumerate(
        zip(cols.tracking_number, cols.update_carrier, cols.source, cols.carrier_service,
            cols.promised_by, strict=True)
    ):  # fmt: skip
        number = normalise_tracking_number(raw)
        if not number or len(number) > 64:
            rejected.append(Rejected(raw, source, "not a tracking number"))
            ships.of_update.append(-1)
            continue
        carrier = _resolve_carrier(raw, given_, carriers_of, u)
        if carrier is None:
            rejected.append(Rejected(number, source, unrecognised(number)))
            ships.of_update.append(-1)
            continue
        at = index.get((carrier, number))
        if at is None:
            at = index[(carrier, number)] = len(ships.keys)
            ships.keys.append((carrier, number))
            ships.source.append(source[:40])
            ships.service.append(service or None)
            ships.promise.append(promise or None)
        else:
            ships.source[at] = source[:40]
            ships.service[at] = ships.service[at] or service or None
            ships.promise[at] = ships.promise[at] or promise or None
        ships.of_update.append(at)
    return ships


def _columns(updates) -> TrackingColumns:
    event_carriers = [c for *_, cs in updates for c in cs]
    n = len(event_carriers)
    none = [None] * n
    return TrackingColumns(
        tracking_number=[u[0] for u in updates],
        update_carrier=[u[1] for u in updates],
        source=[u[2] for u in updates],
        carrier_service=[u[3] for u in updates],
        promised_by=[u[4] for u in updates],
        update=np.array([i for i, u in enumerate(updates) for _ in u[5]], dtype=np.int64),
        micros=np.zeros(n, dtype=np.int64),
        carrier=event_carriers,
        code_source=none,
        raw_code=["01"] * n,
        raw_description=["Delivered"] * n,
        location=none,
        city=none,
        state=none,
        postcode=none,
        country=none,
        status=["delivered"] * n,
        sub_status=none,
        rule_id=none,
    )


@settings(max_examples=400)
@given(UPDATES)
def test_column_wise_grouping_equals_update_by_update(updates):
    cols = _columns(updates)
    got_rejected: list[Rejected] = []
    want_rejected: list[Rejected] = []
    assert _group(cols, got_rejected) == _reference(cols, want_rejected)
    assert got_rejected == want_rejected


@given(st.lists(st.tuples(st.sampled_from(["9400a", "b-1", "C3"]), SOURCES, SERVICES, PROMISES)))
def test_every_update_naming_its_carrier_takes_the_column_path_with_the_same_answer(updates):
    cols = _columns([(n, "USPS", s, v, p, []) for n, s, v, p in updates])
    got_rejected: list[Rejected] = []
    assert _group(cols, got_rejected) == _reference(cols, [])
    assert got_rejected == []
