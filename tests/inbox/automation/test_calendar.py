"""Business-hours calendars: weekly hours, time zones, DST transitions and public holidays."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from linkstar.inbox.core.automation.calendar import (
    BusinessCalendar,
    add_business_hours,
    business_hours_between,
    is_open,
)

WEEKDAYS_9_17 = {d: [("09:00", "17:00")] for d in ("mon", "tue", "wed", "thu", "fri")}
BERLIN = BusinessCalendar.from_spec(
    {"timezone": "Europe/Berlin", "weekly": WEEKDAYS_9_17, "holiday_country": "DE"}
)
NEW_YORK = BusinessCalendar.from_spec(
    {"timezone": "America/New_York", "weekly": WEEKDAYS_9_17, "holiday_country": "US"}
)
SPLIT = BusinessCalendar.from_spec(
    {
        "timezone": "Asia/Shanghai",
        "weekly": {
            "mon": [("09:00", "12:00"), ("13:00", "18:00")],
            "sat": [("10:00", "14:00")],
        },
        "closed": ["2026-12-07"],
    }
)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("calendar", "start", "hours", "expected"),
    [
        # Thursday 16:00 Berlin (CET) + 4 h: 1 h Thu, Fri 25 + Sat 26 Dec are holidays/weekend.
        (BERLIN, utc(2026, 12, 24, 15), 4, utc(2026, 12, 28, 11)),
        # Before opening: the clock starts at 09:00 local.
        (BERLIN, utc(2026, 12, 1, 5), 2, utc(2026, 12, 1, 10)),
        # Exactly one working day.
        (BERLIN, utc(2026, 12, 1, 8), 8, utc(2026, 12, 1, 16)),
        # Friday 16:00 CET + 3 h crosses the spring-forward weekend: Monday 09:00 CEST = 07 UTC.
        (BERLIN, utc(2026, 3, 27, 15), 3, utc(2026, 3, 30, 9)),
        # Friday before the autumn change (CEST) to Monday after (CET).
        (BERLIN, utc(2026, 10, 23, 14), 2, utc(2026, 10, 26, 9)),
        # New York: Thanksgiving (26 Nov 2026) is a holiday; Wednesday 16:00 EST + 2 h.
        (NEW_YORK, utc(2026, 11, 25, 21), 2, utc(2026, 11, 27, 15)),
        # New York DST starts 8 Mar 2026: Friday 16:00 EST + 2 h = Monday 10:00 EDT = 14 UTC.
        (NEW_YORK, utc(2026, 3, 6, 21), 2, utc(2026, 3, 9, 14)),
        # Split day with a lunch break (Shanghai, no DST): Mon 11:00 + 2 h = 14:00 local.
        (SPLIT, utc(2026, 11, 30, 3), 2, utc(2026, 11, 30, 6)),
        # Monday 7 Dec is an extra closed date: Sat 5 Dec 13:00 + 2 h runs to Sat 12 Dec 11:00.
        (SPLIT, utc(2026, 12, 5, 5), 2, utc(2026, 12, 12, 3)),
        # Zero hours at a closed moment stays put.
        (BERLIN, utc(2026, 12, 6, 12), 0, utc(2026, 12, 6, 12)),
        # Continuous calendar: plain hours, weekends included.
        (BusinessCalendar.always(), utc(2026, 12, 5, 12), 24, utc(2026, 12, 6, 12)),
    ],
)
def test_add_business_hours(
    calendar: BusinessCalendar, start: datetime, hours: float, expected: datetime
) -> None:
    assert add_business_hours(calendar, start, hours) == expected


@pytest.mark.parametrize(
    ("calendar", "start", "end", "hours"),
    [
        (BERLIN, utc(2026, 12, 24, 15), utc(2026, 12, 28, 11), 4.0),
        (BERLIN, utc(2026, 12, 5, 0), utc(2026, 12, 7, 0), 0.0),  # a weekend
        (BERLIN, utc(2026, 12, 7, 0), utc(2026, 12, 14, 0), 40.0),  # a full week
        (BERLIN, utc(2026, 12, 21, 0), utc(2026, 12, 28, 0), 32.0),  # Christmas Day off
        (BERLIN, utc(2026, 3, 23, 0), utc(2026, 3, 30, 12), 45.0),  # to Mon 14:00 CEST
        (NEW_YORK, utc(2026, 11, 23, 0), utc(2026, 11, 28, 0), 32.0),  # Thanksgiving week
        (SPLIT, utc(2026, 11, 30, 0), utc(2026, 12, 1, 0), 8.0),
        (BERLIN, utc(2026, 12, 1, 10), utc(2026, 12, 1, 9), -1.0),  # reversed: negative
    ],
)
def test_business_hours_between(
    calendar: BusinessCalendar, start: datetime, end: datetime, hours: float
) -> None:
    assert business_hours_between(calendar, start, end) == pytest.approx(hours)


@pytest.mark.parametrize(
    ("at", "open_"),
    [
        (utc(2026, 12, 1, 8), True),  # 09:00 Berlin
        (utc(2026, 12, 1, 16), False),  # 17:00 Berlin: closed (end exclusive)
        (utc(2026, 12, 25, 10), False),  # Christmas Day
        (utc(2026, 12, 5, 10), False),  # Saturday
        (utc(2026, 7, 1, 7), True),  # 09:00 CEST
        (utc(2026, 7, 1, 6, 59), False),
    ],
)
def test_is_open(at: datetime, open_: bool) -> None:
    assert is_open(BERLIN, at) is open_


def test_holidays_follow_the_subdivision() -> None:
    bavaria = BusinessCalendar.from_spec(
        {
            "timezone": "Europe/Berlin",
            "weekly": WEEKDAYS_9_17,
            "holiday_country": "DE",
            "holiday_subdivision": "BY",
        }
    )
    epiphany = date(2026, 1, 6)  # a holiday in Bavaria, not in Berlin
    assert bavaria.is_closed_day(epiphany) and not BERLIN.is_closed_day(epiphany)


def test_a_24_00_end_covers_the_whole_day() -> None:
    cal = BusinessCalendar.from_spec(
        {"timezone": "Europe/Berlin", "weekly": {"sun": [("00:00", "24:00")]}}
    )
    # The spring-forward Sunday has 23 hours, the autumn one 25.
    assert business_hours_between(cal, utc(2026, 3, 28), utc(2026, 3, 30)) == 23.0
    assert business_hours_between(cal, utc(2026, 10, 24), utc(2026, 10, 26)) == 25.0


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"timezone": "Mars/Base", "weekly": WEEKDAYS_9_17}, "unknown time zone"),
        ({"weekly": {}}, "at least one weekday"),
        ({"weekly": {"funday": [("09:00", "10:00")]}}, "unknown weekday"),
        ({"weekly": {"mon": [("10:00", "09:00")]}}, "ends before it starts"),
        ({"weekly": {"mon": [("9:00", "10:00")]}}, "HH:MM"),
        ({"weekly": {"mon": [("09:00", "12:00"), ("11:00", "13:00")]}}, "overlap"),
        ({"weekly": WEEKDAYS_9_17, "holiday_country": "ZZ"}, "ZZ"),
    ],
)
def test_bad_calendars_are_rejected_with_a_reason(spec: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        BusinessCalendar.from_spec(spec)
    assert message in str(caught.value)


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        add_business_hours(BERLIN, datetime(2026, 12, 1, 9), 1)


@settings(max_examples=150)
@given(
    st.integers(0, 400 * 24 * 4).map(lambda q: utc(2026, 1, 1) + timedelta(minutes=15 * q)),
    st.integers(0, 200).map(lambda q: q / 4),
)
def test_adding_then_measuring_gives_back_the_hours(start: datetime, hours: float) -> None:
    end = add_business_hours(BERLIN, start, hours)
    assert end >= start
    assert business_hours_between(BERLIN, start, end) == pytest.approx(hours)
