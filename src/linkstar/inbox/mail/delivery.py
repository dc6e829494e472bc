"""E-mail delivery of inbox replies: the sender behind the `email` and `website` channels.

A reply leaves from the organisation's mail account that received the thread (the thread's
`store_ref` is that account's address), else from its first active account; it is DKIM-signed
when the account has a key and refused when the buyer is on the suppression list.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from linkstar.config import get_settings
from linkstar.inbox.channels import smtp
from linkstar.inbox.channels.mime import html_to_text
from linkstar.inbox.mail import accounts
from linkstar.inbox.mail.models import MailAccount
from linkstar.inbox.mail.repository import MailAccountRepository
from linkstar.inbox.sending import OutboundMessage, SendRefused
from linkstar.kit.clock import utcnow
from linkstar.kit.crypto import SecretBox
from linkstar.kit.errors import InvalidInput, LinkStarError


def account_for(session: Session, organisation_id: str, address: str) -> MailAccount | None:
    """The active account whose address is `address`, else the oldest active one."""
    active = [a for a in MailAccountRepository(session, organisation_id).list() if a.is_active]
    wanted = address.strip().lower()
    for account in active:
        if account.email_address.lower() == wanted:
            return account
    return min(active, key=lambda a: a.created_at, default=None)


class EmailSender:
    """Sends a reply over SMTP from the organisation's mail account."""

    def send(self, session: Session, message: OutboundMessage) -> str:
        """Send and return the Message-ID; `SendRefused` when it cannot be sent at all."""
        account = account_for(session, message.organisation_id, message.store_ref)
        if account is None:
            raise SendRefused("no active mail account: connect one in Settings → Mail accounts")
        mail = smtp.OutboundEmail(
            from_address=account.email_address,
            from_name=account.name,
            to_address=message.to_address,
            to_name=message.to_name,
            subject=message.subject,
            text=html_to_text(message.body) if message.html else message.body,
            html=message.body if message.html else "",
            in_reply_to=message.in_reply_to,
            references=(message.in_reply_to,) if message.in_reply_to else (),
        )
        settings = get_settings()
        box = SecretBox(settings.encryption_keys())
        try:
            sent = accounts.send(
                session,
                message.organisation_id,
                account.id,
                box,
                mail,
                now=utcnow(),
                allow_private=settings.private_mail_hosts_allowed,
            )
        except InvalidInput as exc:  # suppressed recipient, bad header, refused private host
            raise SendRefused(exc.message) from exc
        except LinkStarError as exc:  # sealed under another key: retrying would not help
            raise SendRefused(f"mail account {account.email_address}: {exc.message}") from exc
        return sent.message_id
