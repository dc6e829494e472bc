"""Inbox reports: first-response and resolution times, SLA hit rate, volume by intent and by
channel per day or week, and lead conversion, for the threads opened in a date range.

Two scans of the range's threads: one aggregate query for every figure (with percentile_cont
on PostgreSQL; SQLite reads its percentiles by an ordered OFFSET) and one GROUP BY for the
volume, never a loop over threads. On PostgreSQL both are index-only scans of
`ix_inbox_threads_org_created`, which carries the columns they read.

Times are wall-clock hours: workspaces do not store a business-hours calendar yet, and the SLA
verdict already carries each channel's own clock (the first deadline is stored on the thread
when it is opened).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, and_, case, func, select, text
from sqlalchemy.orm import Session

from linkstar.inbox.core.threads import HIGH_VALUE_INTENTS, ThreadStatus
from linkstar.inbox.models import InboxThread
from linkstar.inbox.report_sql import (
    Grain,
    dialect,
    percentiles,
    period_key,
    period_label,
    seconds_between,
    threads_that_ordered,
)
from linkstar.inbox.service import CHANNELS, READ
from linkstar.kit.clock import utcnow
from linkstar.kit.errors import InvalidInput
from linkstar.workspace.core import Principal

MAX_DAYS = 366
DEFAULT_DAYS = 30
LEAD_INTENTS = tuple(sorted(HIGH_VALUE_INTENTS))  # bulk_or_oem_inquiry, price_negotiation
QS = (0.5, 0.9)


def parse_day(value: str, field: str) -> date | None:
    """An ISO date from a form or command line ("" is None); InvalidInput naming `field`."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        reason = f"{field} {value[:40]!r} is not a date (YYYY-MM-DD)"
        raise InvalidInput(reason, {"field": field}) from None


@dataclass(frozen=True)
class ReportRange:
    """Threads opened on the days `start`..`end` (both included, UTC), optionally one channel."""

    start: date
    end: date
    channel: str | None = None
    grain: Grain = "day"
    lead_window_days: int = 14

    @classmethod
    def parse(
        cls,
        start: date | None,
        end: date | None,
        channel: str | None = None,
        grain: str = "day",
        lead_window_days: int = 14,
        today: date | None = None,
    ) -> ReportRange:
        """Defaults (the last 30 days) and checks; InvalidInput names the bad field."""
        end = end or (today or utcnow().date())
        start = start or end - timedelta(days=DEFAULT_DAYS - 1)
        if start > end:
            raise InvalidInput("`from` is after `to`", {"field": "from"})
        if (end - start).days + 1 > MAX_DAYS:
            raise InvalidInput(f"a report covers at most {MAX_DAYS} days", {"field": "to"})
        if channel and channel not in CHANNELS:
            raise InvalidInput(
                f"unknown channel {channel!r}; one of {', '.join(CHANNELS)}", {"field": "channel"}
            )
        if grain not in ("day", "week"):
            raise InvalidInput("grain is day or week", {"field": "grain"})
        if not 1 <= lead_window_days <= 365:
            raise InvalidInput("lead window is 1 to 365 days", {"field": "lead_window_days"})
        return cls(start, end, channel or None, grain, lead_window_days)  # type: ignore[arg-type]

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time(0), UTC)

    @property
    def until(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time(0), UTC)

    def periods(self) -> list[str]:
        """Every day (or week's Monday) label in the range, oldest first."""
        first = self.start
        if self.grain == "week":
            first = self.start - timedelta(days=self.start.weekday())
        step = timedelta(days=7 if self.grain == "week" else 1)
        out, day = [], first
        while day <= self.end:
            out.append(day.isoformat())
            day += step
        return out


@dataclass(frozen=True)
class Timing:
    """Hours from a thread's first message to an event, over the threads that had it."""

    count: int
    p50_hours: float | None
    p90_hours: float | None
    mean_hours: float | None


@dataclass(frozen=True)
class Period:
    label: str
    total: int
    by_intent: dict[str, int]
    by_channel: dict[str, int]


@dataclass(frozen=True)
class InboxReport:
    range: ReportRange
    threads: int
    first_response: Timing
    resolution: Timing
    sla_met: int
    sla_missed: int
    sla_pending: int
    leads: int
    leads_converted: int
    periods: list[Period]
    by_intent: dict[str, int] = field(default_factory=dict)
    by_channel: dict[str, int] = field(default_factory=dict)

    @property
    def sla_hit_rate(self) -> float | None:
        judged = self.sla_met + self.sla_missed
        return self.sla_met / judged if judged else None

    @property
    def lead_conversion(self) -> float | None:
        return self.leads_converted / self.leads if self.leads else None

    def as_dict(self) -> dict[str, Any]:
        """The JSON form (API, CLI)."""
        r = self.range
        return {
            "from": r.start.isoformat(),
            "to": r.end.isoformat(),
            "channel": r.channel,
            "grain": r.grain,
            "threads": self.threads,
            "first_response": _timing(self.first_response),
            "resolution": _timing(self.resolution),
            "sla": {
                "met": self.sla_met,
                "missed": self.sla_missed,
                "pending": self.sla_pending,
                "hit_rate": _round(self.sla_hit_rate),
            },
            "leads": {
                "threads": self.leads,
                "converted": self.leads_converted,
                "conversion": _round(self.lead_conversion),
                "window_days": r.lead_window_days,
            },
            "by_intent": self.by_intent,
            "by_channel": self.by_channel,
            "periods": [
                {
                    "period": p.label,
                    "threads": p.total,
                    "by_intent": p.by_intent,
                    "by_channel": p.by_channel,
                }
                for p in self.periods
            ],
        }


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def _timing(t: Timing) -> dict[str, Any]:
    return {
        "count": t.count,
        "p50_hours": _round(t.p50_hours, 2),
        "p90_hours": _round(t.p90_hours, 2),
        "mean_hours": _round(t.mean_hours, 2),
    }


