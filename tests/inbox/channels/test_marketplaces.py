"""Marketplace message connectors on recorded payloads through httpx.MockTransport."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from linkstar.inbox.channels import amazon, contact_form, ebay, tiktok
from linkstar.inbox.channels.errors import MessagePayloadError
from linkstar.inbox.core.inbound import Channel
from linkstar.orders.connectors.clients import ChannelHttp, ChannelUnavailable, RateLimit
from linkstar.orders.connectors.signatures import SignatureError, tiktok_request_sign

from .conftest import fixture_bytes

START = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)


class FakeClock:
    def __init__(self) -> None:
        self.t = 0.0

    def monotonic(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += seconds

    def utcnow(self) -> datetime:
        return START + timedelta(seconds=self.t)


def payload(name: str) -> bytes:
    return fixture_bytes(f"../payloads/{name}")


def http_for(handler: Any, base: str = "https://api.example") -> ChannelHttp:
    return ChannelHttp(
        base,
        limit=RateLimit(rate=10, burst=10),
        transport=httpx.MockTransport(handler),
        clock=FakeClock(),
    )


# --- eBay -------------------------------------------------------------------------------------


def test_ebay_page_parses_questions_and_keeps_bad_ones_as_failures() -> None:
    page = ebay.parse_response(payload("ebay_get_member_messages.xml"), store_ref="acme_store")
    first, second = page.messages
    assert first.channel is Channel.EBAY
    assert first.external_id == "2154879632"
    assert first.received_at == datetime(2026, 12, 4, 8, 12, 40, tzinfo=UTC)
    assert (first.sender_address, first.sender_name) == ("m.rossi_it", "m.rossi_it")
    assert first.subject.startswith("Question about item #296512345678")
    assert first.text == (
        "Hello, do you ship to Italy and how long does it take? I need 40 pieces for our office."
    )
    assert first.order_refs == ("296512345678",)
    assert first.external_thread_id == "m.rossi_it:296512345678"
    assert first.store_ref == "acme_store"
    assert first.raw_content_type == "application/xml"
    assert b"<ns0:MessageID>2154879632</ns0:MessageID>" in first.raw
    assert second.text == "Thanks & regards <3"  # XML entities decoded
    assert second.in_reply_to == ("2154870001",)
    [(raw, error)] = page.failures
    assert error.path == "$.MemberMessageExchange[2].Question.MessageID"
    assert b"This exchange has no MessageID." in raw
    assert page.has_more is True


def test_ebay_pages_follow_has_more_items_with_signed_headers() -> None:
    seen: list[httpx.Request] = []
    pages = [payload("ebay_get_member_messages.xml"), payload("ebay_get_member_messages_page2.xml")]

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=pages[len(seen) - 1])

    http = http_for(handler, "https://api.ebay.com")
    got = list(ebay.member_message_pages(http, START - timedelta(days=1), token="v^1.1#tok"))
    assert [len(p.messages) for p in got] == [2, 1]
    assert got[1].messages[0].text == "Können Sie mir eine Rechnung mit MwSt. schicken?"
    assert seen[0].url.path == "/ws/api.dll"
    assert seen[0].headers["X-EBAY-API-CALL-NAME"] == "GetMemberMessages"
    assert seen[0].headers["X-EBAY-API-IAF-TOKEN"] == "v^1.1#tok"
    assert seen[0].headers["X-EBAY-API-COMPATIBILITY-LEVEL"] == "1423"
    body = seen[1].content.decode()
    assert "<PageNumber>2</PageNumber>" in body
    assert "<StartCreationTime>2026-12-03T09:30:00.000Z</StartCreationTime>" in body
    assert "<MailMessageType>AskSellerQuestion</MailMessageType>" in body


def test_ebay_failure_ack_is_channel_unavailable() -> None:
    with pytest.raises(ChannelUnavailable, match="invalid or has expired"):
        ebay.parse_response(payload("ebay_failure.xml"))


@pytest.mark.parametrize(
    "body",
    [
        b"not xml",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>',
        b"",
    ],
)
def test_ebay_malformed_xml_is_a_payload_error(body: bytes) -> None:
    with pytest.raises(MessagePayloadError):
        ebay.parse_response(body)


# --- TikTok Shop ------------------------------------------------------------------------------


def test_tiktok_buyer_messages_since_cursor_signed_requests() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("/conversations"):
            return httpx.Response(200, content=payload("tiktok_conversations.json"))
        return httpx.Response(200, content=payload("tiktok_messages.json"))

    http = http_for(handler, "https://open-api.tiktokglobalshop.com")
    since = datetime.fromtimestamp(1764800000, UTC)
    got = list(
        tiktok.buyer_messages(
            http, since, app_key="ak", app_secret="sk", shop_cipher="ROW_abc", store_ref="tt1"
        )
    )
    messages = [m for _, _, m in got if not isinstance(m, MessagePayloadError)]
    errors = [m for _, _, m in got if isinstance(m, MessagePayloadError)]
    # The shop's own answer is not inbound; the old message stops the walk; the old
    # conversation is never opened.
    assert [m.text for m in messages] == [
        "ok thanks",
        "[order 576461413038785752]",
        "when will my order ship??",
    ]
    assert messages[1].order_refs == ("576461413038785752",)
    first = messages[0]
    assert first.channel is Channel.TIKTOK
    assert first.external_id == "7434567890123456802"
    assert first.external_thread_id == "7434567890123456789"
    assert (first.sender_address, first.sender_name) == ("7434000000000000001", "lily_shop_lover")
    assert first.received_at == datetime.fromtimestamp(1764840000, UTC)
    assert json.loads(first.raw)["id"] == "7434567890123456802"
    [error] = errors
    assert error.path == "$.data.messages[4].content"
    assert [r.url.path for r in seen] == [
        "/customer_service/202309/conversations",
        "/customer_service/202309/conversations/7434567890123456789/messages",
    ]
    params = dict(seen[1].url.params)
    assert params["shop_cipher"] == "ROW_abc" and params["sort_order"] == "DESC"
    sign = params.pop("sign")
    assert sign == tiktok_request_sign("sk", seen[1].url.path, params)


def test_tiktok_error_envelope_is_channel_unavailable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"code": 105002, "message": "Expired credentials"})

    http = http_for(handler)
    with pytest.raises(ChannelUnavailable, match="105002"):
        list(tiktok.buyer_messages(http, START, app_key="a", app_secret="s", shop_cipher="c"))


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda c: st.lists(c) | st.dictionaries(st.text(), c),
        max_leaves=20,
    )
)
def test_tiktok_parser_fuzz(value: Any) -> None:
    with contextlib.suppress(MessagePayloadError):
        tiktok.parse_message(value, "c1")


# --- Amazon -----------------------------------------------------------------------------------


def test_amazon_messaging_actions() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=payload("amazon_messaging_actions.json"))

    http = http_for(handler, "https://sellingpartnerapi-na.amazon.com")
    names = amazon.messaging_actions(http, "113-4567890-1234567", "ATVPDKIKX0DER")
    assert names == ("confirmDeliveryDetails", "unexpectedProblem", "negativeFeedbackRemoval")
    assert seen[0].url.path == "/messaging/v1/orders/113-4567890-1234567"
    assert seen[0].url.params["marketplaceIds"] == "ATVPDKIKX0DER"


@pytest.mark.parametrize(
    ("value", "path"),
    [([], "$"), ({}, "$._links"), ({"_links": {"actions": [{}]}}, "$._links.actions[0]")],
)
def test_amazon_actions_bad_payload(value: Any, path: str) -> None:
    with pytest.raises(MessagePayloadError) as caught:
        amazon.parse_messaging_actions(value)
    assert caught.value.path == path


def test_amazon_order_id_is_checked_before_any_request() -> None:
    http = http_for(lambda request: pytest.fail("no request expected"))
    with pytest.raises(MessagePayloadError):
        amazon.messaging_actions(http, "../../orders", "ATVPDKIKX0DER")


# --- contact form -----------------------------------------------------------------------------


def _signed(body: bytes, secret: str, t: int) -> dict[str, str]:
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return {"X-LinkStar-Signature": f"t={t},v1={mac}"}


def test_contact_form_signed_webhook() -> None:
    body = payload("contact_form.json")
    now = datetime(2026, 12, 4, 9, 16, tzinfo=UTC)
    msg = contact_form.receive(
        body, _signed(body, "whsec", int(now.timestamp())), "whsec", now=now, store_ref="site"
    )
    assert msg.channel is Channel.WEBSITE
    assert msg.external_id == "cf_20261204_0001"
    assert msg.sender_address == "procurement@hotel-alpina.example"
    assert msg.sender_name == "Hotel Alpina Einkauf"
    assert msg.received_at == datetime(2026, 12, 4, 9, 15, tzinfo=UTC)
    assert msg.order_refs == ()
    assert msg.text.startswith("Guten Tag, wir benötigen 800 Trinkflaschen")
    assert msg.raw == body


def test_contact_form_bad_signature_and_stale_timestamp() -> None:
    body = payload("contact_form.json")
    now = datetime(2026, 12, 4, 9, 16, tzinfo=UTC)
    with pytest.raises(SignatureError):
        contact_form.receive(body, _signed(body, "other", int(now.timestamp())), "whsec", now=now)
    with pytest.raises(SignatureError):
        contact_form.receive(body, {}, "whsec", now=now)
    stale = int(now.timestamp()) - 3600
    with pytest.raises(SignatureError):
        contact_form.receive(body, _signed(body, "whsec", stale), "whsec", now=now)


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"email": "nope"}, "$.email"),
        ({"message": ""}, "$.message"),
        ({"submitted_at": "2026-12-04T10:15:00"}, "$.submitted_at"),
        ({"channel": "amazon"}, "$.channel"),
        ({"id": 5}, "$.id"),
        ({"message": "x" * 20_001}, "$.message"),
    ],
)
def test_contact_form_bad_fields(changes: dict[str, Any], path: str) -> None:
    data = {**json.loads(payload("contact_form.json")), **changes}
    with pytest.raises(MessagePayloadError) as caught:
        contact_form.parse(json.dumps(data).encode())
    assert caught.value.path == path


@given(st.binary(max_size=300))
def test_contact_form_fuzz(body: bytes) -> None:
    with contextlib.suppress(MessagePayloadError):
        contact_form.parse(body)


# --- polling ----------------------------------------------------------------------------------


def test_poll_ebay_moves_the_cursor_only_when_complete() -> None:
    from linkstar.inbox.channels.polling import OVERLAP, poll_ebay

    pages = [payload("ebay_get_member_messages.xml"), payload("ebay_get_member_messages_page2.xml")]
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(200, content=pages[len(calls) - 1])

    since = START - timedelta(days=1)
    done = poll_ebay(http_for(handler), since, token="t")
    assert done.complete and len(done.messages) == 3 and len(done.failures) == 1
    assert done.failures[0].path.endswith("Question.MessageID")
    assert done.cursor == START - OVERLAP

    def failing(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503)

    broken = poll_ebay(http_for(failing), since, token="t")
    assert not broken.complete and broken.cursor == since
    assert "503" in (broken.interrupted_by or "")


def test_poll_tiktok_keeps_bad_messages_whole() -> None:
    from linkstar.inbox.channels.polling import poll_tiktok

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/conversations"):
            return httpx.Response(200, content=payload("tiktok_conversations.json"))
        return httpx.Response(200, content=payload("tiktok_messages.json"))

    since = datetime.fromtimestamp(1764800000, UTC)
    result = poll_tiktok(http_for(handler), since, app_key="a", app_secret="s", shop_cipher="c")
    assert result.complete and len(result.messages) == 3
    [failure] = result.failures
    assert json.loads(failure.raw)["content"] == "not json"
    assert result.requests == 2


@given(st.binary(max_size=400))
def test_ebay_parser_fuzz(body: bytes) -> None:
    with contextlib.suppress(MessagePayloadError, ChannelUnavailable):
        ebay.parse_response(body)


@given(st.data())
def test_ebay_mutated_recorded_page(data: st.DataObject) -> None:
    raw = bytearray(payload("ebay_get_member_messages.xml"))
    for _ in range(data.draw(st.integers(1, 10))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    with contextlib.suppress(MessagePayloadError, ChannelUnavailable):
        page = ebay.parse_response(bytes(raw))
        assert all(m.external_id and m.sender_address for m in page.messages)
