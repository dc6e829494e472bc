"""SLA state per channel and the thread timers (follow-up, auto-close, idle, snooze)."""

from datetime import UTC, datetime, timedelta

import pytest

from linkstar.inbox.core.automation.calendar import BusinessCalendar
from linkstar.inbox.core.automation.sla import (
    SlaState,
    SlaTarget,
    ThreadTimes,
    TimerPolicy,
    next_timer,
    sla_status,
    thread_timers,
)

CAL = BusinessCalendar.from_spec(
    {
        "timezone": "Europe/Berlin",
        "weekly": {d: [("09:00", "17:00")] for d in ("mon", "tue", "wed", "thu", "fri")},
        "holiday_country": "DE",
    }
)
FRIDAY_4PM = datetime(2026, 12, 4, 15, tzinfo=UTC)  # 16:00 Berlin
AMAZON = SlaTarget(hours=24, basis="calendar")
EBAY = SlaTarget(hours=24, basis="business")


@pytest.mark.parametrize(
    ("target", "now", "state", "due"),
    [
        # Amazon: 24 calendar hours, weekend included; due soon after 18 h.
        (AMAZON, FRIDAY_4PM + timedelta(hours=17), SlaState.ok, datetime(2026, 12, 5, 15)),
        (AMAZON, FRIDAY_4PM + timedelta(hours=18), SlaState.due_soon, datetime(2026, 12, 5, 15)),
        (AMAZON, FRIDAY_4PM + timedelta(hours=24), SlaState.overdue, datetime(2026, 12, 5, 15)),
        # eBay: 24 business hours = 1 h Fri + 8 Mon + 8 Tue + 7 Wed → Wed 16:00 Berlin.
        (EBAY, FRIDAY_4PM + timedelta(days=3), SlaState.ok, datetime(2026, 12, 9, 15)),
        (EBAY, datetime(2026, 12, 9, 11, tzinfo=UTC), SlaState.due_soon, datetime(2026, 12, 9, 15)),
        (EBAY, datetime(2026, 12, 9, 15, tzinfo=UTC), SlaState.overdue, datetime(2026, 12, 9, 15)),
    ],
)
def test_sla_state(target: SlaTarget, now: datetime, state: SlaState, due: datetime) -> None:
    status = sla_status(FRIDAY_4PM, now, target, CAL)
    assert status.state is state
    assert status.due_at == due.replace(tzinfo=UTC)


def test_remaining_hours_count_in_the_targets_basis() -> None:
    # Saturday noon: an eBay message from Friday 16:00 still has 23 business hours left.
    status = sla_status(FRIDAY_4PM, datetime(2026, 12, 5, 11, tzinfo=UTC), EBAY, CAL)
    assert status.remaining_hours == 23.0
    late = sla_status(FRIDAY_4PM, datetime(2026, 12, 6, 15, tzinfo=UTC), AMAZON, CAL)
    assert late.remaining_hours == -24.0


def test_timers_of_a_thread_waiting_for_our_reply() -> None:
    thread = ThreadTimes("t1", "amazon", "open", FRIDAY_4PM, awaiting_reply_since=FRIDAY_4PM)
    policy = TimerPolicy(idle_thresholds_business_hours=[8])
    timers = thread_timers(thread, policy, CAL)
    assert [(t.kind, t.at) for t in timers] == [
        ("sla_due_soon", datetime(2026, 12, 5, 9, tzinfo=UTC)),
        ("sla_overdue", datetime(2026, 12, 5, 15, tzinfo=UTC)),
        ("idle", datetime(2026, 12, 7, 15, tzinfo=UTC)),  # 1 h Fri + 7 h Mon → Mon 16:00 Berlin
    ]
    assert timers[2].key == "t1:idle:8:2026-12-07T15:00:00+00:00"


def test_follow_up_and_auto_close_when_waiting_for_the_buyer() -> None:
    thread = ThreadTimes("t2", "ebay", "open", FRIDAY_4PM, last_outbound_at=FRIDAY_4PM)
    policy = TimerPolicy(follow_up_business_hours=9, auto_close_idle_days=7)
    timers = thread_timers(thread, policy, CAL)
    assert [(t.kind, t.at) for t in timers] == [
        ("follow_up", datetime(2026, 12, 7, 16, tzinfo=UTC)),  # 1 h Fri + 8 h Mon → Mon 17:00
        ("auto_close", datetime(2026, 12, 11, 15, tzinfo=UTC)),
    ]
    done = ThreadTimes(
        "t2", "ebay", "open", FRIDAY_4PM, last_outbound_at=FRIDAY_4PM, follow_ups_sent=1
    )
    assert [t.kind for t in thread_timers(done, policy, CAL)] == ["auto_close"]


def test_snoozed_and_closed_threads() -> None:
    until = FRIDAY_4PM + timedelta(hours=5)
    snoozed = ThreadTimes("t3", "email", "snoozed", FRIDAY_4PM, snoozed_until=until)
    policy = TimerPolicy(auto_close_idle_days=None, follow_up_business_hours=None)
    assert [(t.kind, t.at) for t in thread_timers(snoozed, policy, CAL)] == [("snooze_end", until)]
    closed = ThreadTimes("t4", "email", "closed", FRIDAY_4PM, awaiting_reply_since=FRIDAY_4PM)
    assert thread_timers(closed, policy, CAL) == []


def test_next_timer_survives_a_restart_by_recomputation() -> None:
    thread = ThreadTimes("t5", "amazon", "open", FRIDAY_4PM, awaiting_reply_since=FRIDAY_4PM)
    policy = TimerPolicy()
    first = next_timer(thread, policy, CAL, FRIDAY_4PM)
    assert first is not None and first.kind == "sla_due_soon"
    # After a restart the same state gives the same timers (same keys: the job dedupes).
    later = next_timer(thread, policy, CAL, first.at + timedelta(minutes=1))
    assert later is not None and later.kind == "sla_overdue"
    assert next_timer(thread, policy, CAL, FRIDAY_4PM + timedelta(days=30)) is None


def test_unknown_channel_has_no_sla_timer() -> None:
    thread = ThreadTimes("t6", "fax", "open", FRIDAY_4PM, awaiting_reply_since=FRIDAY_4PM)
    assert thread_timers(thread, TimerPolicy(), CAL) == []
