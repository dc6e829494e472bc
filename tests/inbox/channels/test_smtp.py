"""SMTP sending against a real local SMTP server (aiosmtpd); DKIM verified with dkimpy."""

from __future__ import annotations

import email
from collections.abc import Iterator
from datetime import UTC, datetime
from email.policy import default as default_policy

import dkim
import pytest

from linkstar.inbox.channels.dkim_keys import DkimKeyPair, generate
from linkstar.inbox.channels.servers import MailConnectionError, MailServer, TlsMode
from linkstar.inbox.channels.smtp import (
    DkimKey,
    OutboundEmail,
    RecipientSuppressed,
    build_message,
    check_smtp,
    send,
)
from linkstar.kit.errors import InvalidInput

from .servers import SMTP_PASSWORD, SMTP_USER, RecordingHandler, free_port, smtp_server

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[int, RecordingHandler]]:
    with smtp_server() as running:
        yield running


@pytest.fixture(scope="module")
def keypair() -> DkimKeyPair:
    return generate("acme-shop.example", "ls2026", bits=1024)  # small key: fast test


def _server(port: int, password: str = SMTP_PASSWORD) -> MailServer:
    return MailServer("127.0.0.1", port, TlsMode.NONE, SMTP_USER, password, timeout=10)


def _dns(keypair: DkimKeyPair):  # type: ignore[no-untyped-def]
    def lookup(name: bytes, timeout: int = 5) -> bytes:
        assert name == f"{keypair.record_name}.".encode()
        return keypair.record_value.encode()

    return lookup


def _never(address: str) -> bool:
    return False


def test_reply_threads_and_verifies(
    smtp: tuple[int, RecordingHandler], keypair: DkimKeyPair
) -> None:
    port, handler = smtp
    handler.messages.clear()
    mail = OutboundEmail(
        from_address="support@acme-shop.example",
        from_name="Acme Support",
        to_address="jose.garcia.buyer@gmail.com",
        to_name="José García",
        subject="Re: Your order #1042 has shipped ✈",
        text="Hola José,\n\nYour parcel is with the local courier.\n",
        html="<p>Hola José,</p><p>Your parcel is with the local courier.</p>",
        in_reply_to="<CAF4a5b6c7d8e9@mail.gmail.com>",
        references=("<CAB1x2y3z@mail.acme-shop.example>",),
    )
    key = DkimKey(keypair.domain, keypair.selector, keypair.private_key_pem)
    sent = send(_server(port), mail, suppressed=_never, dkim_key=key, now=NOW)

    [received] = handler.messages
    assert received.mail_from == "support@acme-shop.example"
    assert received.rcpt_tos == ["jose.garcia.buyer@gmail.com"]
    assert received.content.replace(b"\r\n", b"\n") == sent.raw.replace(b"\r\n", b"\n")
    msg = email.message_from_bytes(received.content, policy=default_policy)
    assert msg["Message-ID"] == sent.message_id
    assert sent.message_id.endswith("@acme-shop.example>")
    assert msg["In-Reply-To"] == "<CAF4a5b6c7d8e9@mail.gmail.com>"
    assert msg["References"] == (
        "<CAB1x2y3z@mail.acme-shop.example> <CAF4a5b6c7d8e9@mail.gmail.com>"
    )
    assert msg["Subject"] == "Re: Your order #1042 has shipped ✈"
    assert str(msg["From"]) == "Acme Support <support@acme-shop.example>"
    assert msg["Date"] == "Fri, 04 Dec 2026 12:00:00 +0000"
    assert msg["List-Unsubscribe"] is None  # a reply is not outreach
    assert msg.get_content_type() == "multipart/alternative"
    plain, html = msg.get_body(("plain",)), msg.get_body(("html",))
    assert plain is not None and html is not None
    assert plain.get_content().replace("\r\n", "\n") == mail.text
    assert html.get_content().strip() == mail.html
    assert dkim.verify(received.content, dnsfunc=_dns(keypair)) is True


