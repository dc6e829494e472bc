"""IMAP fetching against a real local IMAP server (pymap, in-memory backend)."""

from __future__ import annotations

import imaplib
from collections.abc import Iterator

import pytest

from linkstar.inbox.channels.imap import MailboxCursor, check_imap, fetch_new
from linkstar.inbox.channels.servers import MailConnectionError, MailServer, TlsMode

from .conftest import eml
from .servers import IMAP_PASSWORD, IMAP_USER, imap_server


@pytest.fixture(scope="module")
def imap_port() -> Iterator[int]:
    with imap_server() as port:
        yield port


def _server(port: int, password: str = IMAP_PASSWORD) -> MailServer:
    return MailServer("127.0.0.1", port, TlsMode.NONE, IMAP_USER, password, timeout=10)


def _client(port: int) -> imaplib.IMAP4:
    client = imaplib.IMAP4("127.0.0.1", port)
    client.login(IMAP_USER, IMAP_PASSWORD)
    return client


def _mailbox(port: int, name: str, messages: list[bytes]) -> None:
    client = _client(port)
    client.create(name)
    for raw in messages:
        status, _ = client.append(name, None, None, raw)
        assert status == "OK"
    client.logout()


def _seen_flags(port: int, name: str) -> list[bytes]:
    client = _client(port)
    client.select(name, readonly=True)
    _, data = client.uid("FETCH", "1:*", "(FLAGS)")
    client.logout()
    return [item for item in data if isinstance(item, bytes) and b"\\Seen" in item]


def test_fetches_all_then_only_new_and_marks_nothing_read(imap_port: int) -> None:
    _mailbox(imap_port, "Support", [eml("gmail_reply"), eml("qq_gb18030")])
    server = _server(imap_port)

    first = fetch_new(server, None, mailbox="Support", batch=1, store_ref="support@acme")
    assert [m.external_id for m in first.messages] == [
        "<CAF4a5b6c7d8e9@mail.gmail.com>",
        "<tencent_0123456789ABCDEF0123456789ABCDEF0123@qq.com>",
    ]
    assert first.messages[0].raw == eml("gmail_reply")  # byte for byte
    assert first.messages[0].store_ref == "support@acme"
    assert first.messages[0].received_at.tzinfo is not None  # INTERNALDATE, in UTC
    assert first.failures == [] and first.reset is False and first.remaining == 0

    again = fetch_new(server, first.cursor, mailbox="Support")
    assert again.messages == [] and again.cursor == first.cursor

    _mailbox_append(imap_port, "Support", eml("amazon_relay"))
    third = fetch_new(server, first.cursor, mailbox="Support")
    assert [m.channel.value for m in third.messages] == ["amazon"]
    assert third.cursor.last_uid > first.cursor.last_uid
    assert _seen_flags(imap_port, "Support") == []  # BODY.PEEK and EXAMINE: nothing read


def _mailbox_append(port: int, name: str, raw: bytes) -> None:
    client = _client(port)
    client.append(name, None, None, raw)
    client.logout()


def test_limit_leaves_the_rest_for_the_next_call(imap_port: int) -> None:
    _mailbox(
        imap_port, "Busy", [eml("gmail_reply"), eml("outlook_windows1252"), eml("apple_mail_fr")]
    )
    server = _server(imap_port)
    part = fetch_new(server, None, mailbox="Busy", limit=2)
    assert len(part.messages) == 2 and part.remaining == 1
    rest = fetch_new(server, part.cursor, mailbox="Busy", limit=2)
    assert [m.external_id for m in rest.messages] == [
        "<7A1B2C3D-4E5F-6789-ABCD-EF0123456789@icloud.com>"
    ]
    assert rest.remaining == 0


def test_unusable_message_is_a_failure_with_its_bytes_and_the_cursor_moves(
    imap_port: int,
) -> None:
    empty = b"\r\n\r\n"
    _mailbox(imap_port, "Odd", [empty, eml("amazon_relay")])
    result = fetch_new(_server(imap_port), None, mailbox="Odd")
    assert [m.channel.value for m in result.messages] == ["amazon"]
    [failure] = result.failures
    assert failure.raw == empty and "empty" in failure.reason
    assert result.cursor.last_uid >= failure.uid


def test_uidvalidity_change_reads_the_mailbox_again(imap_port: int) -> None:
    _mailbox(imap_port, "Rebuilt", [eml("gmail_reply")])
    server = _server(imap_port)
    first = fetch_new(server, None, mailbox="Rebuilt")
    client = _client(imap_port)
    client.delete("Rebuilt")
    client.logout()
    _mailbox(imap_port, "Rebuilt", [eml("outlook_windows1252")])
    second = fetch_new(server, first.cursor, mailbox="Rebuilt")
    assert second.reset is True
    assert second.cursor.uidvalidity != first.cursor.uidvalidity
    assert [m.sender_address for m in second.messages] == ["anna.mueller@outlook.de"]


def test_stale_cursor_above_the_highest_uid_fetches_nothing(imap_port: int) -> None:
    _mailbox(imap_port, "Quiet", [eml("gmail_reply")])
    server = _server(imap_port)
    first = fetch_new(server, None, mailbox="Quiet")
    ahead = MailboxCursor(first.cursor.uidvalidity, first.cursor.last_uid + 50)
    # "UID n:*" still matches the highest message; it must not come back.
    assert fetch_new(server, ahead, mailbox="Quiet").messages == []


def test_check_connection_and_bad_login(imap_port: int) -> None:
    assert check_imap(_server(imap_port)) > 0
    with pytest.raises(MailConnectionError, match="login refused"):
        check_imap(_server(imap_port, password="wrong"))
    with pytest.raises(MailConnectionError, match=r"cannot open mailbox|IMAP error"):
        fetch_new(_server(imap_port), None, mailbox="Does-Not-Exist")


def test_unreachable_server() -> None:
    from .servers import free_port

    with pytest.raises(MailConnectionError, match="cannot reach IMAP"):
        check_imap(_server(free_port()))
