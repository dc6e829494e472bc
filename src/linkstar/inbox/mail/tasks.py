"""Background jobs of the mail channel: poll every active mailbox, then store what arrived.

`inbox.poll_mailboxes` (scheduled) enqueues one `inbox.poll_mail` per active account for the
current period, so two schedulers never poll an account twice. `inbox.poll_mail` fetches the
new messages, moves the mailbox cursor and stores the messages in the same transaction: a
failure rolls the cursor back and the next poll fetches the same messages again (the store
deduplicates by Message-ID). A message whose MIME is unusable is still stored, raw, with the
reason as a warning: nothing that reached the mailbox is lost.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from linkstar.config import get_settings
from linkstar.db.outbox import JobContext, enqueue_unique
from linkstar.inbox.channels.imap import MailFailure
from linkstar.inbox.core.inbound import Channel, InboundMessage
from linkstar.inbox.mail import accounts
from linkstar.inbox.mail.models import MailAccount
from linkstar.inbox.store import ingest_messages
from linkstar.kit.clock import utcnow
from linkstar.kit.crypto import SecretBox

log = logging.getLogger(__name__)
POLL_JOB = "inbox.poll_mail"
PERIOD = timedelta(minutes=5)


def poll_mailboxes(session: Session, job: JobContext) -> None:
    """Enqueue one poll per active mail account for the current five-minute period."""
    now = utcnow()
    period = int(now.timestamp() // PERIOD.total_seconds())
    rows = session.execute(
        select(MailAccount.id, MailAccount.organisation_id).where(MailAccount.is_active)
    ).all()
    for account_id, organisation_id in rows:
        enqueue_unique(
            session,
            POLL_JOB,
            {"account_id": account_id},
            organisation_id=organisation_id,
            idempotency_key=f"{POLL_JOB}:{account_id}:{period}",
        )
    log.info("mail polls enqueued for %d account(s)", len(rows))


def unusable_as_message(failure: MailFailure, account: str, uidvalidity: int) -> InboundMessage:
    """A message whose MIME could not be read, kept raw so a person can still see it."""
    return InboundMessage(
        channel=Channel.EMAIL,
        external_id=f"imap:{account}:{uidvalidity}:{failure.uid}",
        received_at=utcnow(),
        sender_address="unknown@invalid",
        sender_name="",
        subject="(unreadable message)",
        text="",
        display_body=f"LinkStar could not read this message: {failure.reason}",
        store_ref=account,
        raw=failure.raw,
        raw_content_type="message/rfc822",
        warnings=(f"unusable_mime: {failure.reason}"[:200],),
    )


def poll_mail(session: Session, job: JobContext) -> None:
    """Fetch one account's new messages and store them in the same transaction."""
    if not job.organisation_id:
        raise ValueError("inbox.poll_mail needs the organisation of the account")
    account_id = str(job.payload["account_id"])
    settings = get_settings()
    box = SecretBox(settings.encryption_keys())
    allowed = settings.private_mail_hosts_allowed
    result = accounts.poll(
        session, job.organisation_id, account_id, box, now=utcnow(), allow_private=allowed
    )
    account = session.get(MailAccount, account_id)
    address = account.email_address if account is not None else account_id
    messages = list(result.messages) + [
        unusable_as_message(f, address, result.cursor.uidvalidity) for f in result.failures
    ]
    stored = ingest_messages(session, job.organisation_id, messages)
    log.info(
        "mailbox %s: %d fetched, %d unusable, %s; %d more waiting",
        address,
        len(result.messages),
        len(result.failures),
        stored,
        result.remaining,
    )
    if result.remaining:
        enqueue_unique(
            session,
            POLL_JOB,
            {"account_id": account_id},
            organisation_id=job.organisation_id,
            idempotency_key=f"{POLL_JOB}:{account_id}:more:{result.cursor.last_uid}",
        )