def _base(actor: Principal, r: ReportRange) -> Select[Any]:
    T = InboxThread
    stmt = select(T.id).where(
        T.organisation_id == actor.organisation_id, T.created_at >= r.since, T.created_at < r.until
    )
    return stmt.where(T.channel == r.channel) if r.channel else stmt


def _hours(value: Any) -> float | None:
    # PostgreSQL's extract() answers a Decimal; SQLite a float.
    return None if value is None else float(value) / 3600


def inbox_report(
    session: Session, actor: Principal, r: ReportRange, *, now: datetime | None = None
) -> InboxReport:
    """The report of the threads opened in the range (all aggregation in SQL)."""
    actor.require(READ)
    now = now or utcnow()
    T, name = InboxThread, dialect(session)
    base = _base(actor, r)
    frt = seconds_between(name, T.first_response_at, T.created_at)
    closed = and_(T.status == ThreadStatus.closed.value, T.closed_at.is_not(None))
    res = case((closed, seconds_between(name, T.closed_at, T.created_at)))
    met = and_(T.first_response_at.is_not(None), T.first_response_at <= T.first_response_due_at)
    unanswered_late = and_(T.first_response_at.is_(None), T.first_response_due_at <= now)
    missed = and_(
        T.first_response_due_at.is_not(None),
        (T.first_response_at > T.first_response_due_at) | unanswered_late,
    )
    pending = and_(T.first_response_at.is_(None), T.first_response_due_at > now)
    lead = T.intent.in_(LEAD_INTENTS)

    def count_if(condition: Any) -> Any:
        return func.count().filter(condition)

    columns = [
        func.count(),
        func.count(T.first_response_at),
        func.avg(frt),
        count_if(closed),
        func.avg(res),
        count_if(met),
        count_if(missed),
        count_if(pending),
        count_if(lead),
    ]
    if name == "postgresql":
        # Report queries are short scans; JIT compiling them costs more than it saves.
        session.execute(text("SET LOCAL jit = off"))
        # Percentiles in the same single scan.
        columns += [func.percentile_cont(q).within_group(v) for v in (frt, res) for q in QS]
    summary = session.execute(base.with_only_columns(*columns)).one()
    if name == "postgresql":
        frt_p, res_p = list(summary[9:11]), list(summary[11:13])
    else:
        frt_p = percentiles(session, base, frt, QS)
        resolved = seconds_between(name, T.closed_at, T.created_at)
        res_p = percentiles(session, base.where(closed), resolved, QS)
    ordered = threads_that_ordered(name, base.where(lead), r.lead_window_days)
    converted = session.scalar(select(func.count()).select_from(ordered.subquery()))
    key = period_key(name, T.created_at, r.grain)
    volume = session.execute(
        base.with_only_columns(key, T.intent, T.channel, func.count()).group_by(
            key, T.intent, T.channel
        )
    ).all()
    periods = {p: Period(p, 0, {}, {}) for p in r.periods()}
    by_intent: dict[str, int] = {}
    by_channel: dict[str, int] = {}
    totals: dict[str, int] = dict.fromkeys(periods, 0)
    for k, intent, channel, n in volume:  # a few thousand aggregated rows at most
        label = period_label(k, r.grain)
        slot = periods.setdefault(label, Period(label, 0, {}, {}))
        slot.by_intent[intent] = slot.by_intent.get(intent, 0) + n
        slot.by_channel[channel] = slot.by_channel.get(channel, 0) + n
        totals[slot.label] = totals.get(slot.label, 0) + n
        by_intent[intent] = by_intent.get(intent, 0) + n
        by_channel[channel] = by_channel.get(channel, 0) + n
    return InboxReport(
        range=r,
        threads=int(summary[0]),
        first_response=Timing(
            int(summary[1]), _hours(frt_p[0]), _hours(frt_p[1]), _hours(summary[2])
        ),
        resolution=Timing(int(summary[3]), _hours(res_p[0]), _hours(res_p[1]), _hours(summary[4])),
        sla_met=int(summary[5]),
        sla_missed=int(summary[6]),
        sla_pending=int(summary[7]),
        leads=int(summary[8]),
        leads_converted=int(converted or 0),
        periods=[
            Period(p.label, totals.get(p.label, 0), p.by_intent, p.by_channel)
            for p in sorted(periods.values(), key=lambda p: p.label)
        ],
        by_intent=dict(sorted(by_intent.items(), key=lambda kv: (-kv[1], kv[0]))),
        by_channel=dict(sorted(by_channel.items(), key=lambda kv: (-kv[1], kv[0]))),
    )
