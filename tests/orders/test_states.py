"""The order state machine: allowed edges, terminal states, holds."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from linkstar.kit.errors import InvalidInput
from linkstar.orders.core.states import (
    FLOW,
    TERMINAL,
    TRANSITIONS,
    Hold,
    InvalidTransition,
    OrderHeld,
    OrderState,
    add_hold,
    holds_from_json,
    holds_to_json,
    release,
    transition,
)

S = OrderState
AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(("current", "target"), list(itertools.pairwise(FLOW)))
def test_the_happy_path_advances_one_step_at_a_time(current, target):
    assert transition(current, target) is target


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.NEW, S.ALLOCATED),  # skipping the address check
        (S.CHECKED, S.LABEL_CREATED),
        (S.SHIPPED, S.CANCELLED),  # too late to cancel: it is a return now
        (S.DELIVERED, S.SHIPPED),
        (S.NEW, S.RETURNED),
    ],
)
def test_skipping_or_going_back_in_time_is_refused(current, target):
    with pytest.raises(InvalidTransition) as err:
        transition(current, target)
    assert err.value.details["from"] == current.value
    assert err.value.details["allowed"] == sorted(s.value for s in TRANSITIONS[current])


@pytest.mark.parametrize("terminal", sorted(TERMINAL))
@pytest.mark.parametrize("target", list(OrderState))
def test_terminal_states_go_nowhere(terminal, target):
    with pytest.raises(InvalidTransition, match="no further transitions"):
        transition(terminal, target)


@pytest.mark.parametrize("state", [S.NEW, S.CHECKED, S.ALLOCATED, S.ROUTED, S.LABEL_CREATED])
def test_everything_before_shipping_can_be_cancelled(state):
    assert transition(state, S.CANCELLED) is S.CANCELLED


@pytest.mark.parametrize("state", [S.SHIPPED, S.DELIVERED, S.EXCEPTION])
def test_shipped_orders_can_come_back(state):
    assert transition(state, S.RETURNED) is S.RETURNED


def test_exception_can_resume_the_flow():
    for state in (S.CHECKED, S.ROUTED, S.SHIPPED):
        assert transition(S.EXCEPTION, state) is state


def test_a_held_order_does_not_advance_but_can_be_cancelled():
    holds, _ = add_hold((), "address", "ZIP does not match the city", AT)
    with pytest.raises(OrderHeld) as err:
        transition(S.NEW, S.CHECKED, holds)
    assert err.value.details == {"holds": ["address"], "to": "checked"}
    assert transition(S.NEW, S.CANCELLED, holds) is S.CANCELLED
    assert transition(S.CHECKED, S.EXCEPTION, holds) is S.EXCEPTION


def test_one_hold_per_reason_and_release_by_reason_or_all():
    holds, added = add_hold((), "address", "bad ZIP", AT)
    holds, again = add_hold(holds, "ADDRESS ", "twice", AT)
    assert (added, again, len(holds)) == (True, False, 1)
    holds, _ = add_hold(holds, "fraud_check", "new buyer, high value", AT)
    kept, gone = release(holds, "address")
    assert [h.reason for h in kept] == ["fraud_check"] and [h.reason for h in gone] == ["address"]
    kept, gone = release(holds)
    assert kept == () and len(gone) == 2
    assert release(holds, "stock")[1] == []


@pytest.mark.parametrize("reason", ["", "Has Space", "9lives", "x" * 41, "semi;colon"])
def test_hold_reasons_are_codes(reason):
    with pytest.raises(InvalidInput, match="hold reason"):
        add_hold((), reason, "", AT)


def test_holds_round_trip_through_json():
    holds = (Hold("address", "bad ZIP", AT), Hold("fraud_check", "", AT))
    assert holds_from_json(holds_to_json(holds)) == holds
    assert holds_to_json(holds)[0] == {
        "reason": "address",
        "detail": "bad ZIP",
        "since": "2026-12-01T09:00:00+00:00",
    }
