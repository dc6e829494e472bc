"""Poll a marketplace's buyer messages since a cursor, like the order pollers do.

`poll_ebay` and `poll_tiktok` drive the connectors' page iterators over a `ChannelHttp`
(token bucket, 429/Retry-After, capped backoff). A payload that does not parse is kept whole
as a `MessageFailure` (for the dead-letter table) and never stops the poll; a page the
platform keeps refusing stops it, and then the cursor does NOT move, so the next poll asks
for the same window again (the store deduplicates by channel and external id).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from linkstar.inbox.channels import ebay, tiktok
from linkstar.inbox.channels.errors import MessagePayloadError
from linkstar.inbox.core.inbound import InboundMessage
from linkstar.orders.connectors.clients import ChannelHttp, ChannelUnavailable

# Messages created while the last poll ran are asked for again.
OVERLAP = timedelta(minutes=2)


@dataclass(frozen=True, slots=True)
class MessageFailure:
    """A message that did not parse, with what `parse_kept` needs to parse it again alone."""

    raw: bytes
    reason: str
    path: str  # where the parser stopped, e.g. $.data.messages[4].content
    conversation_id: str = ""  # TikTok Shop: the conversation it was read from

    @property
    def message_path(self) -> str:
        """Where the message sat in its page (`$.data.messages[4]`): the parsers' `path`."""
        end = self.path.find("]")
        return self.path[: end + 1] if end >= 0 else "$"


def parse_kept(
    channel: str, raw: bytes, *, store_ref: str, conversation_id: str, path: str
) -> InboundMessage | None:
    """Parse a kept failure again with the parser the poll used (None: not the buyer's).

    `channel` is the store's ("ebay" or "tiktok_shop"); MessagePayloadError when it still fails.
    """
    if channel == "ebay":
        return ebay.parse_kept_exchange(raw, path, store_ref)
    if channel != "tiktok_shop":
        raise MessagePayloadError(f"{channel} stores have no buyer messages to parse", path)
    try:
        payload = json.loads(raw)
    except ValueError as exc:
        raise MessagePayloadError("is not valid JSON", path) from exc
    return tiktok.parse_message(payload, conversation_id, store_ref=store_ref, path=path)


@dataclass(slots=True)
class MessagePollResult:
    messages: list[InboundMessage] = field(default_factory=list)
    failures: list[MessageFailure] = field(default_factory=list)
    cursor: datetime | None = None  # pass back as `since` next time
    complete: bool = False
    interrupted_by: str | None = None
    requests: int = 0
    throttled: int = 0


def _finish(
    http: ChannelHttp, result: MessagePollResult, since: datetime, started: datetime
) -> MessagePollResult:
    if result.complete:
        result.cursor = max(since, started - OVERLAP)
    result.requests, result.throttled = http.requests, http.throttled
    return result


def poll_ebay(
    http: ChannelHttp, since: datetime, *, token: str, site_id: str = "0", store_ref: str = ""
) -> MessagePollResult:
    """Buyer questions created since `since` (GetMemberMessages, every page)."""
    started = http.clock.utcnow()
    result = MessagePollResult(cursor=since)
    try:
        for page in ebay.member_message_pages(
            http, since, token=token, site_id=site_id, store_ref=store_ref
        ):
            result.messages.extend(page.messages)
            result.failures.extend(
                MessageFailure(raw, e.reason, e.path) for raw, e in page.failures
            )
    except (ChannelUnavailable, MessagePayloadError) as exc:
        result.interrupted_by = str(exc)
    else:
        result.complete = True
    return _finish(http, result, since, started)


def poll_tiktok(
    http: ChannelHttp,
    since: datetime,
    *,
    app_key: str,
    app_secret: str,
    shop_cipher: str,
    store_ref: str = "",
) -> MessagePollResult:
    """Buyer chat messages created since `since`, across the shop's conversations."""
    started = http.clock.utcnow()
    result = MessagePollResult(cursor=since)
    try:
        for raw, conversation, item in tiktok.buyer_messages(
            http,
            since,
            app_key=app_key,
            app_secret=app_secret,
            shop_cipher=shop_cipher,
            store_ref=store_ref,
        ):
            if isinstance(item, MessagePayloadError):
                failure = MessageFailure(_dump(raw), item.reason, item.path, conversation)
                result.failures.append(failure)
            else:
                result.messages.append(item)
    except (ChannelUnavailable, MessagePayloadError) as exc:
        result.interrupted_by = str(exc)
    else:
        result.complete = True
    return _finish(http, result, since, started)


def _dump(raw: Any) -> bytes:
    return json.dumps(raw, ensure_ascii=False, sort_keys=True, default=str).encode()
