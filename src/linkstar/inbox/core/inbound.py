"""The one shape every inbound buyer message takes before it is stored.

Channel connectors (IMAP/MIME e-mail, Amazon SP-API Messaging and the buyer-seller relay, eBay
member messages, TikTok Shop customer service, signed contact-form webhooks) parse their real
payloads into `InboundMessage`; the inbox store groups them into threads, links them to orders
and shipments and classifies them. The raw payload always travels with the message so that
nothing is lost when a later step fails.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Channel(StrEnum):
    EMAIL = "email"
    AMAZON = "amazon"
    EBAY = "ebay"
    TIKTOK = "tiktok"
    SHOPIFY = "shopify"
    WEBSITE = "website"


@dataclass(frozen=True, slots=True)
class InboundAttachment:
    filename: str
    content_type: str
    size: int
    # None when the attachment was over the size limit and only its metadata was kept.
    content: bytes | None = None


@dataclass(frozen=True, slots=True)
class InboundMessage:
    channel: Channel
    # The channel's own id of the message (Message-ID for e-mail); idempotency key with channel.
    external_id: str
    received_at: datetime  # timezone-aware
    sender_address: str  # e-mail address or the channel's buyer id
    sender_name: str
    subject: str
    # Plain text for analysis: quoted replies and signatures stripped.
    text: str
    # What the reader sees: the full plain text, or sanitised HTML when html is True.
    display_body: str
    html: bool = False
    # The channel's thread/conversation id when it has one (References/In-Reply-To for e-mail).
    external_thread_id: str = ""
    in_reply_to: tuple[str, ...] = ()
    # Order ids the channel itself attached to the message (Amazon order id, eBay item/order).
    order_refs: tuple[str, ...] = ()
    store_ref: str = ""  # the channel account the message came through, when known
    attachments: tuple[InboundAttachment, ...] = ()
    raw: bytes = b""  # the untouched payload (RFC 5322 bytes or the JSON body)
    raw_content_type: str = "application/json"
    warnings: tuple[str, ...] = field(default=())  # e.g. "attachment_truncated", "bad_charset"
