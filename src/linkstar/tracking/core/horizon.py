"""The time horizon of an event: no carrier scans the future.

An event reported more than `HORIZON` after LinkStar received it is refused (that event only,
with a reason naming its time): a year-9999 or next-month time is a broken clock or a typed
date, and stored it would sit at the head of the timeline, fix the shipment's status for weeks
and push every statistic of its lane. Two days, not zero, because a carrier's local time sent
with a wrong offset, a device clock running ahead and the date line can each put an honest
scan up to a day "ahead" of our clock; nothing honest is two days ahead.

Checked on integer epoch microseconds in one numpy comparison, so bulk ingestion pays nothing
per event (`late`); the reason is built only for the rare event refused (`future_reason`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

HORIZON = timedelta(days=2)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


def limit_micros(received: datetime) -> int:
    """The latest event time accepted for events received at `received`, as epoch µs."""
    return (received + HORIZON - _EPOCH) // _US


def late(micros: np.ndarray, received: datetime) -> np.ndarray:
    """Bool mask of the events (epoch µs) more than `HORIZON` after `received`."""
    return micros > limit_micros(received)


def future_reason(event_micros: int, received: datetime) -> str:
    """Why an event was refused: its time, and how far it is past its receipt."""
    when = (_EPOCH + event_micros * _US).isoformat().replace("+00:00", "Z")
    got = received.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    return (
        f"event_time {when} is more than {HORIZON.days} days after the event was received "
        f"({got}); a carrier cannot scan the future"
    )
