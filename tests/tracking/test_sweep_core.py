"""The vectorised exception rules and business time, without a database."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from linkstar.tracking.core.calendar import business_hours_between
from linkstar.tracking.core.disruption import LaneCounts, disruptions
from linkstar.tracking.core.exceptions import (
    NONE,
    ExceptionKind,
    SweepColumns,
    Thresholds,
    detect,
    reconcile,
)


def ts(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp())


def test_weekends_and_public_holidays_do_not_count():
    now = ts(2026, 12, 28, 12)  # Monday noon, the day after... Christmas was Friday 25th
    starts = np.array([ts(2026, 12, 24, 12), ts(2026, 12, 24, 12), ts(2026, 12, 28, 6)])
    countries = np.array(["US", "XX", "US"], dtype=object)
    hours = business_hours_between(starts, now, countries)
    # US: Thu 24th 12:00-24:00 (12 h) + Christmas (holiday) + weekend + Mon 0-12 (12 h) = 24.
    # XX (no holiday table): Thu 12 h + Fri 24 h + Mon 12 h = 48.
    # Same day: 6 hours.
    assert hours.tolist() == [24.0, 48.0, 6.0]


def test_a_start_on_a_holiday_counts_from_the_next_business_day():
    now = ts(2026, 12, 29, 0)
    hours = business_hours_between(
        np.array([ts(2026, 12, 25, 9)]), now, np.array(["GB"], dtype=object)
    )
    # GB: Christmas and Boxing Day (observed Monday 28th) are holidays; weekend in between.
    assert hours.tolist() == [0.0]


def _columns(**overrides):
    n = len(overrides["status"])
    base = {
        "sub_status": np.array([""] * n, dtype=object),
        "dest_country": np.array(["US"] * n, dtype=object),
        "last_event_at": np.full(n, NONE, dtype=np.int64),
        "status_since": np.full(n, NONE, dtype=np.int64),
        "promised_by": np.full(n, NONE, dtype=np.int64),
        "delivered_at": np.full(n, NONE, dtype=np.int64),
        "unmapped_count": np.zeros(n, dtype=np.int64),
        "lane_gap_p95_hours": np.full(n, np.nan),
    }
    for key, value in overrides.items():
        base[key] = (
            np.array(value, dtype=object)
            if key in {"status", "sub_status", "dest_country"}
            else np.array(value, dtype=np.float64 if key == "lane_gap_p95_hours" else np.int64)
        )
    return SweepColumns(**base)


NOW = ts(2026, 12, 10, 12)  # a Thursday
HOUR = 3600


def test_each_rule_fires_on_its_own_case_only():
    cols = _columns(
        status=[
            "in_transit",
            "in_transit",
            "in_transit",
            "exception",
            "failed_attempt",
            "exception",
            "returning_to_sender",
            "delivered",
            "in_transit",
            "unmapped",
            "in_transit",
        ],
        sub_status=[
            "",
            "",
            "",
            "customs_hold",
            "recipient_unavailable",
            "address_issue",
            "",
            "",
            "",
            "",
            "",
        ],
        last_event_at=[
            NOW - 10 * HOUR,
            NOW - 60 * HOUR,
            NOW - 20 * 24 * HOUR,
            NOW - 50 * HOUR,
            NOW - HOUR,
            NOW - HOUR,
            NOW - HOUR,
            NOW - 3 * 24 * HOUR,
            NOW - HOUR,
            NOW - HOUR,
            NOW - 60 * HOUR,
        ],
        status_since=[
            NOW - 10 * HOUR,
            NOW - 60 * HOUR,
            NOW - 20 * 24 * HOUR,
            NOW - 50 * HOUR,
            NOW - HOUR,
            NOW - HOUR,
            NOW - HOUR,
            NOW - 3 * 24 * HOUR,
            NOW - HOUR,
            NOW - HOUR,
            NOW - 60 * HOUR,
        ],
        delivered_at=[NONE] * 7 + [NOW - 3 * 24 * HOUR] + [NONE] * 3,
        promised_by=[NONE] * 7 + [NOW - 4 * 24 * HOUR] + [NONE] * 3,
        unmapped_count=[0] * 8 + [2, 1, 0],
        lane_gap_p95_hours=[np.nan] * 10 + [72.0],  # this lane is slow: 60 h is normal
    )
    masks = detect(cols, Thresholds(), NOW)
    fired = {k.value: np.flatnonzero(v).tolist() for k, v in masks.items() if v.any()}
    assert fired == {
        "stalled": [1, 3],  # 60 h and 50 h of business time (Mon-Thu) > 48 h floor
        "lost": [2],  # 20 days without a scan: lost, not merely stalled
        "customs_hold": [3],
        "failed_attempt": [4],
        "address_issue": [5],
        "return_to_sender": [6],
        "late": [7],
        "unmapped": [8, 9],
    }


def test_disabled_kinds_are_not_evaluated():
    cols = _columns(status=["failed_attempt"], last_event_at=[NOW - HOUR])
    masks = detect(cols, Thresholds(enabled=frozenset({ExceptionKind.LOST})), NOW)
    assert set(masks) == {ExceptionKind.LOST}
    assert not masks[ExceptionKind.LOST].any()


def test_reconcile_opens_new_keeps_existing_and_resolves_only_auto_kinds():
    ids = np.array(["s1", "s2"], dtype=object)
    masks = {
        ExceptionKind.STALLED: np.array([True, False]),
        ExceptionKind.LATE: np.array([False, False]),
    }
    current = {("s1", "stalled"): "e1", ("s2", "stalled"): "e2", ("s2", "late"): "e3"}
    plan = reconcile(ids, masks, current, frozenset({ExceptionKind.STALLED}))
    assert plan.to_open == []
    assert plan.to_resolve == ["e2"]  # "late" waits for a person
    plan = reconcile(ids, masks, {}, frozenset())
    assert plan.to_open == [(0, ExceptionKind.STALLED)]


def test_a_burst_against_a_quiet_baseline_is_a_disruption():
    lanes = [
        LaneCounts("ups", "", recent=12, baseline=9),  # 9 in 28 days = ~1 per 72 h window
        LaneCounts("usps", "", recent=12, baseline=100),  # ~10.7 expected: normal
        LaneCounts("fedex", "", recent=3, baseline=0),  # too few to judge
    ]
    found = disruptions(lanes, window_hours=72, baseline_days=28, min_exceptions=10, ratio=3)
    assert [(d.carrier, d.recent) for d in found] == [("ups", 12)]
    assert round(found[0].expected, 3) == round(9 / (28 * 24 / 72), 3)
    assert "12 exceptions on ups" in found[0].reason
