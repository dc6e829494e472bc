"""Ledger arithmetic and the publishing formula: pure, no database."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from linkstar.inventory.core import (
    Counters,
    LedgerKind,
    Move,
    StorePolicy,
    apply,
    drifts,
    move,
    published_quantity,
    replay,
)
from linkstar.kit.errors import InvalidInput


@pytest.mark.parametrize(
    ("kind", "qty", "deltas"),
    [
        (LedgerKind.receipt, 5, (5, 0)),
        (LedgerKind.return_, 2, (2, 0)),
        (LedgerKind.transfer_in, 3, (3, 0)),
        (LedgerKind.transfer_out, 3, (-3, 0)),
        (LedgerKind.adjustment, -4, (-4, 0)),
        (LedgerKind.adjustment, 4, (4, 0)),
        (LedgerKind.allocation, 6, (0, 6)),
        (LedgerKind.release, 6, (0, -6)),
        (LedgerKind.shipment, 6, (-6, -6)),
    ],
)
def test_each_kind_moves_the_right_counters(kind, qty, deltas):
    step = move(kind, qty)
    assert (step.on_hand_delta, step.allocated_delta) == deltas
    assert step.kind is kind


@pytest.mark.parametrize("kind", [k for k in LedgerKind if k is not LedgerKind.adjustment])
def test_only_adjustments_may_be_negative(kind):
    with pytest.raises(InvalidInput, match="positive quantity"):
        move(kind, -1)


@pytest.mark.parametrize("kind", list(LedgerKind))
def test_zero_moves_are_refused(kind):
    with pytest.raises(InvalidInput, match="non-zero"):
        move(kind, 0)


@pytest.mark.parametrize(
    ("start", "kind", "qty", "message"),
    [
        (Counters(3, 0), LedgerKind.adjustment, -4, "on_hand=-1"),
        (Counters(5, 5), LedgerKind.allocation, 1, "allocated=6"),
        (Counters(5, 2), LedgerKind.release, 3, "allocated=-1"),
        (Counters(5, 4), LedgerKind.transfer_out, 2, "on_hand=3, allocated=4"),
        (Counters(5, 1), LedgerKind.shipment, 2, "allocated=-1"),
    ],
)
def test_apply_refuses_moves_that_break_the_invariant(start, kind, qty, message):
    with pytest.raises(InvalidInput, match=message):
        apply(start, move(kind, qty))


def test_apply_and_available():
    c = apply(Counters(), move(LedgerKind.receipt, 10))
    c = apply(c, move(LedgerKind.allocation, 4))
    assert c == Counters(10, 4)
    assert c.available() == 6
    assert c.available(safety_stock=5) == 1
    assert c.available(safety_stock=9) == 0  # never below zero
    c = apply(c, move(LedgerKind.shipment, 4))
    assert c == Counters(6, 0)


_kinds = st.sampled_from(list(LedgerKind))


@given(st.lists(st.tuples(_kinds, st.integers(1, 50)), max_size=60))
def test_applying_valid_moves_equals_replaying_the_ledger(steps):
    """Whatever sequence is attempted, the kept entries replay to the counters, always valid."""
    counters, kept = Counters(), []
    for kind, qty in steps:
        entry = move(kind, -qty if kind is LedgerKind.adjustment and qty % 3 == 0 else qty)
        try:
            counters = apply(counters, entry)
        except InvalidInput:
            continue
        kept.append(entry)
        assert counters.is_valid()
        assert counters.available() >= 0
    assert replay(kept) == counters


def test_drifts_lists_only_disagreeing_keys():
    stored = {
        ("s1", "w1"): Counters(10, 2),
        ("s2", "w1"): Counters(5, 0),
        ("s3", "w1"): Counters(1, 0),
    }
    derived = {
        ("s1", "w1"): Counters(10, 2),
        ("s2", "w1"): Counters(4, 0),
        ("s4", "w2"): Counters(7, 0),
    }
    found = drifts(stored, derived)
    assert [(d.key, d.on_hand_drift, d.allocated_drift) for d in found] == [
        (("s2", "w1"), 1, 0),
        (("s3", "w1"), 1, 0),
        (("s4", "w2"), -7, 0),
    ]


def test_replay_from_a_start():
    assert replay([Move(LedgerKind.receipt, 3, 0)], Counters(2, 1)) == Counters(5, 1)


@pytest.mark.parametrize(
    ("available", "policy", "listed"),
    [
        (100, StorePolicy(), 100),
        (100, StorePolicy(max_listed=30), 30),
        (100, StorePolicy(percent_of_available=50), 50),
        (7, StorePolicy(percent_of_available=50), 3),  # floored: never list a missing unit
        (4, StorePolicy(stop_selling_below=5), 0),
        (5, StorePolicy(stop_selling_below=5), 5),
        (100, StorePolicy(max_listed=40, percent_of_available=30), 30),
        (100, StorePolicy(max_listed=20, percent_of_available=30), 20),
        (0, StorePolicy(), 0),
        (-3, StorePolicy(), 0),
        (10, StorePolicy(percent_of_available=0), 0),
        (10, StorePolicy(max_listed=0), 0),
    ],
)
def test_published_quantity(available, policy, listed):
    assert published_quantity(available, policy) == listed


@given(
    st.integers(-10, 10_000),
    st.one_of(st.none(), st.integers(0, 5_000)),
    st.integers(0, 500),
    st.integers(0, 100),
)
def test_published_never_exceeds_available_or_cap(available, cap, stop, pct):
    q = published_quantity(available, StorePolicy(cap, stop, pct))
    assert 0 <= q <= max(available, 0)
    if cap is not None:
        assert q <= cap
    if available < stop:
        assert q == 0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"max_listed": -1}, "max_listed"),
        ({"stop_selling_below": -1}, "stop_selling_below"),
        ({"percent_of_available": 101}, "percent_of_available"),
        ({"percent_of_available": -1}, "percent_of_available"),
    ],
)
def test_store_policy_validation(kwargs, field):
    with pytest.raises(InvalidInput) as err:
        StorePolicy(**kwargs)
    assert err.value.details == {"field": field}