def test_outreach_has_rfc8058_headers_covered_by_dkim(
    smtp: tuple[int, RecordingHandler], keypair: DkimKeyPair
) -> None:
    port, handler = smtp
    handler.messages.clear()
    mail = OutboundEmail(
        from_address="hello@acme-shop.example",
        to_address="buyer@wholesale.example",
        subject="Bulk pricing for 2027",
        text="Our 2027 wholesale price list is ready.",
        unsubscribe_url="https://app.acme-shop.example/u/tok_abc123",
        unsubscribe_mailto="unsubscribe+tok_abc123@acme-shop.example",
    )
    key = DkimKey(keypair.domain, keypair.selector, keypair.private_key_pem)
    send(_server(port), mail, suppressed=_never, dkim_key=key, now=NOW)
    [received] = handler.messages
    msg = email.message_from_bytes(received.content, policy=default_policy)
    assert msg["List-Unsubscribe"] == (
        "<https://app.acme-shop.example/u/tok_abc123>, "
        "<mailto:unsubscribe+tok_abc123@acme-shop.example>"
    )
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    signed = dict(
        part.strip().split("=", 1) for part in str(msg["DKIM-Signature"]).split(";") if "=" in part
    )
    signed_headers = {h.strip() for h in signed["h"].replace(" ", "").split(":")}
    assert {"list-unsubscribe", "list-unsubscribe-post", "from", "subject"} <= signed_headers
    assert msg.get_content_type() == "text/plain"
    assert dkim.verify(received.content, dnsfunc=_dns(keypair)) is True
    # Tampering with the unsubscribe header breaks the signature.
    tampered = received.content.replace(b"tok_abc123>", b"tok_evil>", 1)
    assert dkim.verify(tampered, dnsfunc=_dns(keypair)) is False


def test_suppressed_recipient_is_refused_before_connecting(
    smtp: tuple[int, RecordingHandler],
) -> None:
    _, handler = smtp
    handler.messages.clear()
    asked: list[str] = []

    def suppressed(address: str) -> bool:
        asked.append(address)
        return address == "gone@example.org"

    mail = OutboundEmail("a@acme-shop.example", " Gone@Example.org ", "hi", "hi")
    with pytest.raises(RecipientSuppressed):
        send(_server(free_port()), mail, suppressed=suppressed)  # no server: never contacted
    assert asked == ["gone@example.org"]
    assert handler.messages == []


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"subject": "hi\r\nBcc: victim@example.org"}, "headers"),
        ({"unsubscribe_url": "https://x.example/u/1"}, "both"),
        ({"unsubscribe_url": "http://x.example/u/1", "unsubscribe_mailto": "u@x.example"}, "https"),
        ({"to_address": "not an address"}, "headers"),
    ],
)
def test_bad_messages_are_refused(changes: dict[str, str], reason: str) -> None:
    base = {"from_address": "a@acme-shop.example", "to_address": "b@example.org"}
    mail = OutboundEmail(**{**base, "subject": "s", "text": "t", **changes})  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match=reason):
        build_message(mail, now=NOW)


def test_login_check_and_refusal(smtp: tuple[int, RecordingHandler]) -> None:
    port, _ = smtp
    check_smtp(_server(port))
    with pytest.raises(MailConnectionError, match="login refused"):
        check_smtp(_server(port, password="wrong"))
    with pytest.raises(MailConnectionError, match="cannot reach SMTP"):
        check_smtp(_server(free_port()))


def test_dkim_record() -> None:
    pair = generate("Acme-Shop.example.", "s1", bits=1024)
    assert pair.record_name == "s1._domainkey.acme-shop.example"
    assert pair.record_value.startswith("v=DKIM1; k=rsa; p=MIG")
    assert pair.zone_line().startswith('s1._domainkey.acme-shop.example. IN TXT ( "v=DKIM1;')
    assert pair.private_key_pem.startswith(b"-----BEGIN RSA PRIVATE KEY-----")
    with pytest.raises(ValueError, match="selector"):
        generate("acme-shop.example", "bad selector")
    with pytest.raises(ValueError, match="domain"):
        generate("localhost", "s1")
