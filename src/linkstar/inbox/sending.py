"""The sender port: how a queued reply leaves LinkStar, chosen by channel.

Channel connectors (Amazon Messaging, eBay, TikTok Shop, ...) register a `MessageSender` for
their channel at start-up; e-mail (and website contact forms, answered by e-mail) go through the
organisation's mail account by default (`inbox.mail.delivery`). A channel without a sender gets
its replies marked `failed` with the reason "no sender configured for channel X", and a sender
that refuses a message (`SendRefused`) marks it `failed` with its reason (never silently dropped).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session

from linkstar.kit.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """A reply ready to leave: where it goes and what it says."""

    message_id: str
    organisation_id: str
    channel: str
    store_ref: str
    to_address: str
    to_name: str
    subject: str
    body: str
    html: bool
    in_reply_to: str  # the external id of the buyer message answered
    external_thread_id: str


class SendRefused(InvalidInput):
    """The channel cannot take this message at all (no account, suppressed recipient, ...)."""

    code = "send_refused"


class MessageSender(Protocol):
    """Hands one message to a channel; returns the channel's id of the sent message."""

    def send(self, session: Session, message: OutboundMessage) -> str: ...


EMAIL_CHANNELS = frozenset({"email", "website"})
_lock = threading.Lock()
_senders: dict[str, MessageSender] = {}


def register_sender(channel: str, sender: MessageSender) -> None:
    """Use `sender` for replies on `channel` (replacing any earlier one)."""
    with _lock:
        _senders[channel] = sender


def unregister_sender(channel: str) -> None:
    """Forget the sender of `channel` (tests)."""
    with _lock:
        _senders.pop(channel, None)


def sender_for(channel: str) -> MessageSender | None:
    """The registered sender of `channel` (e-mail by default for email and website), or None."""
    sender = _senders.get(channel)
    if sender is None and channel in EMAIL_CHANNELS:
        from linkstar.inbox.mail.delivery import EmailSender  # imports this module

        sender = EmailSender()
    return sender
