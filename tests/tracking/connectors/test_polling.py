"""The polling dispatcher: due or not, back-off with idleness, batches, token buckets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkstar.tracking.connectors.polling import (
    DEFAULT_LIMITS,
    Bucket,
    CarrierLimit,
    PollPolicy,
    PollTarget,
    decide,
    plan_polls,
    poll_interval,
)
from linkstar.tracking.core import TERMINAL_STATUSES, Status

NOW = datetime(2025, 3, 6, 12, 0, tzinfo=UTC)
H = timedelta(hours=1)
D = timedelta(days=1)


def target(
    number: str = "N1",
    carrier: str = "fedex",
    status: Status = Status.IN_TRANSIT,
    *,
    age: timedelta = 3 * D,
    idle: timedelta | None = 2 * H,
    polled: timedelta | None = 2 * H,
) -> PollTarget:
    return PollTarget(
        tracking_number=number,
        carrier=carrier,
        status=status,
        created_at=NOW - age,
        last_event_at=None if idle is None else NOW - idle,
        last_polled_at=None if polled is None else NOW - polled,
    )


@pytest.mark.parametrize(
    ("t", "due", "reason"),
    [
        (target(status=Status.DELIVERED), False, "terminal"),
        (target(status=Status.RETURNED), False, "terminal"),
        (target(status=Status.EXPIRED), False, "expired"),
        (target(polled=None), True, "due"),
        (target(idle=2 * H, polled=1 * H), True, "due"),  # moving: every hour
        (target(idle=2 * H, polled=30 * timedelta(minutes=1)), False, "not_due"),
        (target(idle=4 * D, polled=20 * H), False, "not_due"),  # idle 4 days: daily
        (target(idle=4 * D, polled=25 * H), True, "due"),
        (target(idle=31 * D, age=40 * D), False, "stopped_idle"),
        (target(idle=None, age=31 * D, status=Status.PENDING), False, "stopped_idle"),
        (target(idle=1 * H, age=121 * D), False, "stopped_age"),
        (target(status=Status.OUT_FOR_DELIVERY, idle=10 * H, polled=1 * H), True, "due"),
        (target(status=Status.FAILED_ATTEMPT, idle=3 * D, polled=1 * H), True, "due"),
    ],
)
def test_decide(t, due, reason):
    decision = decide(t, NOW, PollPolicy())
    assert (decision.due, decision.reason) == (due, reason)


@pytest.mark.parametrize(
    ("idle", "expected"),
    [
        (1 * H, 1 * H),  # clamped to the minimum
        (4 * H, 1 * H),
        (12 * H, 3 * H),  # a quarter of the idle time
        (2 * D, 12 * H),
        (4 * D, 24 * H),
        (20 * D, 24 * H),  # clamped to the maximum
    ],
)
def test_interval_grows_with_idleness(idle, expected):
    assert poll_interval(target(idle=idle), NOW, PollPolicy()) == expected


def test_never_polled_pending_parcel_uses_its_creation_time_for_idleness():
    t = target(status=Status.PENDING, idle=None, age=8 * H)
    assert poll_interval(t, NOW, PollPolicy()) == 2 * H


def test_policy_validation():
    with pytest.raises(ValueError, match="min_interval"):
        PollPolicy(min_interval=2 * D)
    with pytest.raises(ValueError, match="idle_fraction"):
        PollPolicy(idle_fraction=0)
    with pytest.raises(ValueError, match="positive"):
        CarrierLimit(batch_size=0)


def test_batches_per_carrier_respect_batch_size_and_skip_terminal():
    targets = [target(f"F{i:02d}", "fedex", polled=None) for i in range(65)]
    targets += [target(f"U{i}", "ups", polled=None) for i in range(3)]
    targets += [target("DONE", "fedex", Status.DELIVERED, polled=None)]
    limits = {
        "fedex": CarrierLimit(batch_size=30, calls_per_second=10, burst=10),
        "ups": CarrierLimit(batch_size=1, calls_per_second=10, burst=10),
    }
    plan = plan_polls(targets, NOW, limits=limits)
    assert [(b.carrier, len(b.numbers)) for b in plan.batches] == [
        ("fedex", 30), ("fedex", 30), ("fedex", 5), ("ups", 1), ("ups", 1), ("ups", 1),
    ]  # fmt: skip
    assert all(b.not_before == NOW for b in plan.batches)  # within the burst
    assert "DONE" not in {n for b in plan.batches for n in b.numbers}
    assert plan.deferred == ()
    assert plan.buckets["fedex"] == Bucket(7.0, NOW)


def test_most_overdue_first():
    targets = [
        target("RECENT", "ups", polled=2 * H),
        target("OLD", "ups", polled=10 * H),
        target("NEVER", "ups", polled=None),
    ]
    plan = plan_polls(targets, NOW, limits={"ups": CarrierLimit(1, 10, 10)})
    assert [b.numbers for b in plan.batches] == [("OLD",), ("RECENT",), ("NEVER",)]


def test_token_bucket_spaces_calls_and_defers_beyond_the_horizon():
    targets = [target(f"D{i}", "dhl", polled=None) for i in range(5)]
    limit = CarrierLimit(batch_size=1, calls_per_second=0.2, burst=1)  # 1 call per 5 s
    plan = plan_polls(targets, NOW, limits={"dhl": limit}, horizon=timedelta(seconds=10))
    assert [b.not_before - NOW for b in plan.batches] == [
        timedelta(0), timedelta(seconds=5), timedelta(seconds=10),
    ]  # fmt: skip
    assert [t.tracking_number for t in plan.deferred] == ["D3", "D4"]
    assert plan.buckets["dhl"].tokens == pytest.approx(0.0)


def test_bucket_state_carries_over_between_runs():
    limit = CarrierLimit(batch_size=1, calls_per_second=1, burst=2)
    empty = {"usps": Bucket(0.0, NOW - timedelta(seconds=1))}  # refilled to 1 token by NOW
    plan = plan_polls(
        [target("A", "usps", polled=None), target("B", "usps", polled=None)],
        NOW,
        limits={"usps": limit},
        buckets=empty,
    )
    assert [b.not_before - NOW for b in plan.batches] == [timedelta(0), timedelta(seconds=1)]


def test_unknown_carrier_gets_a_conservative_default_limit():
    plan = plan_polls([target("X1", "yunexpress", polled=None)], NOW)
    assert [(b.carrier, b.numbers) for b in plan.batches] == [("yunexpress", ("X1",))]


def test_plan_is_deterministic_whatever_the_input_order():
    targets = [target(f"F{i}", "fedex", polled=None) for i in range(40)]
    assert plan_polls(targets, NOW).batches == plan_polls(targets[::-1], NOW).batches


statuses = st.sampled_from(list(Status))
offsets = st.one_of(st.none(), st.integers(min_value=0, max_value=60 * 24 * 150))


@given(
    st.lists(
        st.tuples(st.sampled_from(["usps", "ups", "fedex", "dhl_parcel", "x"]), statuses,
                  st.integers(0, 60 * 24 * 150), offsets, offsets),
        max_size=60,
    ),
    st.integers(0, 600),
)  # fmt: skip
@settings(max_examples=150)
def test_plan_properties(rows, horizon_s):
    targets = [
        PollTarget(
            f"N{i}",
            carrier,
            status,
            NOW - timedelta(minutes=age),
            None if idle is None else NOW - timedelta(minutes=idle),
            None if polled is None else NOW - timedelta(minutes=polled),
        )
        for i, (carrier, status, age, idle, polled) in enumerate(rows)
    ]
    plan = plan_polls(targets, NOW, horizon=timedelta(seconds=horizon_s))
    due = {d.target.tracking_number for d in plan.decisions if d.due}
    sent = [n for b in plan.batches for n in b.numbers]
    deferred = [t.tracking_number for t in plan.deferred]
    assert sorted(sent + deferred) == sorted(due)  # every due number exactly once
    terminal = {t.tracking_number for t in targets if t.status in TERMINAL_STATUSES}
    assert not terminal & set(sent)
    for batch in plan.batches:
        assert len(batch.numbers) <= DEFAULT_LIMITS.get(batch.carrier, CarrierLimit()).batch_size
        assert NOW <= batch.not_before <= NOW + timedelta(seconds=horizon_s)
