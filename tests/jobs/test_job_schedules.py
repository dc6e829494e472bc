"""Periodic jobs: one job per schedule and period, however many schedulers run."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone

from job_helpers import wait_for
from sqlalchemy import select

from linkstar.db.outbox import OutboxJob
from linkstar.db.uow import unit_of_work
from linkstar.jobs.registry import get_spec
from linkstar.jobs.runtime import run_scheduler
from linkstar.jobs.schedules import SCHEDULES, Schedule, enqueue_due

NOW = datetime(2026, 3, 14, 15, 9, 26, tzinfo=UTC)


def _keys(sessions):
    with sessions() as s:
        return sorted(s.scalars(select(OutboxJob.idempotency_key)))


def test_builtin_schedules_name_registered_jobs():
    assert {(s.name, s.every) for s in SCHEDULES} == {
        ("workspace.purge_audit_log", timedelta(days=1)),
        ("workspace.purge_auth_records", timedelta(hours=1)),
        ("workspace.purge_finished_jobs", timedelta(days=1)),
        ("tracking.sweep_exceptions", timedelta(hours=1)),
        ("tracking.refresh_lane_stats", timedelta(days=1)),
        ("tracking.plan_carrier_polls", timedelta(minutes=15)),
        ("inbox.wake_snoozed", timedelta(minutes=15)),
        ("inbox.poll_mailboxes", timedelta(minutes=5)),
        ("inbox.timers", timedelta(minutes=5)),
        ("inbox.plan_message_polls", timedelta(minutes=1)),
        ("inbox.ab_orders", timedelta(hours=1)),
        ("orders.plan_polls", timedelta(minutes=1)),
        ("inventory.publish_stock", timedelta(minutes=5)),
        ("inventory.purge_publish_log", timedelta(days=1)),
    }
    assert all(get_spec(s.name) is not None for s in SCHEDULES)


def test_periods_are_aligned_on_utc():
    daily = Schedule("x", timedelta(days=1))
    hourly = Schedule("x", timedelta(hours=1))
    assert daily.period_start(NOW) == datetime(2026, 3, 14, tzinfo=UTC)
    assert hourly.period_start(NOW) == datetime(2026, 3, 14, 15, tzinfo=UTC)
    assert hourly.key(NOW) == "x@2026-03-14T15:00:00+00:00"
    # The same instant written in another zone falls in the same UTC period.
    shanghai = NOW.astimezone(timezone(timedelta(hours=8)))
    assert shanghai.day == 14 and shanghai.hour == 23
    assert daily.key(shanghai) == daily.key(NOW)
    assert daily.key(NOW + timedelta(hours=9)) == "x@2026-03-15T00:00:00+00:00"


def test_two_schedulers_in_the_same_period_enqueue_once(sessions):
    with unit_of_work(sessions) as s:
        first = enqueue_due(s, NOW)
    with unit_of_work(sessions) as s:
        second = enqueue_due(s, NOW + timedelta(minutes=20))
    assert sorted(first) == [
        "inbox.ab_orders@2026-03-14T15:00:00+00:00",
        "inbox.plan_message_polls@2026-03-14T15:09:00+00:00",
        "inbox.poll_mailboxes@2026-03-14T15:05:00+00:00",
        "inbox.timers@2026-03-14T15:05:00+00:00",
        "inbox.wake_snoozed@2026-03-14T15:00:00+00:00",
        "inventory.publish_stock@2026-03-14T15:05:00+00:00",
        "inventory.purge_publish_log@2026-03-14T00:00:00+00:00",
        "orders.plan_polls@2026-03-14T15:09:00+00:00",
        "tracking.plan_carrier_polls@2026-03-14T15:00:00+00:00",
        "tracking.refresh_lane_stats@2026-03-14T00:00:00+00:00",
        "tracking.sweep_exceptions@2026-03-14T15:00:00+00:00",
        "workspace.purge_audit_log@2026-03-14T00:00:00+00:00",
        "workspace.purge_auth_records@2026-03-14T15:00:00+00:00",
        "workspace.purge_finished_jobs@2026-03-14T00:00:00+00:00",
    ]
    # 20 minutes later: new periods of the store-poll planner, mailbox polls and snooze wake-ups.
    assert sorted(second) == [
        "inbox.plan_message_polls@2026-03-14T15:29:00+00:00",
        "inbox.poll_mailboxes@2026-03-14T15:25:00+00:00",
        "inbox.timers@2026-03-14T15:25:00+00:00",
        "inbox.wake_snoozed@2026-03-14T15:15:00+00:00",
        "inventory.publish_stock@2026-03-14T15:25:00+00:00",
        "orders.plan_polls@2026-03-14T15:29:00+00:00",
        "tracking.plan_carrier_polls@2026-03-14T15:15:00+00:00",
    ]
    assert _keys(sessions) == sorted(first + second)
    # The next hour brings only the hourly jobs (and the planner's minute) again.
    with unit_of_work(sessions) as s:
        third = enqueue_due(s, NOW + timedelta(hours=1))
    assert sorted(third) == [
        "inbox.ab_orders@2026-03-14T16:00:00+00:00",
        "inbox.plan_message_polls@2026-03-14T16:09:00+00:00",
        "inbox.poll_mailboxes@2026-03-14T16:05:00+00:00",
        "inbox.timers@2026-03-14T16:05:00+00:00",
        "inbox.wake_snoozed@2026-03-14T16:00:00+00:00",
        "inventory.publish_stock@2026-03-14T16:05:00+00:00",
        "orders.plan_polls@2026-03-14T16:09:00+00:00",
        "tracking.plan_carrier_polls@2026-03-14T16:00:00+00:00",
        "tracking.sweep_exceptions@2026-03-14T16:00:00+00:00",
        "workspace.purge_auth_records@2026-03-14T16:00:00+00:00",
    ]
    with sessions() as s:
        jobs = list(s.scalars(select(OutboxJob)))
    assert len(jobs) == 31  # 14 + 7 + 10: one job per schedule and period
    assert [(j.status, j.organisation_id, j.payload) for j in jobs] == [("pending", None, {})] * 31


def test_concurrent_schedulers_enqueue_each_period_once(sessions):
    barrier = threading.Barrier(4)
    created: list[list[str]] = []
    errors: list[BaseException] = []

    def scheduler():
        try:
            barrier.wait(timeout=10)
            with unit_of_work(sessions) as s:
                created.append(enqueue_due(s, NOW))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=scheduler) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert sorted(k for keys in created for k in keys) == _keys(sessions)
    assert len(_keys(sessions)) == len(SCHEDULES)  # one job per schedule, whoever wins


def test_run_scheduler_loops_until_stopped(settings, engine, sessions):
    stop = threading.Event()
    every_second = (Schedule("tests.record", timedelta(seconds=1)),)
    thread = threading.Thread(
        target=run_scheduler,
        args=(settings, engine, stop),
        kwargs={"interval": 0.05, "schedules": every_second},
    )
    thread.start()
    try:
        wait_for(lambda: len(_keys(sessions)) >= 2, 10, "two periods to be enqueued")
    finally:
        stop.set()
        thread.join(timeout=5)
    assert not thread.is_alive()
    keys = _keys(sessions)
    assert all(k.startswith("tests.record@") for k in keys)
    assert len(keys) == len(set(keys))
