"""eBay buyer questions: Trading API GetMemberMessages (XML) → `InboundMessage`.

GetMemberMessagesResponse.MemberMessage.MemberMessageExchange[] each hold an Item (ItemID),
a Question (MessageType, SenderID, SenderEmail, Subject, Body, MessageID), MessageStatus and
CreationDate. The request pages with Pagination.EntriesPerPage (25/50/100/200) and PageNumber
and filters by StartCreationTime/EndCreationTime; HasMoreItems says whether a next page exists.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.sax.saxutils import escape

from linkstar.inbox.channels.errors import MessagePayloadError
from linkstar.inbox.core.inbound import Channel, InboundMessage
from linkstar.orders.connectors.clients import ChannelHttp, ChannelUnavailable, RateLimit

NS = "{urn:ebay:apis:eBLBaseComponents}"
COMPATIBILITY_LEVEL = "1423"
CALL = "GetMemberMessages"
# Trading API limits are per application per day (5,000 by default); one call a second with a
# small burst stays far inside it for a polling inbox, and 429/503 answers are retried.
LIMIT = RateLimit(rate=1.0, burst=5)


@dataclass(frozen=True, slots=True)
class MemberMessagesPage:
    messages: list[InboundMessage]
    failures: list[tuple[bytes, MessagePayloadError]]
    has_more: bool


def _text(node: ET.Element | None, name: str) -> str:
    child = node.find(NS + name) if node is not None else None
    return (child.text or "").strip() if child is not None else ""


def _time(value: str, path: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise MessagePayloadError("expected an ISO 8601 time", path) from exc
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_response(body: bytes, *, store_ref: str = "") -> MemberMessagesPage:
    """Parse one GetMemberMessages response; a bad exchange is a failure, the rest are kept."""
    root = _root(body)
    ack = _text(root, "Ack")
    if ack not in ("Success", "Warning"):
        errors = root.find(NS + "Errors")
        reason = _text(errors, "LongMessage") or _text(errors, "ShortMessage") or ack
        raise ChannelUnavailable(f"eBay {CALL} answered {ack or 'no Ack'}: {reason}")
    messages: list[InboundMessage] = []
    failures: list[tuple[bytes, MessagePayloadError]] = []
    container = root.find(NS + "MemberMessage")
    exchanges = container.findall(NS + "MemberMessageExchange") if container is not None else []
    for i, exchange in enumerate(exchanges):
        try:
            messages.append(parse_exchange(exchange, f"$.MemberMessageExchange[{i}]", store_ref))
        except MessagePayloadError as exc:
            failures.append((ET.tostring(exchange), exc))
    return MemberMessagesPage(messages, failures, _text(root, "HasMoreItems") == "true")


def parse_exchange(exchange: ET.Element, path: str, store_ref: str = "") -> InboundMessage:
    """One MemberMessageExchange (a buyer's question about an item) → InboundMessage."""
    question = exchange.find(NS + "Question")
    if question is None:
        raise MessagePayloadError("is required", f"{path}.Question")
    message_id = _text(question, "MessageID")
    if not message_id:
        raise MessagePayloadError("is required", f"{path}.Question.MessageID")
    sender = _text(question, "SenderID")
    if not sender:
        raise MessagePayloadError("is required", f"{path}.Question.SenderID")
    created = _text(exchange, "CreationDate")
    if not created:
        raise MessagePayloadError("is required", f"{path}.CreationDate")
    body = _text(question, "Body")
    item_id = _text(exchange.find(NS + "Item"), "ItemID")
    parent = _text(question, "ParentMessageID")
    return InboundMessage(
        channel=Channel.EBAY,
        external_id=message_id,
        received_at=_time(created, f"{path}.CreationDate"),
        sender_address=sender,
        sender_name=sender,
        subject=_text(question, "Subject"),
        text=body,
        display_body=body,
        external_thread_id=f"{sender}:{item_id}" if item_id else sender,
        in_reply_to=(parent,) if parent else (),
        # eBay ties questions to listings, not orders: the ItemID is what links them.
        order_refs=(item_id,) if item_id else (),
        store_ref=store_ref,
        raw=ET.tostring(exchange),
        raw_content_type="application/xml",
    )


def parse_kept_exchange(raw: bytes, path: str, store_ref: str) -> InboundMessage:
    """An exchange a poll could not parse, kept whole (`ET.tostring`), parsed again alone."""
    return parse_exchange(_root(raw), path, store_ref)


def _root(body: bytes) -> ET.Element:
    if b"<!DOCTYPE" in body[:2048].upper():
        raise MessagePayloadError("DOCTYPE declarations are not accepted", "$")
    try:
        return ET.fromstring(body)  # noqa: S314 - no DOCTYPE, so no entity expansion
    except ET.ParseError as exc:
        raise MessagePayloadError(f"not well-formed XML: {exc}", "$") from exc
    except LookupError as exc:  # an encoding declaration Python does not know
        raise MessagePayloadError(f"unknown XML encoding: {exc}", "$") from exc


def request_body(start: datetime, end: datetime, page: int, per_page: int = 200) -> bytes:
    """The GetMemberMessagesRequest for one page of questions created in [start, end]."""
    fmt = "%Y-%m-%dT%H:%M:%S.000Z"
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<GetMemberMessagesRequest xmlns="urn:ebay:apis:eBLBaseComponents">'
        "<MailMessageType>AskSellerQuestion</MailMessageType>"
        f"<StartCreationTime>{escape(start.astimezone(UTC).strftime(fmt))}</StartCreationTime>"
        f"<EndCreationTime>{escape(end.astimezone(UTC).strftime(fmt))}</EndCreationTime>"
        f"<Pagination><EntriesPerPage>{per_page}</EntriesPerPage>"
        f"<PageNumber>{page}</PageNumber></Pagination>"
        "</GetMemberMessagesRequest>"
    ).encode()


def member_message_pages(
    http: ChannelHttp,
    since: datetime,
    *,
    token: str,
    site_id: str = "0",
    store_ref: str = "",
    max_pages: int = 50,
) -> Iterator[MemberMessagesPage]:
    """POST /ws/api.dll GetMemberMessages page by page until HasMoreItems is false."""
    end = http.clock.utcnow()
    headers = {
        "X-EBAY-API-CALL-NAME": CALL,
        "X-EBAY-API-SITEID": site_id,
        "X-EBAY-API-COMPATIBILITY-LEVEL": COMPATIBILITY_LEVEL,
        "X-EBAY-API-IAF-TOKEN": token,
        "Content-Type": "text/xml",
    }
    for page in range(1, max_pages + 1):
        response = http.send(
            "POST", "/ws/api.dll", content=request_body(since, end, page), headers=headers
        )
        if response.status_code >= 400:
            raise ChannelUnavailable(f"eBay {CALL}: HTTP {response.status_code}")
        parsed = parse_response(response.content, store_ref=store_ref)
        yield parsed
        if not parsed.has_more:
            return
