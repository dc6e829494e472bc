"""Fuzz: no byte string makes the MIME parser raise anything but UnusableMessage."""

from __future__ import annotations

from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from linkstar.inbox.channels.mime import UnusableMessage, parse_email

from .conftest import eml

_HEADERS = st.sampled_from(
    [
        b"From: ", b"Subject: ", b"Message-ID: ", b"Date: ", b"References: ", b"In-Reply-To: ",
        b"Content-Type: ", b"Content-Transfer-Encoding: ", b"Content-Disposition: ",
        b"MIME-Version: ",
    ]
)  # fmt: skip
_VALUES = st.one_of(
    st.binary(max_size=80),
    st.sampled_from(
        [
            b"multipart/mixed; boundary=x", b"multipart/alternative; boundary=\"", b"text/html",
            b"text/plain; charset=gb2312", b"text/plain; charset=\"\"", b"base64",
            b"quoted-printable", b"attachment; filename*=utf-8''%E4%BD%A0%ZZ", b"<a@b>",
            b"=?utf-8?B?!!!?=", b"=?x-unknown?Q?abc?=", b"\"Bad <a@@b>", b"Mon, 99 Foo 2026",
        ]
    ),
)  # fmt: skip


@st.composite
def messages(draw: st.DrawFn) -> bytes:
    headers = draw(st.lists(st.tuples(_HEADERS, _VALUES), max_size=8))
    body = draw(
        st.one_of(
            st.binary(max_size=500),
            st.sampled_from([b"--x\r\n\r\nhi\r\n--x--", b"--x\r\nContent-Type: text/plain\r\n"]),
        )
    )
    return b"".join(k + v + b"\r\n" for k, v in headers) + b"\r\n" + body


class _Links(HTMLParser):
    """Every tag and every URL-bearing attribute value, entity-decoded, as a browser reads it."""

    URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href", "background"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.urls: list[str] = []
        self.handlers: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append(name)
            if name in self.URL_ATTRIBUTES and value is not None:
                # Browsers drop ASCII whitespace and control characters before the scheme.
                self.urls.append("".join(c for c in value if ord(c) > 0x20).lower())


def _executable(display_body: str) -> list[str]:
    """What in sanitised HTML could run script: script/style tags, handlers, script URLs."""
    links = _Links()
    links.feed(display_body)
    links.close()
    bad = [t for t in links.tags if t in ("script", "style", "iframe", "object", "embed")]
    bad += links.handlers
    schemes = ("javascript:", "vbscript:", "data:text/html")
    return bad + [u for u in links.urls if u.startswith(schemes)]


def _check(raw: bytes) -> None:
    try:
        msg = parse_email(raw, attachment_limit=64)
    except UnusableMessage:
        return
    assert msg.raw == raw
    assert msg.external_id
    assert msg.received_at.tzinfo is not None
    assert "\x00" not in msg.text and "\x00" not in msg.display_body
    if msg.html:  # plain display bodies are escaped when rendered; HTML ones must be clean
        assert _executable(msg.display_body) == []
    assert all(a.content is None or len(a.content) <= 64 for a in msg.attachments)


@settings(max_examples=300)
@given(messages())
def test_structured_garbage(raw: bytes) -> None:
    _check(raw)


@settings(max_examples=200)
@given(st.binary(max_size=2000))
def test_random_bytes(raw: bytes) -> None:
    _check(raw)


@settings(max_examples=200)
@given(st.data())
def test_mutated_real_messages(data: st.DataObject) -> None:
    raw = bytearray(
        eml(data.draw(st.sampled_from(["gmail_reply", "outlook_windows1252", "qq_gb18030"])))
    )
    for _ in range(data.draw(st.integers(1, 20))):
        i = data.draw(st.integers(0, len(raw) - 1))
        raw[i] = data.draw(st.integers(0, 255))
    _check(bytes(raw))


def test_the_check_itself_finds_script_urls_and_ignores_relative_ones() -> None:
    assert _executable('<a href=" JaVa\tScript:alert(1)">x</a>') == ["javascript:alert(1)"]
    assert _executable('<img src=x onerror="alert(1)"><script>1</script>') == ["script", "onerror"]
    # A mangled quoted-printable href is a relative URL, not a script: it cannot run.
    assert _executable('<a href="3d&quot;javascript:alert(3)&quot;">x</a>') == []
