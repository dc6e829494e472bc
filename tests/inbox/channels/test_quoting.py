"""Quoted replies and signatures are stripped in every language buyers write in."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from linkstar.inbox.channels.quoting import strip_quoted


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Where is it?\n\nOn Mon, 1 Dec 2026 at 10:00, Shop <s@x.com> wrote:\n> old",
            "Where is it?",
        ),
        # Gmail wraps a long attribution line over two lines.
        ("Hi\n\nOn Mon, 1 Dec 2026 at 10:00, A Very Long Shop Name\n<s@x.com> wrote:\n> x", "Hi"),
        ("Wo ist es?\n\nAm 01.12.2026 um 10:00 schrieb Shop <s@x.com>:\n> alt", "Wo ist es?"),
        ("Où est-il ?\n\nLe 1 déc. 2026 à 10:00, Shop <s@x.com> a écrit :\n> x", "Où est-il ?"),
        (
            "¿Dónde está?\n\nEl lun, 1 dic 2026 a las 10:00, Shop (<s@x.com>) escribió:\n> x",
            "¿Dónde está?",
        ),
        ("Cadê?\n\nEm seg., 1 de dez. de 2026 às 10:00, Shop <s@x.com> escreveu:\n> x", "Cadê?"),
        ("在哪里？\n\n在 2026年12月1日 10:00，Shop <s@x.com> 写道：\n> 旧", "在哪里？"),
        ("在哪里？\n\nShop <s@x.com> 于2026年12月1日周一 10:00写道：\n> 旧", "在哪里？"),
        ("Return please\n\n-----Original Message-----\nFrom: Shop\nSent: Monday", "Return please"),
        ("Bitte\n\n-----Ursprüngliche Nachricht-----\nVon: Shop", "Bitte"),
        ("好的\n\n------------------ 原始邮件 ------------------\n发件人: Shop", "好的"),
        (
            "Thanks\n\nFrom: Shop <s@x.com>\nSent: Monday, 1 December 2026\nTo: me\nSubject: x",
            "Thanks",
        ),
        ("Thanks\n________________________________\nDe : Shop\nEnvoyé : lundi", "Thanks"),
        ("Ok\n\nSent from my iPhone", "Ok"),
        ("Ok\n\nEnviado desde mi iPhone", "Ok"),
        ("Ok\n\nVon meinem iPhone gesendet", "Ok"),
        ("好的\n\n发自我的iPhone", "好的"),
        ("Ok\n\nGet Outlook for Android", "Ok"),
        ("Cheers\nAnn\n-- \nAnn Smith | CEO | +1 555 0100", "Cheers\nAnn"),
        # Interleaved answers keep their own lines.
        ("> Which colour?\nRed\n> How many?\n200 pieces", "Red\n200 pieces"),
        ("No quotes at all.", "No quotes at all."),
    ],
)
def test_strip_quoted(text: str, expected: str) -> None:
    assert strip_quoted(text) == expected


def test_windows_line_endings() -> None:
    assert strip_quoted("Hi\r\n\r\nOn Mon, X wrote:\r\n> y") == "Hi"


@given(st.text(max_size=2000))
def test_never_raises_and_never_grows(text: str) -> None:
    out = strip_quoted(text)
    assert len(out) <= len(text.replace("\r\n", "\n"))
