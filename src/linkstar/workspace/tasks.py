"""Background jobs of the workspace domain: retention of audit, auth and job records.

Registered in `linkstar.jobs.registry`; each handler is idempotent (a purge run twice deletes
nothing the second time) and leaves the commit to the job runner.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.orm import Session

from linkstar.db.outbox import JobContext, purge_finished
from linkstar.kit.clock import utcnow
from linkstar.workspace import audit
from linkstar.workspace import repository as repo

log = logging.getLogger(__name__)

LOGIN_ATTEMPT_RETENTION = timedelta(days=30)
FINISHED_JOB_RETENTION = timedelta(days=14)
# Clients retry a creating POST within minutes; a day covers any sane retry policy.
IDEMPOTENCY_RETENTION = timedelta(hours=24)


def purge_audit_log(session: Session, job: JobContext) -> None:
    """Delete each organisation's audit entries older than its retention (at least 90 days)."""
    total = 0
    for org in repo.all_organisations(session):
        total += audit.purge(session, org.id, org.audit_retention_days)
    log.info("purged %d audit entries", total)


def purge_auth_records(session: Session, job: JobContext) -> None:
    """Delete expired sessions, sign-ins older than 30 days, idempotency records over a day."""
    now = utcnow()
    sessions = repo.purge_expired_sessions(session, now)
    attempts = repo.purge_login_attempts(session, now - LOGIN_ATTEMPT_RETENTION)
    replays = repo.purge_idempotency_records(session, now - IDEMPOTENCY_RETENTION)
    log.info(
        "purged %d expired sessions, %d login attempts, %d idempotency records",
        sessions,
        attempts,
        replays,
    )


def purge_finished_jobs(session: Session, job: JobContext) -> None:
    """Delete jobs that finished successfully more than 14 days ago (dead jobs stay)."""
    count = purge_finished(session, utcnow() - FINISHED_JOB_RETENTION)
    log.info("purged %d finished jobs", count)
