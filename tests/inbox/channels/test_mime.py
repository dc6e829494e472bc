"""MIME parsing of recorded real-world-shaped e-mails and of broken ones."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from linkstar.inbox.channels.mime import UnusableMessage, html_to_text, parse_email
from linkstar.inbox.core.inbound import Channel

from .conftest import eml


def test_gmail_reply_quoted_printable_alternative() -> None:
    msg = parse_email(eml("gmail_reply"), store_ref="support@acme-shop.example")
    assert msg.channel is Channel.EMAIL
    assert msg.external_id == "<CAF4a5b6c7d8e9@mail.gmail.com>"
    assert msg.received_at == datetime(2026, 12, 3, 10, 10, tzinfo=UTC)
    assert msg.sender_address == "jose.garcia.buyer@gmail.com"
    assert msg.sender_name == "José García"
    assert msg.subject == "Re: Your order #1042 has shipped ✈"
    # text/plain is preferred for analysis; the quoted history is gone.
    assert msg.text == (
        "Hi,\n\nMy order #1042 still hasn't arrived. Tracking says in transit since 20 Nov"
        " — can you check?\n\nThanks,\nJosé"
    )
    # The reader sees the sanitised HTML, quote included, without any script.
    assert msg.html is True
    assert "Tracking: 1Z999AA10123456784" in msg.display_body
    for bad in ("<script", "onerror", "javascript:", "alert(2)"):
        assert bad not in msg.display_body
    assert msg.in_reply_to == ("<CAB1x2y3z@mail.acme-shop.example>",)
    assert msg.external_thread_id == "<CAB1x2y3z@mail.acme-shop.example>"
    assert msg.store_ref == "support@acme-shop.example"
    assert msg.raw == eml("gmail_reply")
    assert msg.raw_content_type == "message/rfc822"
    assert msg.warnings == ()


def test_outlook_windows1252_with_attachment_and_original_message() -> None:
    msg = parse_email(eml("outlook_windows1252"))
    assert msg.sender_name == "Anna Müller"
    assert msg.subject == "AW: Thank you for your purchase"
    assert msg.text == (
        "Hello,\n\nI would like to return the blender (order 1043), it arrived broken. "
        "Please send a return label.\n\nRegards\nAnna Müller"
    )
    assert "<style" not in msg.display_body and "color:red" not in msg.display_body
    [photo] = msg.attachments
    assert (photo.filename, photo.content_type, photo.size) == (
        "broken blender.jpg",
        "image/jpeg",
        2054,
    )
    assert photo.content is not None and photo.content.startswith(b"\xff\xd8")
    assert msg.warnings == ()


def test_apple_mail_french_sign_off_and_quote_stripped() -> None:
    msg = parse_email(eml("apple_mail_fr"))
    assert msg.subject == "Re : Commande en gros"  # whitespace normalised
    assert msg.text == (
        "Bonjour,\n\nEst-ce que vous pouvez livrer 500 pièces avec notre logo ? Quel est le MOQ ?"
    )
    assert "a écrit" in msg.display_body  # display keeps everything
    assert msg.html is False
    assert [a.filename for a in msg.attachments] == ["logo.pdf"]


def test_attachment_over_the_limit_keeps_metadata_only() -> None:
    msg = parse_email(eml("apple_mail_fr"), attachment_limit=1000)
    [pdf] = msg.attachments
    assert (pdf.filename, pdf.size, pdf.content) == ("logo.pdf", 40016, None)
    assert msg.warnings == ("attachment_truncated:logo.pdf",)


def test_qq_mail_gb18030_and_chinese_original_message() -> None:
    msg = parse_email(eml("qq_gb18030"))
    assert msg.sender_name == "王芳"
    assert msg.subject == "回复：您的订单已发货"
    assert msg.received_at == datetime(2026, 12, 3, 8, 20, 42, tzinfo=UTC)
    assert msg.text == (
        "您好，\n\n我的订单 1044 已经十天了还没有收到，物流单号 YT2412345678901 一直没有更新。"
        "请尽快帮我查一下。\n\n谢谢！\n王芳"
    )
    assert msg.display_body == "<div>您好，</div><div>我的订单 1044 已经十天了还没有收到。</div>"


def test_amazon_relay_becomes_channel_amazon_with_order() -> None:
    msg = parse_email(eml("amazon_relay"))
    assert msg.channel is Channel.AMAZON
    assert msg.order_refs == ("113-4567890-1234567",)
    assert msg.sender_address == "2x9yz8wq7v6u5t4@marketplace.amazon.com"
    assert msg.text == (
        "Hi, the package for my order says delivered but I never received it. Can you help?"
    )


def test_wrong_charset_missing_id_and_date_are_warnings() -> None:
    now = datetime(2026, 12, 4, 12, tzinfo=UTC)
    msg = parse_email(eml("broken_charset"), received_at=now)
    assert msg.text == "Le café est arrivé cassé."
    assert msg.received_at == now
    assert msg.external_id.startswith("<sha256.") and msg.external_id.endswith("@linkstar.invalid>")
    assert msg.warnings == ("bad_header:subject", "bad_charset:utf-8", "missing_message_id")
    # The same bytes get the same synthetic id: a re-fetch is recognised as a duplicate.
    assert parse_email(eml("broken_charset"), received_at=now).external_id == msg.external_id


def test_missing_charset_and_unknown_charset() -> None:
    raw = b"From: a@example.org\r\nSubject: x\r\nMessage-ID: <1@x>\r\n\r\n\xc4pfel\r\n"
    msg = parse_email(raw)
    assert msg.text == "Äpfel"
    assert "missing_charset" in msg.warnings
    raw2 = (
        b"From: a@example.org\r\nSubject: x\r\nMessage-ID: <2@x>\r\n"
        b"Content-Type: text/plain; charset=x-klingon\r\n\r\nhello\r\n"
    )
    msg2 = parse_email(raw2)
    assert msg2.text == "hello"
    assert msg2.warnings[0] == "bad_charset:x-klingon"


def test_encoded_word_headers_and_gb2312_declared_for_gbk_text() -> None:
    body = "你好，请问有没有发票？".encode("gbk")
    raw = (
        b"From: =?gb2312?B?" + __import__("base64").b64encode("李雷".encode("gb2312")) + b"?= "
        b"<lilei@163.com>\r\nSubject: =?utf-8?B?5Y+R56Wo?=\r\nMessage-ID: <3@x>\r\n"
        b"Content-Type: text/plain; charset=gb2312\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        + body
    )
    msg = parse_email(raw)
    assert (msg.sender_name, msg.subject, msg.text) == ("李雷", "发票", "你好，请问有没有发票？")
    assert msg.warnings == ("missing_date",)


def test_html_only_message_is_analysed_as_text() -> None:
    raw = (
        b"From: b@example.org\r\nMessage-ID: <4@x>\r\nSubject: hi\r\n"
        b"Content-Type: text/html; charset=utf-8\r\n\r\n"
        b"<p>Where is&nbsp;my <b>parcel</b>?</p><script>steal()</script><p>Ann</p>"
    )
    msg = parse_email(raw)
    assert msg.text == "Where is my parcel?\nAnn"
    assert msg.html is True
    assert msg.display_body == "<p>Where is&nbsp;my <b>parcel</b>?</p><p>Ann</p>"


def test_html_to_text_unescapes() -> None:
    assert html_to_text("a<br>b &amp; c<div>d</div>") == "a\nb & c\nd"


@pytest.mark.parametrize(
    "raw",
    [b"", b"   \r\n", b"\r\n\r\n"],
)
def test_empty_message_is_unusable(raw: bytes) -> None:
    with pytest.raises(UnusableMessage):
        parse_email(raw)


def test_huge_message_is_unusable() -> None:
    with pytest.raises(UnusableMessage, match="over the 100 limit"):
        parse_email(b"From: a@b.c\r\n\r\n" + b"x" * 200, message_limit=100)


def test_broken_multipart_is_read_with_defect_warnings() -> None:
    raw = (
        b"From: c@example.org\r\nMessage-ID: <5@x>\r\nSubject: broken\r\n"
        b'Content-Type: multipart/mixed; boundary="never-closed"\r\n\r\n'
        b"--never-closed\r\nContent-Type: text/plain\r\n\r\nstill readable\r\n"
    )
    msg = parse_email(raw)
    assert msg.text == "still readable"
    assert any(w.startswith("mime_defect:") for w in msg.warnings)


def test_attached_message_is_an_attachment_not_text() -> None:
    inner = b"From: x@y.z\r\nSubject: inner\r\n\r\ninner body\r\n"
    raw = (
        b"From: d@example.org\r\nMessage-ID: <6@x>\r\nSubject: fwd\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nsee below\r\n"
        b"--b\r\nContent-Type: message/rfc822\r\n\r\n" + inner + b"\r\n--b--\r\n"
    )
    msg = parse_email(raw)
    assert msg.text == "see below"
    [att] = msg.attachments
    assert (att.filename, att.content_type) == ("attached-message.eml", "message/rfc822")
    assert att.content is not None and b"inner body" in att.content
