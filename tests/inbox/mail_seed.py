"""One mail account and one suppression for an organisation, through the services."""

from __future__ import annotations

from typing import Any

from linkstar.db.uow import unit_of_work
from linkstar.inbox.channels.servers import TlsMode
from linkstar.inbox.mail import accounts, suppressions
from linkstar.inbox.mail.schemas import MailAccountCreate, SuppressionCreate
from linkstar.workspace.core import system_principal


def mail_account_body(address: str, port: int = 9) -> dict[str, Any]:
    """A valid MailAccountCreate body; port 9 on 127.0.0.1 refuses at once (tests connect)."""
    return {
        "name": "Support mailbox",
        "email_address": address,
        "imap_host": "127.0.0.1",
        "imap_port": port,
        "imap_tls": TlsMode.NONE.value,
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_tls": TlsMode.NONE.value,
        "username": address,
        "password": "mailbox-password-1234",
    }


def seed_inbox_mail(sessions: Any, box: Any, organisation_id: str, domain: str) -> dict[str, str]:
    """Ids of a mail account and a suppression of this organisation."""
    actor = system_principal(organisation_id)
    with unit_of_work(sessions) as session:
        account = accounts.create_account(
            session, actor, MailAccountCreate(**mail_account_body(f"support@{domain}")), box
        )
        row = suppressions.add_suppression(
            session, actor, SuppressionCreate(address=f"unsubscribed@{domain}")
        )
        return {"mail_account_id": account.id, "suppression_id": row.id}


def seed_inbox_dead_letter(sessions: Any, organisation_id: str) -> dict[str, str]:
    """The id of a refused contact form of this organisation (an inbox dead letter)."""
    from linkstar.tracking.ingest import dead_letter

    with unit_of_work(sessions) as session:
        row = dead_letter(
            session,
            organisation_id,
            source="contact_form",
            headers={},
            body='{"id": "f-1", "message": "Where is my order?"}',
            reason="$.email: is required",
        )
        return {"inbox_dead_letter_id": row.id}
