"""The workspace's retention jobs delete exactly the rows past their retention."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from linkstar.db.outbox import JobContext, OutboxJob, enqueue
from linkstar.db.uow import unit_of_work
from linkstar.jobs.registry import get_spec
from linkstar.jobs.runner import Outcome, execute
from linkstar.kit.clock import utcnow
from linkstar.workspace import tasks
from linkstar.workspace.models import (
    AuditEntry,
    IdempotencyRecord,
    LoginAttempt,
    Organisation,
    UserSession,
)

JOB = JobContext("0" * 32, "test", None, {}, 1)


def _audit(session, org_id, days_old, label):
    session.add(
        AuditEntry(
            organisation_id=org_id,
            at=utcnow() - timedelta(days=days_old),
            actor_type="system",
            actor_id="system",
            actor_label="test",
            action="test.entry",
            entity_type="test",
            entity_id=label,
        )
    )


def _audit_labels(sessions, org_id):
    with sessions() as s:
        stmt = select(AuditEntry.entity_id).where(
            AuditEntry.organisation_id == org_id, AuditEntry.action == "test.entry"
        )
        return sorted(s.scalars(stmt))


def test_purge_audit_log_keeps_each_organisations_retention(sessions, make_tenant):
    short = make_tenant("Short Memory")
    long = make_tenant("Long Memory")
    floor = make_tenant("Below Floor")
    with unit_of_work(sessions) as s:
        s.get(Organisation, short.org.id).audit_retention_days = 90
        s.get(Organisation, long.org.id).audit_retention_days = 365
        # Stored below the 90-day floor (e.g. by hand): the purge still keeps 90 days.
        s.get(Organisation, floor.org.id).audit_retention_days = 30
        for org in (short.org, long.org, floor.org):
            for days in (10, 89, 91, 364, 366):
                _audit(s, org.id, days, f"{days}d")
    with unit_of_work(sessions) as s:
        tasks.purge_audit_log(s, JOB)
    assert _audit_labels(sessions, short.org.id) == ["10d", "89d"]
    assert _audit_labels(sessions, long.org.id) == ["10d", "364d", "89d", "91d"]
    assert _audit_labels(sessions, floor.org.id) == ["10d", "89d"]
    # Recent entries written by the platform itself (organisation.create, ...) are untouched.
    with sessions() as s:
        actions = set(s.scalars(select(AuditEntry.action)))
    assert {"organisation.create", "user.create"} <= actions


def test_purge_auth_records(sessions, tenant):
    now = utcnow()
    with unit_of_work(sessions) as s:
        expiries = (("expired", now - timedelta(minutes=1)), ("live", now + timedelta(hours=1)))
        for label, expires in expiries:
            s.add(
                UserSession(
                    organisation_id=tenant.org.id,
                    token_hash=label.ljust(64, "x"),
                    user_id=tenant.owner.id,
                    csrf_token="c",
                    expires_at=expires,
                )
            )
        for days in (1, 29, 31, 90):
            at = now - timedelta(days=days)
            s.add(LoginAttempt(email=f"{days}@example.com", success=False, at=at))
        for hours in (1, 23, 25):
            s.add(
                IdempotencyRecord(
                    organisation_id=tenant.org.id,
                    key=f"k{hours}",
                    route="POST /api/v1/stores",
                    request_hash="h",
                    status_code=201,
                    response={},
                    created_at=now - timedelta(hours=hours),
                )
            )
    with unit_of_work(sessions) as s:
        tasks.purge_auth_records(s, JOB)
    with sessions() as s:
        assert [x.token_hash[:4] for x in s.scalars(select(UserSession))] == ["live"]
        emails = sorted(s.scalars(select(LoginAttempt.email)))
        keys = sorted(s.scalars(select(IdempotencyRecord.key)))
    assert emails == ["1@example.com", "29@example.com"]
    assert keys == ["k1", "k23"]


def test_purge_finished_jobs_keeps_dead_recent_and_unfinished_jobs(sessions):
    now = utcnow()
    rows = {
        "done_old": ("done", now - timedelta(days=15)),
        "done_recent": ("done", now - timedelta(days=13)),
        "dead_old": ("dead", now - timedelta(days=60)),
        "pending": ("pending", None),
    }
    ids = {}
    with unit_of_work(sessions) as s:
        for label, (status, finished) in rows.items():
            job = enqueue(s, "tests.record", {"label": label})
            job.status, job.finished_at = status, finished
            ids[label] = job.id
    with unit_of_work(sessions) as s:
        tasks.purge_finished_jobs(s, JOB)
    with sessions() as s:
        left = {j.payload["label"] for j in s.scalars(select(OutboxJob))}
    assert left == {"done_recent", "dead_old", "pending"}


def test_retention_jobs_run_through_the_runner(sessions, tenant):
    """The registered specs point at these handlers and run to done."""
    with unit_of_work(sessions) as s:
        _audit(s, tenant.org.id, 400, "old")
        ids = [
            enqueue(s, name, {}).id
            for name in (
                "workspace.purge_audit_log",
                "workspace.purge_auth_records",
                "workspace.purge_finished_jobs",
            )
        ]
    assert get_spec("workspace.purge_audit_log").handler is tasks.purge_audit_log
    assert [execute(sessions, job_id, "w", 60) for job_id in ids] == [Outcome.done] * 3
    assert _audit_labels(sessions, tenant.org.id) == []
