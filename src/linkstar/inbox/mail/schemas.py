"""Request and response models of mail accounts and the suppression list."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from linkstar.inbox.channels.servers import TlsMode


class SuppressionChannel(StrEnum):
    all = "all"
    email = "email"
    amazon = "amazon"
    ebay = "ebay"
    tiktok = "tiktok"
    shopify = "shopify"
    website = "website"


class SuppressionReason(StrEnum):
    unsubscribe = "unsubscribe"
    bounce = "bounce"
    complaint = "complaint"
    manual = "manual"


class SuppressionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    address: str = Field(
        min_length=1, max_length=254, description="An e-mail address or a channel's buyer id."
    )
    channel: SuppressionChannel = SuppressionChannel.all
    reason: SuppressionReason = SuppressionReason.manual
    note: str = Field(default="", max_length=500)


class SuppressionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    address: str
    channel: SuppressionChannel
    reason: SuppressionReason
    note: str
    created_at: datetime


class MailAccountCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=120)
    email_address: EmailStr
    imap_host: str = Field(min_length=1, max_length=253, pattern=r"^[A-Za-z0-9.-]+$")
    imap_port: int = Field(default=993, ge=1, le=65535)
    imap_tls: TlsMode = TlsMode.SSL
    smtp_host: str = Field(min_length=1, max_length=253, pattern=r"^[A-Za-z0-9.-]+$")
    smtp_port: int = Field(default=465, ge=1, le=65535)
    smtp_tls: TlsMode = TlsMode.SSL
    username: str = Field(min_length=1, max_length=254)
    password: str = Field(
        min_length=1, max_length=500, description="Stored encrypted; never returned."
    )
    mailbox: str = Field(default="INBOX", min_length=1, max_length=200)
    dkim_domain: str = Field(default="", max_length=253)
    dkim_selector: str = Field(default="", max_length=63)
    dkim_private_key: str = Field(
        default="",
        max_length=10_000,
        description="PEM RSA key (see `linkstar inbox dkim-key`); stored encrypted.",
    )


class MailAccountRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    name: str
    email_address: str
    imap_host: str
    imap_port: int
    imap_tls: TlsMode
    smtp_host: str
    smtp_port: int
    smtp_tls: TlsMode
    username: str
    password_hint: str
    mailbox: str
    dkim_domain: str
    dkim_selector: str
    is_active: bool
    last_checked_at: datetime | None
    last_check_error: str
    created_at: datetime


class ConnectionCheck(BaseModel):
    imap: Literal["ok", "failed"]
    smtp: Literal["ok", "failed"]
    imap_error: str = ""
    smtp_error: str = ""
    checked_at: datetime
