"""Thread timers as a periodic job (`inbox.timers`, every 5 minutes) that survives restarts:
every run finds the due threads in SQL from what the threads store, so nothing lives in memory
and a timer whose moment passed while the server was down fires on the next run, once.

- `sla_due`: a thread whose stored due-soon or due instant has passed fires the workspace's
  `sla_due` rules with `event.sla_state` = `due_soon` / `overdue`;
- `thread_idle`: a thread without activity for N business hours (of the calendar the inbox
  settings' `timer_calendar` names, `default` unless told) fires
  the `thread_idle` rules whose threshold N it has reached;
- auto-close: a thread we answered that has been quiet for the workspace's
  `auto_close_idle_days` is closed (audited).

Each fired timer leaves an `inbox_timer_marks` row keyed by thread, kind, threshold and the
instant it counted from (the due time, the last activity): the "fired once" marker. A new
buyer message moves those instants, which arms the timers again. The rules run through the
executor, so each rule also fires at most once per thread and event (its run record).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session

from linkstar.db.outbox import JobContext
from linkstar.inbox import service, settings_store
from linkstar.inbox.automation import ab_outcomes, executor, rules_service
from linkstar.inbox.automation.models import InboxTimerMark
from linkstar.inbox.core.automation.calendar import business_hours_between
from linkstar.inbox.core.automation.rules import CompiledRules, Event
from linkstar.inbox.core.threads import ThreadStatus
from linkstar.inbox.models import InboxThread
from linkstar.kit.clock import as_utc, utcnow
from linkstar.workspace import audit
from linkstar.workspace import repository as workspace_repo
from linkstar.workspace.core import system_principal

log = logging.getLogger(__name__)
TIMERS_JOB = "inbox.timers"
BATCH = 500  # threads per kind and run; the rest wait five minutes
T = InboxThread
M = InboxTimerMark


@dataclass
class TimerReport:
    """What one run did in one workspace."""

    fired: dict[str, int] = field(default_factory=dict)  # sla_due_soon, sla_overdue, idle:N
    closed: int = 0

    def add(self, kind: str) -> None:
        self.fired[kind] = self.fired.get(kind, 0) + 1


def _unmarked(kind: str, anchor: Any, threshold: float = 0.0) -> Select[Any]:
    marked = exists().where(
        M.thread_id == T.id, M.kind == kind, M.threshold == threshold, M.anchor_at == anchor
    )
    return select(T).where(~marked)


def _mark(session: Session, thread: InboxThread, kind: str, anchor: datetime, h: float) -> None:
    session.add(
        M(
            organisation_id=thread.organisation_id,
            thread_id=thread.id,
            kind=kind,
            threshold=h,
            anchor_at=anchor,
        )
    )


def _fire_sla(
    session: Session, org: str, compiled: CompiledRules, now: datetime, report: TimerReport
) -> None:
    if not compiled.by_event.get("sla_due"):
        return
    due = T.sla_due_at
    passed = {"sla_overdue": due <= now, "sla_due_soon": (due > now) & service.due_soon(now)}
    for kind, condition in passed.items():
        stmt = (
            _unmarked(kind, due)
            .where(T.organisation_id == org, T.status.in_(service.OPEN_STATES))
            .where(due.is_not(None), condition)
            .order_by(due, T.id)
            .limit(BATCH)
        )
        for thread in session.scalars(stmt):
            anchor = as_utc(thread.sla_due_at or now)
            _mark(session, thread, kind, anchor, 0.0)
            state = kind.removeprefix("sla_")
            event = Event(
                "sla_due", f"sla_due:{state}:{anchor.isoformat()}", thread.id, now,
                {"sla_state": state, "due_at": anchor.isoformat()},
            )  # fmt: skip
            executor.automate_event(session, thread, event, compiled)
            report.add(kind)


def _fire_idle(
    session: Session, org: str, compiled: CompiledRules, now: datetime, report: TimerReport
) -> None:
    rules = compiled.by_event.get("thread_idle", ())
    thresholds = sorted({r.trigger.business_hours for r in rules if r.trigger.business_hours})
    if not thresholds:
        return
    calendar = settings_store.load(session, org).calendar_of_timers()
    idle_states = (ThreadStatus.open.value, ThreadStatus.pending.value)
    for hours in thresholds:
        # N business hours idle implies at least N calendar hours: SQL narrows, the calendar
        # decides. Oldest first, so the first thread not idle yet ends the pass.
        stmt = (
            _unmarked("idle", T.last_activity_at, hours)
            .where(T.organisation_id == org, T.status.in_(idle_states))
            .where(T.last_activity_at <= now - timedelta(hours=hours))
            .order_by(T.last_activity_at, T.id)
            .limit(BATCH)
        )
        for thread in session.scalars(stmt):
            since = as_utc(thread.last_activity_at)
            idle = business_hours_between(calendar, since, now)
            if idle < hours:
                break
            _mark(session, thread, "idle", since, hours)
            event = Event(
                "thread_idle", f"thread_idle:{since.isoformat()}", thread.id, now,
                {"idle_business_hours": round(idle, 2), "idle_since": since.isoformat()},
            )  # fmt: skip
            executor.automate_event(session, thread, event, compiled)
            report.add(f"idle:{hours:g}")


def _auto_close(session: Session, org: str, now: datetime, report: TimerReport) -> None:
    days = settings_store.load(session, org).auto_close_idle_days
    if days is None:
        return
    stmt = (
        select(T)
        .where(T.organisation_id == org)
        .where(T.status.in_((ThreadStatus.open.value, ThreadStatus.pending.value)))
        # Answered and nothing owed: the buyer went quiet after our reply.
        .where(T.sla_due_at.is_(None), T.last_outbound_at.is_not(None))
        .where(T.last_activity_at <= now - timedelta(days=days))
        .order_by(T.last_activity_at, T.id)
        .limit(BATCH)
    )
    actor = system_principal(org, "inbox timers")
    for thread in session.scalars(stmt):
        before = thread.status
        thread.status, thread.snoozed_until, thread.updated_at = (
            ThreadStatus.closed.value,
            None,
            now,
        )
        ab_outcomes.thread_closed(session, thread, now)  # reports and A/B outcomes
        audit.record(
            session,
            actor,
            "inbox.thread.auto_close",
            thread,
            before={"status": before},
            after={"status": "closed", "idle_days": days},
        )
        report.closed += 1


def run_timers(session: Session, organisation_id: str, now: datetime) -> TimerReport:
    """Fire the due SLA and idle timers of one workspace and auto-close its quiet threads."""
    report = TimerReport()
    compiled = rules_service.load_compiled(session, organisation_id)
    _fire_sla(session, organisation_id, compiled, now, report)
    _fire_idle(session, organisation_id, compiled, now, report)
    _auto_close(session, organisation_id, now, report)
    session.flush()
    return report


def timers(session: Session, job: JobContext) -> None:
    """Job handler of `inbox.timers` (one organisation, or every one)."""
    now = utcnow()
    for org_id in workspace_repo.organisation_ids(session, job.organisation_id):
        report = run_timers(session, org_id, now)
        if report.fired or report.closed:
            log.info("inbox timers for %s: %s, %d closed", org_id, report.fired, report.closed)
