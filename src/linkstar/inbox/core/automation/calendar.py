"""Business-hours calendars (weekly hours, time zone, public holidays) and business-time maths.

A calendar says when a team works: per weekday a list of [start, end) local times, a time
zone (zoneinfo, so DST is handled by converting each local interval to UTC), a country (and
optional subdivision) whose public holidays from the `holidays` package are closed days, and
extra closed dates. A `continuous` calendar counts every hour (Amazon's 24 h including
weekends). All inputs and outputs are timezone-aware; results are UTC.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$|^24:00$")
# How far ahead business-time maths searches before declaring a calendar never open.
MAX_SEARCH_DAYS = 3 * 366


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


class CalendarSpec(BaseModel):
    """A calendar as stored (JSON): weekly hours "HH:MM" per weekday, zone, holidays."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    timezone: Annotated[str, Field(min_length=1, max_length=64)] = "UTC"
    weekly: dict[str, list[tuple[str, str]]] = Field(default_factory=dict)
    holiday_country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] | None = None
    holiday_subdivision: Annotated[str, Field(max_length=10)] | None = None
    closed: list[date] = Field(default_factory=list)
    continuous: bool = False

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("weekly")
    @classmethod
    def _hours(cls, value: dict[str, list[tuple[str, str]]]) -> dict[str, list[tuple[str, str]]]:
        for day, intervals in value.items():
            if day not in WEEKDAYS:
                raise ValueError(f"unknown weekday {day!r}; one of {', '.join(WEEKDAYS)}")
            previous_end = -1
            for start, end in sorted(intervals):
                if not _CLOCK.match(start) or not _CLOCK.match(end):
                    raise ValueError(f"{day}: times are HH:MM (00:00-24:00), got {start}-{end}")
                if _minutes(start) >= _minutes(end):
                    raise ValueError(f"{day}: {start}-{end} ends before it starts")
                if _minutes(start) < previous_end:
                    raise ValueError(f"{day}: intervals overlap")
                previous_end = _minutes(end)
        return value

    @model_validator(mode="after")
    def _open_sometime(self) -> CalendarSpec:
        if not self.continuous and not any(self.weekly.get(d) for d in WEEKDAYS):
            raise ValueError("a calendar needs opening hours on at least one weekday")
        if self.holiday_country is not None:
            try:
                holidays.country_holidays(self.holiday_country, subdiv=self.holiday_subdivision)
            except NotImplementedError as exc:
                raise ValueError(str(exc)) from exc
        return self


@dataclass(frozen=True, slots=True)
class BusinessCalendar:
    """Working hours as minutes since local midnight per weekday (0 = Monday)."""

    zone: ZoneInfo
    weekly: tuple[tuple[tuple[int, int], ...], ...]  # 7 entries
    holiday_country: str | None = None
    holiday_subdivision: str | None = None
    closed: frozenset[date] = field(default_factory=frozenset)
    continuous: bool = False

    @classmethod
    def from_spec(cls, spec: CalendarSpec | Mapping[str, Any]) -> BusinessCalendar:
        """A calendar from its validated JSON form."""
        s = spec if isinstance(spec, CalendarSpec) else CalendarSpec.model_validate(spec)
        weekly = tuple(
            tuple(sorted((_minutes(a), _minutes(b)) for a, b in s.weekly.get(day, [])))
            for day in WEEKDAYS
        )
        return cls(
            ZoneInfo(s.timezone),
            weekly,
            s.holiday_country,
            s.holiday_subdivision,
            frozenset(s.closed),
            s.continuous,
        )

    @classmethod
    def always(cls) -> BusinessCalendar:
        """Every hour of every day counts (calendar-hour SLAs)."""
        return cls(ZoneInfo("UTC"), ((),) * 7, continuous=True)

    def is_closed_day(self, day: date) -> bool:
        """Whether the whole local day is a holiday or an extra closed date."""
        if day in self.closed:
            return True
        if self.holiday_country is None:
            return False
        return day in _holidays(self.holiday_country, self.holiday_subdivision, day.year)

    def open_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """The day's working intervals as UTC instants (empty on closed days)."""
        if self.is_closed_day(day):
            return []
        out = []
        midnight = datetime(day.year, day.month, day.day)
        for start, end in self.weekly[day.weekday()]:
            # Local wall-clock times converted one by one, so a DST day is 23 or 25 h long.
            a = (midnight + timedelta(minutes=start)).replace(tzinfo=self.zone).astimezone(UTC)
            b = (midnight + timedelta(minutes=end)).replace(tzinfo=self.zone).astimezone(UTC)
            if b > a:
                out.append((a, b))
        return out

    def local_date(self, at: datetime) -> date:
        """The calendar's local date of an instant."""
        return at.astimezone(self.zone).date()


@lru_cache(maxsize=256)
def _holidays(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, subdiv=subdivision, years=year))


def _aware(at: datetime, name: str) -> datetime:
    if at.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware")
    return at.astimezone(UTC)


def add_business_hours(calendar: BusinessCalendar, start: datetime, hours: float) -> datetime:
    """The instant `hours` working hours after `start` (UTC)."""
    cursor = _aware(start, "start")
    if hours < 0:
        raise ValueError("hours must not be negative")
    remaining = timedelta(hours=hours)
    if calendar.continuous or hours == 0:
        return cursor + remaining
    day = calendar.local_date(cursor) - timedelta(days=1)
    for _ in range(MAX_SEARCH_DAYS):
        for a, b in calendar.open_intervals(day):
            if b <= cursor:
                continue
            begin = max(a, cursor)
            available = b - begin
            if available >= remaining:
                return begin + remaining
            remaining -= available
            cursor = b
        day += timedelta(days=1)
    raise ValueError(f"the calendar has no working hours in {MAX_SEARCH_DAYS} days")


def business_hours_between(calendar: BusinessCalendar, start: datetime, end: datetime) -> float:
    """Working hours from `start` to `end` (negative when `end` is earlier)."""
    a, b = _aware(start, "start"), _aware(end, "end")
    if b < a:
        return -business_hours_between(calendar, b, a)
    if calendar.continuous:
        return (b - a).total_seconds() / 3600
    total = timedelta()
    day = calendar.local_date(a) - timedelta(days=1)
    last = calendar.local_date(b)
    while day <= last:
        for x, y in calendar.open_intervals(day):
            lo, hi = max(x, a), min(y, b)
            if hi > lo:
                total += hi - lo
        day += timedelta(days=1)
    return total.total_seconds() / 3600


def is_open(calendar: BusinessCalendar, at: datetime) -> bool:
    """Whether `at` falls inside working hours."""
    moment = _aware(at, "at")
    if calendar.continuous:
        return True
    day = calendar.local_date(moment)
    return any(
        a <= moment < b
        for d in (day - timedelta(days=1), day)
        for a, b in calendar.open_intervals(d)
    )
