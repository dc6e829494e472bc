"""Periodic jobs as data: a job name and how often it runs.

Each period is enqueued under the idempotency key `name@period_start`, so any number of
schedulers (one per `linkstar serve`, or several `linkstar scheduler`) never enqueue it twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from linkstar.db.outbox import OutboxJob, enqueue_unique

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Schedule:
    """Run job `name` once per `every`, periods aligned on the UTC epoch (days start at 00:00)."""

    name: str
    every: timedelta

    def period_start(self, now: datetime) -> datetime:
        """The start of the period that contains `now`."""
        step = int(self.every.total_seconds())
        if step <= 0:
            raise ValueError(f"schedule {self.name}: the interval must be at least one second")
        elapsed = int((now.astimezone(UTC) - EPOCH).total_seconds())
        return EPOCH + timedelta(seconds=elapsed - elapsed % step)

    def key(self, now: datetime) -> str:
        """The idempotency key of the period that contains `now`."""
        return f"{self.name}@{self.period_start(now).isoformat()}"


SCHEDULES: tuple[Schedule, ...] = (
    Schedule("workspace.purge_audit_log", timedelta(days=1)),
    Schedule("workspace.purge_auth_records", timedelta(hours=1)),
    Schedule("workspace.purge_finished_jobs", timedelta(days=1)),
    Schedule("tracking.sweep_exceptions", timedelta(hours=1)),
    Schedule("tracking.refresh_lane_stats", timedelta(days=1)),
    # Enqueues tracking.poll_carriers for each organisation with an active carrier account.
    Schedule("tracking.plan_carrier_polls", timedelta(minutes=15)),
    Schedule("inbox.wake_snoozed", timedelta(minutes=15)),
    Schedule("inbox.poll_mailboxes", timedelta(minutes=5)),
    # SLA and idle timers of the inbox rules, and auto-close of quiet threads.
    Schedule("inbox.timers", timedelta(minutes=5)),
    # Enqueues inbox.poll_store_messages for each store with message polling on and due.
    Schedule("inbox.plan_message_polls", timedelta(minutes=1)),
    # Orders placed by buyers whose thread saw an A/B variant (outcome "order placed").
    Schedule("inbox.ab_orders", timedelta(hours=1)),
    # Enqueues orders.poll_store for each store whose own interval (or Retry-After) is due.
    Schedule("orders.plan_polls", timedelta(minutes=1)),
    # Enqueues inventory.publish_store for each store whose stock moved (or is due a refresh).
    Schedule("inventory.publish_stock", timedelta(minutes=5)),
    # Deletes stock publication runs (lines, feeds) older than publish_log_retention_days.
    Schedule("inventory.purge_publish_log", timedelta(days=1)),
)


def enqueue_due(
    session: Session, now: datetime, schedules: Iterable[Schedule] = SCHEDULES
) -> list[str]:
    """Enqueue every schedule's current period unless already enqueued; returns the new keys."""
    wanted = {schedule.key(now): schedule for schedule in schedules}
    if not wanted:
        return []
    existing = set(
        session.scalars(
            select(OutboxJob.idempotency_key).where(OutboxJob.idempotency_key.in_(list(wanted)))
        )
    )
    created: list[str] = []
    for key, schedule in wanted.items():
        if key in existing:
            continue
        # Losing a race to another scheduler returns its job (created=False), not an error.
        _job, new = enqueue_unique(session, schedule.name, {}, idempotency_key=key)
        if new:
            created.append(key)
    return created
