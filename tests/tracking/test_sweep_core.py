"""The vectorised exception rules and business time, without a database."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from linkstar.tracking.core.calendar import business_hours_between
from linkstar.tracking.core.disruption import (
    DisruptionThresholds,
    LaneCounts,
    disruptions,
    poisson_tail,
)
from linkstar.tracking.core.exceptions import (
    NONE,
    ExceptionKind,
    SweepColumns,
    Thresholds,
    detect,
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


LIMITS = DisruptionThresholds()  # the defaults: 10 exceptions, 3x, 5 % prior, p 0.001


def test_a_burst_against_a_quiet_baseline_is_a_disruption():
    lanes = [
        LaneCounts("ups", "", recent=50, baseline=9, recent_shipments=100, baseline_shipments=900),
        # usps: 12 of 100 moving parcels, its baseline rate is 10 %: normal for usps
        LaneCounts("usps", "", recent=12, baseline=100, recent_shipments=100,
                   baseline_shipments=1_000),
        LaneCounts("fedex", "", recent=3, baseline=0, recent_shipments=3, baseline_shipments=40),
    ]  # fmt: skip
    found = disruptions(lanes, LIMITS)
    assert [(d.carrier, d.recent, d.shipments) for d in found] == [("ups", 50, 100)]
    # ups' own baseline is 1 %, its peers' rate (15 of 103) is higher and wins over the prior
    assert round(found[0].expected, 3) == round(100 * 15 / 103, 3)
    assert found[0].p_value == poisson_tail(50, found[0].expected) < 1e-12
    assert "50 exceptions on ups among 100 moving parcels" in found[0].reason


def test_the_demo_first_sweep_suspends_only_the_disrupted_carrier():
    # The demo's first sweep, before the fix: every exception of four months opened at once,
    # so every baseline was 0 and four carriers "tripped". Counted as rates, only swiftship
    # (12 of its 16 moving parcels stalled) stands out; the others' counts are a normal share
    # of their traffic, or below the minimum.
    lanes = [
        LaneCounts("parcelnet", "", recent=21, baseline=0, recent_shipments=420,
                   baseline_shipments=0),
        LaneCounts("swiftship", "", recent=12, baseline=0, recent_shipments=16,
                   baseline_shipments=60),
        LaneCounts("ukpost", "", recent=17, baseline=0, recent_shipments=340,
                   baseline_shipments=0),
        LaneCounts("uspost", "", recent=25, baseline=0, recent_shipments=700,
                   baseline_shipments=0),
        LaneCounts("uspost", "CA", recent=4, baseline=0, recent_shipments=9,
                   baseline_shipments=30),
    ]  # fmt: skip
    found = disruptions(lanes, LIMITS)
    assert [(d.carrier, d.dest_country) for d in found] == [("swiftship", "")]


def test_no_baseline_needs_a_clear_absolute_share_of_the_moving_parcels():
    # 12 exceptions among 60 parcels (20 %) would be a burst against the 5 % prior, but a lane
    # without history needs a quarter of its parcels in trouble.
    quiet = LaneCounts("newco", "", recent=12, baseline=0, recent_shipments=60,
                       baseline_shipments=5)  # fmt: skip
    assert disruptions([quiet], LIMITS) == []
    loud = LaneCounts("newco", "", recent=16, baseline=0, recent_shipments=60,
                      baseline_shipments=5)  # fmt: skip
    assert [d.recent for d in disruptions([loud], LIMITS)] == [16]
    # with a known, quiet baseline the same 20 % is a disruption
    known = LaneCounts("newco", "", recent=12, baseline=10, recent_shipments=60,
                       baseline_shipments=500)  # fmt: skip
    assert [d.recent for d in disruptions([known], LIMITS)] == [12]


def test_a_high_rate_everywhere_is_not_one_carriers_disruption():
    # Peak season: every carrier shows 30 % exceptions; nobody stands out against its peers.
    lanes = [
        LaneCounts(c, "", recent=30, baseline=0, recent_shipments=100, baseline_shipments=500)
        for c in ("a", "b", "c")
    ]
    assert disruptions(lanes, LIMITS) == []


def test_poisson_tail_matches_a_direct_sum():
    import math

    def direct(k: int, lam: float) -> float:
        return 1.0 - sum(math.exp(-lam) * lam**i / math.factorial(i) for i in range(k))

    for k, lam in [(0, 2.0), (1, 0.5), (3, 3.0), (10, 4.0), (12, 0.9), (5, 20.0)]:
        assert math.isclose(poisson_tail(k, lam), direct(k, lam), rel_tol=1e-9, abs_tol=1e-15)
    assert poisson_tail(5, 0.0) == 0.0
    assert 0 < poisson_tail(200, 1.0) < 1e-300 or poisson_tail(200, 1.0) == 0.0


@given(st.integers(0, 400), st.floats(0.01, 300.0))
def test_poisson_tail_is_a_probability_that_falls_with_k(k, lam):
    p = poisson_tail(k, lam)
    assert 0.0 <= p <= 1.0
    assert poisson_tail(k + 1, lam) <= p + 1e-12
