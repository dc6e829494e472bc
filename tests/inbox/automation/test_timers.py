"""The `inbox.timers` job with a frozen clock: SLA (due soon, overdue) and idle timers fire the
workspace's rules once per thread and event, late but once after a restart, and quiet
answered threads are closed after the workspace's idle days."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from linkstar.db.outbox import JobContext
from linkstar.db.uow import unit_of_work
from linkstar.inbox import replies, settings_store
from linkstar.inbox.automation import rules_service, timers
from linkstar.inbox.automation.models import InboxRuleRunRow, InboxTimerMark
from linkstar.inbox.models import InboxThread
from linkstar.inbox.schemas import ReplyCreate
from linkstar.inbox.store import ingest_messages
from linkstar.kit.errors import InvalidInput
from linkstar.workspace.models import AuditEntry
from tests.inbox.seed import T0, inbound, seed_only_classifier

RULES = [
    {"name": "soon", "trigger": {"event": "sla_due", "sla_states": ["due_soon"]},
     "actions": [{"type": "tag", "tags": ["soon"]}]},
    {"name": "late", "trigger": {"event": "sla_due", "sla_states": ["overdue"]},
     "actions": [{"type": "tag", "tags": ["late"]}]},
    {"name": "idle 4", "trigger": {"event": "thread_idle", "business_hours": 4},
     "actions": [{"type": "tag", "tags": ["idle4"]}]},
    {"name": "idle 16", "trigger": {"event": "thread_idle", "business_hours": 16},
     "actions": [{"type": "set_priority", "priority": "urgent"}]},
]  # fmt: skip


@pytest.fixture
def thread_id(sessions, tenant) -> str:  # type: ignore[no-untyped-def]
    """An e-mail thread received Monday 10:00 UTC (default calendar: Mon-Fri 09-17 UTC, one
    business day: due soon Monday 16:00, due Tuesday 10:00)."""
    with unit_of_work(sessions) as s:
        for rule in RULES:
            rules_service.create_rule(s, tenant.principal, rule)
        stored = ingest_messages(
            s,
            tenant.org.id,
            [inbound("<t1@x>", "Can you tell me the delivery time?")],
            classifier=seed_only_classifier(),
        )
    return stored.thread_ids[0]


def _run(sessions, tenant, now: datetime) -> timers.TimerReport:  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as s:
        return timers.run_timers(s, tenant.org.id, now)


def _thread(sessions, thread_id: str) -> InboxThread:  # type: ignore[no-untyped-def]
    with sessions() as s:
        thread = s.get(InboxThread, thread_id)
        assert thread is not None
        return thread


def _runs(sessions) -> int:  # type: ignore[no-untyped-def]
    with sessions() as s:
        return int(s.scalar(select(func.count()).select_from(InboxRuleRunRow)) or 0)


def test_due_times_come_from_the_stored_calendar(sessions, thread_id):
    thread = _thread(sessions, thread_id)
    assert (thread.sla_due_soon_at, thread.sla_due_at) == (
        T0.replace(hour=16),
        T0 + timedelta(days=1),
    )


def test_timers_fire_in_order_once_each(sessions, tenant, thread_id):
    assert _run(sessions, tenant, T0 + timedelta(hours=3)).fired == {}
    assert _run(sessions, tenant, T0 + timedelta(hours=4, minutes=30)).fired == {"idle:4": 1}
    # The same moment again (a retried job, two schedulers): nothing fires twice.
    assert _run(sessions, tenant, T0 + timedelta(hours=4, minutes=31)).fired == {}
    assert _thread(sessions, thread_id).tags == ["idle4"]
    assert _run(sessions, tenant, T0.replace(hour=16, minute=30)).fired == {"sla_due_soon": 1}
    assert _run(sessions, tenant, T0 + timedelta(days=1, hours=1)).fired == {"sla_overdue": 1}
    # 7 business hours Monday + 8 Tuesday + 1 Wednesday = 16 by Wednesday 10:00.
    assert _run(sessions, tenant, T0 + timedelta(days=2, minutes=-5)).fired == {}
    assert _run(sessions, tenant, T0 + timedelta(days=2)).fired == {"idle:16": 1}
    thread = _thread(sessions, thread_id)
    assert (thread.tags, thread.priority) == (["idle4", "late", "soon"], "urgent")
    assert _runs(sessions) == 4


def test_a_restart_after_every_moment_fires_each_timer_once_late(sessions, tenant, thread_id):
    # The server was down from Monday morning to Thursday: one run catches up.
    report = _run(sessions, tenant, T0 + timedelta(days=3))
    assert report.fired == {"sla_overdue": 1, "idle:4": 1, "idle:16": 1}
    assert _run(sessions, tenant, T0 + timedelta(days=3, minutes=5)).fired == {}
    with sessions() as s:
        assert int(s.scalar(select(func.count()).select_from(InboxTimerMark)) or 0) == 3


def test_weekends_and_stored_calendars_hold_idle_timers(sessions, tenant, thread_id):
    with unit_of_work(sessions) as s:
        # A calendar open only on Mondays 09-12 UTC: Monday 10:00 + 4 business hours is the
        # next Monday 11:00.
        settings_store.save(
            s,
            tenant.principal,
            {"calendars": {"default": {"weekly": {"mon": [["09:00", "12:00"]]}}}},
        )
    assert "idle:4" not in _run(sessions, tenant, T0 + timedelta(days=7)).fired
    assert "idle:4" in _run(sessions, tenant, T0 + timedelta(days=7, hours=1)).fired


def test_idle_timers_count_in_the_calendar_the_settings_designate(sessions, tenant, thread_id):
    mondays = {"weekly": {"mon": [["09:00", "12:00"]]}}
    always = {"weekly": {}, "continuous": True}
    with unit_of_work(sessions) as s:
        # Two calendars: the default one is always open, the designated one only Mondays 09-12.
        settings_store.save(
            s,
            tenant.principal,
            {"calendars": {"default": always, "mondays": mondays}, "timer_calendar": "mondays"},
        )
    # Monday 10:00 + 4 business hours of "mondays" is the next Monday 11:00; in the always-open
    # default calendar 16 hours would have fired long before.
    first = _run(sessions, tenant, T0 + timedelta(days=7)).fired
    assert (first.get("idle:4"), first.get("idle:16")) == (None, None)
    later = _run(sessions, tenant, T0 + timedelta(days=7, hours=1)).fired
    assert (later.get("idle:4"), later.get("idle:16")) == (1, None)


def test_timer_calendar_must_name_a_calendar(sessions, tenant):
    with pytest.raises(InvalidInput) as refused, unit_of_work(sessions) as s:
        settings_store.save(s, tenant.principal, {"timer_calendar": "weekend"})
    assert refused.value.details == {
        "errors": [
            {"path": "$", "message": "Value error, timer_calendar: no calendar named 'weekend'"}
        ]
    }
    with sessions() as s:
        assert settings_store.load(s, tenant.org.id).timer_calendar == "default"


def test_the_job_auto_closes_answered_quiet_threads(sessions, tenant, thread_id, monkeypatch):
    with unit_of_work(sessions) as s:
        settings_store.save(s, tenant.principal, {"auto_close_idle_days": 3})
        replies.reply(s, tenant.principal, thread_id, ReplyCreate(body="It ships tomorrow."))
    answered = _thread(sessions, thread_id)
    assert answered.status == "pending" and answered.last_outbound_at is not None
    quiet_since = answered.last_activity_at
    monkeypatch.setattr(timers, "utcnow", lambda: quiet_since + timedelta(days=2, hours=23))
    job = JobContext("j1", timers.TIMERS_JOB, None, {})
    with unit_of_work(sessions) as s:
        timers.timers(s, job)
    assert _thread(sessions, thread_id).status == "pending"
    monkeypatch.setattr(timers, "utcnow", lambda: quiet_since + timedelta(days=3, minutes=1))
    with unit_of_work(sessions) as s:
        timers.timers(s, job)
    assert _thread(sessions, thread_id).status == "closed"
    with sessions() as s:
        entry = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "inbox.thread.auto_close")
        ).one()
        assert entry.after == {"status": "closed", "idle_days": 3}
