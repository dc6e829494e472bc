"""Checking the delivery estimates on later deliveries: the scores (pure), and the service,
CLI and API on the workspace's own shipments (both databases)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from linkstar.db.uow import unit_of_work
from linkstar.kit.errors import InvalidInput
from linkstar.tracking.core.estimate_check import Fitted, predict, score, score_by
from linkstar.tracking.estimate_check import check_estimates, split_of
from linkstar.tracking.models import Shipment
from linkstar.tracking.schemas import ShipmentCreate
from linkstar.tracking.shipments import register_shipments

SPLIT = datetime(2026, 10, 1, tzinfo=UTC)
NAN = float("nan")


def _fitted(transit: list[float], lane: list[int], parent_of_lane: list[int]) -> Fitted:
    n = len(transit)
    return Fitted(
        lane=np.array(lane, dtype=np.int64),
        parent_of_lane=np.array(parent_of_lane, dtype=np.int64),
        transit_days=np.array(transit, dtype=np.float64),
        delivered=np.ones(n, dtype=bool),
        on_time=np.full(n, np.nan),
    )


def test_predict_uses_the_lane_then_the_parent_then_nothing():
    fitted = _fitted([float(d) for d in range(1, 11)], [0] * 10, [0])
    p50, p90, own = predict(fitted, np.array([0, -1, -1]), np.array([0, 0, -1]))
    assert p50[:2].tolist() == pytest.approx([5.5, 5.5]) and p90[:2].tolist() == [
        pytest.approx(9.1),
        pytest.approx(9.1),
    ]
    assert math.isnan(p50[2]) and math.isnan(p90[2])
    assert own.tolist() == [True, False, False]


def test_predict_with_no_history_estimates_nothing():
    empty = _fitted([], [], [])
    p50, p90, own = predict(empty, np.array([-1, -1]), np.array([-1, -1]))
    assert np.isnan(p50).all() and np.isnan(p90).all() and not own.any()


@pytest.mark.parametrize(
    ("actual", "p50", "p90", "expected"),
    [
        # every parcel within both estimates: margin = mean(p90 - actual), nothing late
        ([1.0, 2.0], [2.0, 2.0], [3.0, 3.0], (1.0, 1.0, 1.5, NAN, 0.5)),
        # one late beyond the p90 by 2 days
        ([1.0, 5.0], [2.0, 2.0], [3.0, 3.0], (0.5, 0.5, 2.0, 2.0, 2.0)),
        # on the p90 exactly counts as covered, with no margin
        ([3.0], [2.0], [3.0], (0.0, 1.0, 0.0, NAN, 1.0)),
    ],
)
def test_scores(actual, p50, p90, expected):
    got = score(np.array(actual), np.array(p50), np.array(p90), np.ones(len(actual), bool))
    values = (got.p50_hit, got.p90_hit, got.p90_margin_days, got.p90_late_days,
              got.p50_error_days)  # fmt: skip
    for value, want in zip(values, expected, strict=True):
        assert (math.isnan(value) and math.isnan(want)) or value == pytest.approx(want)
    assert (got.delivered, got.estimated, got.from_lane) == (len(actual), len(actual), len(actual))


def test_parcels_without_an_estimate_are_counted_but_not_scored():
    got = score(np.array([1.0, 9.0]), np.array([2.0, NAN]), np.array([3.0, NAN]),
                np.array([True, False]))  # fmt: skip
    assert (got.delivered, got.estimated, got.from_lane, got.p90_hit) == (2, 1, 1, 1.0)
    nothing = score(np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0, bool))
    assert nothing.delivered == 0 and math.isnan(nothing.p90_hit)
    assert nothing.as_dict()["p90_hit"] is None  # JSON: null, not NaN


def test_score_by_splits_per_group():
    actual = np.array([1.0, 5.0, 2.0])
    per = score_by(np.array([1, 0, 1]), 2, actual, np.full(3, 2.0), np.full(3, 3.0),
                   np.ones(3, bool))  # fmt: skip
    assert [(s.delivered, s.p90_hit) for s in per] == [(1, 0.0), (2, 1.0)]


@settings(max_examples=60)
@given(
    st.lists(
        st.tuples(
            st.floats(0, 60, allow_nan=False), st.floats(0, 60, allow_nan=False),
            st.floats(0, 60, allow_nan=False), st.booleans(),
        ),
        max_size=40,
    )
)  # fmt: skip
def test_scores_stay_within_their_ranges(rows):
    actual = np.array([r[0] for r in rows], dtype=np.float64)
    p50 = np.array([min(r[1], r[2]) if r[3] else NAN for r in rows], dtype=np.float64)
    p90 = np.array([max(r[1], r[2]) if r[3] else NAN for r in rows], dtype=np.float64)
    got = score(actual, p50, p90, np.array([r[3] for r in rows], dtype=bool))
    assert got.estimated == sum(r[3] for r in rows) <= got.delivered == len(rows)
    for share in (got.p50_hit, got.p90_hit):
        assert math.isnan(share) if not got.estimated else 0 <= share <= 1
    assert math.isnan(got.p90_margin_days) or got.p90_margin_days >= 0
    assert math.isnan(got.p90_late_days) or got.p90_late_days > 0
    if got.estimated:  # a parcel within the p50 is within the p90 (p50 <= p90)
        assert got.p50_hit <= got.p90_hit


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-10-01", SPLIT),
        ("2026-10-01T00:00:00Z", SPLIT),
        ("2026-10-01T02:00:00+02:00", SPLIT),
        (None, datetime(2026, 11, 6, 12, tzinfo=UTC)),  # 30 days before "now"
    ],
)
def test_split_of(text, expected):
    assert split_of(text, datetime(2026, 12, 6, 12, tzinfo=UTC)) == expected


def test_split_of_refuses_what_is_not_a_date():
    with pytest.raises(InvalidInput, match="not an ISO 8601 date"):
        split_of("2026-13-01", SPLIT)


def _ship(sessions, tenant, rows) -> None:  # type: ignore[no-untyped-def]
    """rows: (number, carrier, postcode, start, transit days or None for in flight)."""
    with unit_of_work(sessions) as s:
        register_shipments(
            s,
            tenant.principal,
            [ShipmentCreate(tracking_number=n, carrier=c, carrier_service="Ground",
                            warehouse_id="wh-ca", dest_country="US", dest_postcode=pc)
             for n, c, pc, _start, _days in rows],
        )  # fmt: skip
        by_number = {
            r.tracking_number: r
            for r in s.scalars(select(Shipment).where(Shipment.organisation_id == tenant.org.id))
        }
        for number, _c, _pc, start, days in rows:
            row = by_number[number]
            row.first_scan_at = start
            row.status, row.status_since = "in_transit", start
            if days is not None:
                row.status = "delivered"
                row.delivered_at = row.status_since = start + timedelta(days=days)


def seed(sessions, tenant) -> None:  # type: ignore[no-untyped-def]
    early = SPLIT - timedelta(days=40)
    history = [(f"H{d:02d}", "usps", "10001", early, float(d)) for d in range(1, 11)]
    later = [
        ("L1", "usps", "10001", SPLIT, 2.0),
        ("L2", "usps", "10002", SPLIT + timedelta(days=1), 5.0),
        ("L3", "usps", "10003", SPLIT, 9.5),
        ("L4", "usps", "10004", SPLIT + timedelta(days=2), 12.0),
        ("N1", "usps", "20001", SPLIT, 3.0),  # a lane not seen before: its parent's figures
        ("U1", "ups", "10001", SPLIT, 4.0),  # a carrier not seen before: no estimate
        ("F1", "usps", "10001", SPLIT, None),  # still in flight: not scored
        ("E1", "usps", "10001", SPLIT - timedelta(days=2), 30.0),  # started before the split
    ]
    _ship(sessions, tenant, history + later)


def test_check_estimates_on_stored_shipments(sessions, make_tenant):
    acme, other = make_tenant("Acme"), make_tenant("Other")
    seed(sessions, acme)
    _ship(sessions, other, [("H01", "usps", "10001", SPLIT, 50.0)])  # another workspace's
    with unit_of_work(sessions) as s:
        result = check_estimates(s, acme.principal, SPLIT)
    # History: 1..10 days on one lane (p50 5.5, p90 9.1), plus E1 finished after the split.
    assert result.fitted_on == 10
    overall = result.overall.as_dict()
    assert overall == {
        "delivered": 6, "estimated": 5, "from_lane": 4, "p50_hit": 0.6, "p90_hit": 0.6,
        "p90_margin_days": pytest.approx(17.3 / 3, abs=1e-4),
        "p90_late_days": pytest.approx(1.65, abs=1e-4), "p50_error_days": 3.5,
    }  # fmt: skip
    assert [(c, s.delivered, s.estimated) for c, s in result.by_carrier] == [
        ("ups", 1, 0),
        ("usps", 5, 5),
    ]


def test_check_estimates_needs_tracking_read(sessions, make_tenant):
    from linkstar.kit.errors import PermissionDenied
    from linkstar.workspace.core import ActorType, Principal

    acme = make_tenant("Acme")
    nobody = Principal(acme.org.id, ActorType.api_key, "k", "read-nothing key")
    with unit_of_work(sessions) as s, pytest.raises(PermissionDenied):
        check_estimates(s, nobody, SPLIT)
