"""Background jobs of the inbox: hand a queued reply to its channel's sender, wake snoozed
threads. Registered in `linkstar.jobs.registry`; both are idempotent."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from linkstar.db.outbox import JobContext
from linkstar.inbox import replies, service
from linkstar.workspace import repository as repo

log = logging.getLogger(__name__)


def send_reply(session: Session, job: JobContext) -> None:
    """Send one queued reply (a reply already sent, failed or rejected is left alone)."""
    if not job.organisation_id:
        raise ValueError("inbox.send needs the organisation of the message")
    outcome = replies.send(session, job.organisation_id, str(job.payload["message_id"]))
    log.info("inbox reply %s: %s %s", job.payload["message_id"], outcome.status, outcome.reason)


def wake_snoozed(session: Session, job: JobContext) -> None:
    """Reopen the snoozed threads whose time has come (one organisation, or all)."""
    orgs = (
        [job.organisation_id]
        if job.organisation_id
        else [o.id for o in repo.all_organisations(session)]
    )
    for org_id in orgs:
        service.wake_snoozed(session, org_id)
