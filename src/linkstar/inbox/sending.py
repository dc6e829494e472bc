"""The sender port: how a queued reply leaves LinkStar, chosen by channel.

Channel connectors (SMTP, Amazon Messaging, eBay, TikTok Shop, ...) register a `MessageSender`
for their channel at start-up. A channel without one gets its replies marked `failed` with the
reason "no sender configured for channel X" (never silently dropped).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Protocol


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


class MessageSender(Protocol):
    """Hands one message to a channel; returns the channel's id of the sent message."""

    def send(self, message: OutboundMessage) -> str: ...


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
    """The registered sender of `channel`, or None."""
    return _senders.get(channel)
