"""Background jobs of the inbox: hand a queued reply to its channel's sender, wake snoozed
threads, record the orders placed by buyers in A/B tests, store contact forms posted to a
webhook endpoint, plan and run the marketplace buyer-message polls. Registered in
`linkstar.jobs.registry`; all are idempotent."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from linkstar.config import get_settings
from linkstar.db.outbox import JobContext
from linkstar.inbox import message_polls, replies, service
from linkstar.inbox.automation import ab_outcomes
from linkstar.inbox.channels import contact_form
from linkstar.inbox.channels.errors import MessagePayloadError
from linkstar.inbox.store import ingest_messages
from linkstar.kit.crypto import SecretBox
from linkstar.kit.errors import NotFound
from linkstar.orders.sync.connect import environment
from linkstar.tracking import ingest as tracking_ingest
from linkstar.tracking.dead_letters import INBOX_CONTACT_FORM
from linkstar.workspace import repository as repo

log = logging.getLogger(__name__)


def send_reply(session: Session, job: JobContext) -> None:
    """Send one queued reply (a reply already sent, failed or rejected is left alone)."""
    if not job.organisation_id:
        raise ValueError("inbox.send needs the organisation of the message")
    outcome = replies.send(session, job.organisation_id, str(job.payload["message_id"]))
    log.info("inbox reply %s: %s %s", job.payload["message_id"], outcome.status, outcome.reason)


def _organisations(session: Session, job: JobContext) -> list[str]:
    return repo.organisation_ids(session, job.organisation_id)


def wake_snoozed(session: Session, job: JobContext) -> None:
    """Reopen the snoozed threads whose time has come (one organisation, or all)."""
    for org_id in _organisations(session, job):
        service.wake_snoozed(session, org_id)


def record_ab_orders(session: Session, job: JobContext) -> None:
    """A/B outcomes: the buyers who placed an order within their test's window (all orgs)."""
    for org_id in _organisations(session, job):
        found = ab_outcomes.record_orders(session, org_id)
        if found:
            log.info("A/B outcomes of organisation %s: %d orders placed", org_id, found)


def process_contact_form(session: Session, job: JobContext) -> None:
    """A verified contact-form delivery into the inbox, or a dead letter when it does not parse."""
    if not job.organisation_id:
        raise ValueError("webhooks.inbox needs the organisation of the endpoint")
    body = str(job.payload["body"])
    try:
        message = contact_form.parse(body.encode("utf-8"))
    except MessagePayloadError as exc:
        # Kept in the one dead-letter table; the inbox shows it (Inbox → Dead letters).
        tracking_ingest.dead_letter(
            session,
            job.organisation_id,
            source=INBOX_CONTACT_FORM,
            headers={},
            body=body,
            reason=exc.message,
        )
        log.info("contact form %s dead-lettered: %s", job.job_id, exc.message)
        return
    stored = ingest_messages(session, job.organisation_id, [message])
    log.info("contact form %s: %s", job.job_id, stored.as_dict())


def plan_message_polls(session: Session, job: JobContext) -> None:
    """Enqueue the due buyer-message polls of every organisation (or the job's)."""
    now = environment().clock.utcnow()
    for org_id in repo.organisation_ids(session, job.organisation_id):
        due = message_polls.plan(session, org_id, now)
        if due:
            log.info("inbox.plan_message_polls %s: %d store(s) due", org_id, len(due))


def poll_store_messages(session: Session, job: JobContext) -> None:
    """Poll the payload's store for buyer messages once."""
    store_id = job.payload.get("store_id")
    if not job.organisation_id or not isinstance(store_id, str):
        log.warning("inbox.poll_store_messages without an organisation or store: %s", job.payload)
        return
    box = SecretBox(get_settings().encryption_keys())
    try:
        outcome = message_polls.poll(session, job.organisation_id, store_id, box)
    except NotFound:
        log.info("inbox.poll_store_messages: store %s is gone", store_id)
        return
    log.info("inbox.poll_store_messages %s: %s", store_id, outcome)
