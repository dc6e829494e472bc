"""The event time horizon (`core.horizon`): a time more than two days after receipt is late."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from linkstar.tracking.core.columns import micros_of
from linkstar.tracking.core.horizon import HORIZON, future_reason, late

RECEIVED = datetime(2026, 12, 6, 12, 0, 30, 500, tzinfo=UTC)


def test_late_is_strictly_more_than_two_days_after_receipt():
    times = [
        datetime(2025, 1, 1, tzinfo=UTC),
        RECEIVED + HORIZON,  # exactly two days: accepted
        RECEIVED + HORIZON + timedelta(microseconds=1),
        datetime(2027, 1, 6, tzinfo=UTC),  # next month
        datetime(9999, 12, 31, 23, 59, tzinfo=UTC),
    ]
    assert late(micros_of(times), RECEIVED).tolist() == [False, False, True, True, True]
    assert late(np.zeros(0, dtype=np.int64), RECEIVED).tolist() == []


def test_the_reason_names_the_time_and_the_receipt():
    (micros,) = micros_of([datetime(9999, 12, 31, 23, 59, tzinfo=UTC)]).tolist()
    assert future_reason(micros, RECEIVED) == (
        "event_time 9999-12-31T23:59:00Z is more than 2 days after the event was received "
        "(2026-12-06T12:00:30Z); a carrier cannot scan the future"
    )
