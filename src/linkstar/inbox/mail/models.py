"""Tables of the e-mail channel and of the cross-channel suppression list."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from linkstar.db.base import Base, IdMixin, OrgScoped, TimestampMixin


class MailAccount(IdMixin, TimestampMixin, OrgScoped, Base):
    """One mailbox the workspace reads (IMAP) and answers from (SMTP)."""

    __tablename__ = "inbox_mail_accounts"
    __table_args__ = (UniqueConstraint("organisation_id", "email_address"),)

    name: Mapped[str] = mapped_column(String(120))
    email_address: Mapped[str] = mapped_column(String(254))
    imap_host: Mapped[str] = mapped_column(String(253))
    imap_port: Mapped[int] = mapped_column(Integer)
    imap_tls: Mapped[str] = mapped_column(String(10))
    smtp_host: Mapped[str] = mapped_column(String(253))
    smtp_port: Mapped[int] = mapped_column(Integer)
    smtp_tls: Mapped[str] = mapped_column(String(10))
    username: Mapped[str] = mapped_column(String(254))
    # Sealed {"password": …, "dkim_private_key": …?} (kit.crypto.SecretBox); never shown back.
    secrets_encrypted: Mapped[str] = mapped_column(Text)
    password_hint: Mapped[str] = mapped_column(String(20), default="")
    mailbox: Mapped[str] = mapped_column(String(200), default="INBOX")
    dkim_domain: Mapped[str] = mapped_column(String(253), default="")
    dkim_selector: Mapped[str] = mapped_column(String(63), default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_checked_at: Mapped[datetime | None]
    last_check_error: Mapped[str] = mapped_column(String(500), default="")


class MailboxCursor(IdMixin, TimestampMixin, OrgScoped, Base):
    """How far one IMAP mailbox has been read: UIDVALIDITY and the last UID fetched."""

    __tablename__ = "inbox_mailbox_cursors"
    __table_args__ = (UniqueConstraint("account_id", "mailbox"),)

    account_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("inbox_mail_accounts.id", ondelete="CASCADE"), index=True
    )
    mailbox: Mapped[str] = mapped_column(String(200))
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger)
    last_fetched_at: Mapped[datetime | None]


class Suppression(IdMixin, TimestampMixin, OrgScoped, Base):
    """An address or buyer id nothing may be sent to (on one channel, or on all)."""

    __tablename__ = "inbox_suppressions"
    __table_args__ = (UniqueConstraint("organisation_id", "address", "channel"),)

    address: Mapped[str] = mapped_column(String(254))  # lower-cased e-mail or channel buyer id
    channel: Mapped[str] = mapped_column(String(16))  # "all" or an inbox Channel value
    reason: Mapped[str] = mapped_column(String(16))  # unsubscribe, bounce, complaint, manual
    note: Mapped[str] = mapped_column(String(500), default="")


class UnsubscribeToken(IdMixin, TimestampMixin, OrgScoped, Base):
    """The secret in a one-click unsubscribe URL (RFC 8058): which address, which channel."""

    __tablename__ = "inbox_unsubscribe_tokens"

    token: Mapped[str] = mapped_column(String(64), unique=True)
    address: Mapped[str] = mapped_column(String(254))
    channel: Mapped[str] = mapped_column(String(16))
    campaign: Mapped[str] = mapped_column(String(120), default="")
    used_at: Mapped[datetime | None]
