"""Background jobs of the tracking hub: the exception sweep, the lane statistics refresh and
the seller alerts. Registered in `linkstar.jobs.registry`; every handler is idempotent (a second
run in a row opens, resolves and sends nothing new) and leaves the commit to the job runner."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from linkstar.config import get_settings
from linkstar.db.outbox import JobContext
from linkstar.kit.crypto import SecretBox
from linkstar.tracking import notify, statistics, sweep
from linkstar.workspace import repository as repo

log = logging.getLogger(__name__)


def _organisations(session: Session, job: JobContext) -> list[str]:
    return repo.organisation_ids(session, job.organisation_id)


def sweep_exceptions(session: Session, job: JobContext) -> None:
    """Run the exception sweep for one organisation (or all, when scheduled)."""
    for org_id in _organisations(session, job):
        report = sweep.sweep(session, org_id)
        log.info("tracking sweep %s: %s", org_id, report.as_dict())


def refresh_lane_stats(session: Session, job: JobContext) -> None:
    """Recompute lane_transit_stats for one organisation (or all, when scheduled)."""
    for org_id in _organisations(session, job):
        report = statistics.refresh(session, org_id)
        log.info("lane stats %s: %s", org_id, report.as_dict())


def notify_exceptions(session: Session, job: JobContext) -> None:
    """Send newly opened exceptions to the organisation's notification targets."""
    box = SecretBox(get_settings().encryption_keys())
    for org_id in _organisations(session, job):
        report = notify.notify_new_exceptions(session, org_id, box)
        log.info("tracking alerts %s: %s", org_id, report)
