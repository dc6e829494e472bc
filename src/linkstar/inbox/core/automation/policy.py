"""A workspace's inbox settings as one validated document: its business-hours calendars, the
SLA target per channel, the auto-close delay and the approval policy.

Stored as JSON (one row per workspace); a workspace that never saved any gets `InboxSettings()`:
a `default` calendar Monday-Friday 09:00-17:00 UTC (the one timers count in), Amazon 24
calendar hours, every other channel one business day, auto-close after 7 idle days, the
default approval policy.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from linkstar.inbox.core.automation.approval import ApprovalPolicy
from linkstar.inbox.core.automation.calendar import BusinessCalendar, CalendarSpec
from linkstar.inbox.core.automation.sla import DEFAULT_SLA, SlaTarget, sla_deadlines

WEEKDAYS_9_TO_5 = CalendarSpec(
    weekly={d: [("09:00", "17:00")] for d in ("mon", "tue", "wed", "thu", "fri")}
)
# A channel without its own target (a new connector) is owed one business day.
FALLBACK_TARGET = SlaTarget(hours=8, basis="business")
CalendarName = Annotated[str, Field(pattern=r"^[a-z0-9_-]{1,40}$")]
ChannelName = Annotated[str, Field(pattern=r"^[a-z0-9_]{2,20}$")]


class InboxSettings(BaseModel):
    """Everything the inbox's timers and approval queue need to know about one workspace."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    calendars: dict[CalendarName, CalendarSpec] = Field(
        default_factory=lambda: {"default": WEEKDAYS_9_TO_5}, max_length=20
    )
    sla: dict[ChannelName, SlaTarget] = Field(
        default_factory=lambda: dict(DEFAULT_SLA), max_length=40
    )
    # The calendar idle timers and follow-ups count business hours in (one of `calendars`).
    timer_calendar: CalendarName = "default"
    auto_close_idle_days: Annotated[float, Field(gt=0, le=365)] | None = 7
    approval: ApprovalPolicy = Field(default_factory=ApprovalPolicy)

    @model_validator(mode="after")
    def _calendars_exist(self) -> InboxSettings:
        if "default" not in self.calendars:
            raise ValueError("calendars needs one named 'default'")
        if self.timer_calendar not in self.calendars:
            raise ValueError(f"timer_calendar: no calendar named {self.timer_calendar!r}")
        for channel, target in self.sla.items():
            if target.calendar not in self.calendars:
                raise ValueError(f"sla.{channel}: no calendar named {target.calendar!r}")
        return self

    def target_for(self, channel: str) -> SlaTarget:
        """The channel's SLA target (one business day for a channel not listed)."""
        return self.sla.get(channel, FALLBACK_TARGET)

    def calendar_for(self, channel: str) -> BusinessCalendar:
        """The calendar the channel's SLA counts in (every hour for a calendar-hour target)."""
        target = self.target_for(channel)
        if target.basis == "calendar":
            return BusinessCalendar.always()
        return calendar(self.calendars[target.calendar])

    def calendar_of_timers(self) -> BusinessCalendar:
        """The calendar `timer_calendar` names (idle timers and follow-ups count in it)."""
        return calendar(self.calendars[self.timer_calendar])

    def sla_due(self, channel: str, received_at: datetime) -> tuple[datetime, datetime]:
        """(due soon at, due at) of a buyer message on `channel` received at `received_at`."""
        return sla_deadlines(received_at, self.target_for(channel), self.calendar_for(channel))


_CALENDARS: dict[str, BusinessCalendar] = {}


def calendar(spec: CalendarSpec) -> BusinessCalendar:
    """The business calendar of a spec (memoised by its JSON: specs are frozen)."""
    key = spec.model_dump_json()
    found = _CALENDARS.get(key)
    if found is None:
        if len(_CALENDARS) > 256:
            _CALENDARS.clear()
        found = _CALENDARS[key] = BusinessCalendar.from_spec(spec)
    return found


def settings_from(data: Mapping[str, object] | None) -> InboxSettings:
    """Settings from their stored JSON (defaults for a workspace that saved none)."""
    return InboxSettings() if not data else InboxSettings.model_validate(data)
