"""SLA targets per channel as data, SLA state, and the thread timers as pure computations.

Timers are recomputed from the thread's times whenever it changes; the job layer schedules
each returned `Timer` with `Timer.key` as its idempotency key, so timers survive restarts (a
timer whose moment passed while the server was down is still returned and fires late, once).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from linkstar.inbox.core.automation.calendar import (
    BusinessCalendar,
    add_business_hours,
    business_hours_between,
)


class SlaTarget(BaseModel):
    """Reply within `hours`, counted in calendar hours or in the channel's business hours."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    hours: Annotated[float, Field(gt=0, le=24 * 30)]
    basis: Literal["calendar", "business"] = "business"
    # "due soon" once less than this share of the target remains.
    due_soon_fraction: Annotated[float, Field(gt=0, lt=1)] = 0.25
    # Which of the workspace's calendars counts business hours (ignored for "calendar").
    calendar: Annotated[str, Field(pattern=r"^[a-z0-9_-]{1,40}$")] = "default"


# Defaults, editable per workspace: Amazon counts 24 h including weekends and holidays; the
# other channels get one business day (8 business hours) of the workspace's calendar.
DEFAULT_SLA: Mapping[str, SlaTarget] = {
    "amazon": SlaTarget(hours=24, basis="calendar"),
    "ebay": SlaTarget(hours=8, basis="business"),
    "tiktok": SlaTarget(hours=8, basis="business"),
    "email": SlaTarget(hours=8, basis="business"),
    "shopify": SlaTarget(hours=8, basis="business"),
    "website": SlaTarget(hours=8, basis="business"),
}


class SlaState(StrEnum):
    ok = "ok"
    due_soon = "due_soon"
    overdue = "overdue"


@dataclass(frozen=True, slots=True)
class SlaStatus:
    state: SlaState
    due_at: datetime
    due_soon_at: datetime
    remaining_hours: float  # in the target's basis; negative when overdue


def _clock(target: SlaTarget, calendar: BusinessCalendar) -> BusinessCalendar:
    return BusinessCalendar.always() if target.basis == "calendar" else calendar


def sla_deadlines(
    received_at: datetime, target: SlaTarget, calendar: BusinessCalendar
) -> tuple[datetime, datetime]:
    """(due soon at, due at) for a message received at `received_at`."""
    clock = _clock(target, calendar)
    due = add_business_hours(clock, received_at, target.hours)
    soon = add_business_hours(clock, received_at, target.hours * (1 - target.due_soon_fraction))
    return soon, due


def sla_status(
    received_at: datetime, now: datetime, target: SlaTarget, calendar: BusinessCalendar
) -> SlaStatus:
    """SLA state of an unanswered message at `now` (for an answered one pass the reply time)."""
    soon, due = sla_deadlines(received_at, target, calendar)
    clock = _clock(target, calendar)
    remaining = business_hours_between(clock, now, due)
    if now >= due:
        state = SlaState.overdue
    elif now >= soon:
        state = SlaState.due_soon
    else:
        state = SlaState.ok
    return SlaStatus(state, due, soon, remaining)


class TimerPolicy(BaseModel):
    """Follow-up and auto-close settings for a workspace or channel."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    follow_up_business_hours: Annotated[float, Field(gt=0)] | None = 48
    max_follow_ups: Annotated[int, Field(ge=0, le=10)] = 1
    auto_close_idle_days: Annotated[float, Field(gt=0)] | None = 7
    idle_thresholds_business_hours: list[Annotated[float, Field(gt=0)]] = Field(
        default_factory=list
    )


@dataclass(frozen=True, slots=True)
class ThreadTimes:
    """The times of a thread that timers depend on."""

    thread_id: str
    channel: str
    status: Literal["open", "snoozed", "closed"]
    last_activity_at: datetime
    awaiting_reply_since: datetime | None = None  # oldest unanswered buyer message
    last_outbound_at: datetime | None = None  # our last reply, when the buyer has not answered
    follow_ups_sent: int = 0
    snoozed_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class Timer:
    kind: Literal["sla_due_soon", "sla_overdue", "snooze_end", "follow_up", "auto_close", "idle"]
    at: datetime
    thread_id: str
    detail: float | None = None  # the idle threshold in business hours, for `idle`

    @property
    def key(self) -> str:
        """Idempotency key for the job that fires this timer."""
        suffix = f":{self.detail:g}" if self.detail is not None else ""
        return f"{self.thread_id}:{self.kind}{suffix}:{self.at.isoformat()}"


def thread_timers(
    thread: ThreadTimes,
    policy: TimerPolicy,
    calendar: BusinessCalendar,
    sla: Mapping[str, SlaTarget] = DEFAULT_SLA,
) -> list[Timer]:
    """Every timer the thread's current state implies, earliest first."""
    if thread.status == "closed":
        return []
    out: list[Timer] = []
    tid = thread.thread_id
    if thread.status == "snoozed" and thread.snoozed_until is not None:
        out.append(Timer("snooze_end", thread.snoozed_until, tid))
    target = sla.get(thread.channel)
    if thread.awaiting_reply_since is not None and target is not None:
        soon, due = sla_deadlines(thread.awaiting_reply_since, target, calendar)
        out += [Timer("sla_due_soon", soon, tid), Timer("sla_overdue", due, tid)]
    if thread.awaiting_reply_since is None and thread.last_outbound_at is not None:
        hours = policy.follow_up_business_hours
        if hours is not None and thread.follow_ups_sent < policy.max_follow_ups:
            at = add_business_hours(calendar, thread.last_outbound_at, hours)
            out.append(Timer("follow_up", at, tid))
        if policy.auto_close_idle_days is not None:
            at = thread.last_activity_at + timedelta(days=policy.auto_close_idle_days)
            out.append(Timer("auto_close", at, tid))
    for threshold in sorted(set(policy.idle_thresholds_business_hours)):
        at = add_business_hours(calendar, thread.last_activity_at, threshold)
        out.append(Timer("idle", at, tid, threshold))
    return sorted(out, key=lambda t: (t.at, t.kind))


def next_timer(
    thread: ThreadTimes,
    policy: TimerPolicy,
    calendar: BusinessCalendar,
    now: datetime,
    sla: Mapping[str, SlaTarget] = DEFAULT_SLA,
) -> Timer | None:
    """The first timer at or after `now` (None when nothing is pending)."""
    return next((t for t in thread_timers(thread, policy, calendar, sla) if t.at >= now), None)
