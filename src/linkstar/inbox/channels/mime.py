"""RFC 5322 bytes → `InboundMessage`, with the stdlib `email` package (policy=default).

Malformed MIME never raises: what can be read is read and every repair is named in
`warnings` (bad or missing charset, MIME defects, attachments over the size limit, missing
Message-ID or Date). Only a message with nothing usable in it (empty, over the size limit,
no sender and no text) raises `UnusableMessage`, which the caller dead-letters with the raw
bytes. Amazon's buyer-seller relay arrives as e-mail and is recognised here (channel=amazon,
order id from the subject or body).
"""

from __future__ import annotations

import email
import hashlib
import html as html_lib
import re
from datetime import UTC, datetime
from email.message import Message
from email.policy import default as default_policy
from email.utils import parseaddr, parsedate_to_datetime

import nh3

from linkstar.inbox.channels.quoting import strip_quoted
from linkstar.inbox.core.inbound import Channel, InboundAttachment, InboundMessage
from linkstar.inbox.sanitise import sanitise_html
from linkstar.kit.errors import InvalidInput

ATTACHMENT_LIMIT = 10 * 1024 * 1024  # content kept up to this size; metadata always
MESSAGE_LIMIT = 50 * 1024 * 1024  # larger raw messages are refused whole (dead letter)
_MSGID = re.compile(r"<[^<>\s]+>")
AMAZON_ORDER = re.compile(r"\b\d{3}-\d{7}-\d{7}\b")
# Relay addresses: <token>@marketplace.amazon.com, .co.uk, .de, .fr, .es, .it, .co.jp, .com.mx …
_AMAZON_RELAY = re.compile(r"@marketplace\.amazon\.[a-z.]{2,10}$", re.IGNORECASE)
# Charsets that senders declare while writing a superset of them (QQ/Foxmail, Outlook).
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "ascii": "utf-8", "us-ascii": "utf-8"}
_FALLBACKS = ("utf-8", "cp1252", "gb18030")
_TEXT = ("text/plain", "text/html")
_HIGH_RUNS = re.compile(rb"[\x80-\xff]+")
# The relay wraps the buyer's words between these markers, followed by Amazon's own footer.
_RELAY_BODY = re.compile(
    r"-{3,}\s*Message:\s*-{3,}\s*\n(.*?)\n\s*-{3,}\s*End message\s*-{3,}", re.DOTALL | re.IGNORECASE
)


class UnusableMessage(InvalidInput):
    """Bytes that hold no readable message; the caller keeps them as a dead letter."""

    code = "unusable_message"


def html_to_text(value: str) -> str:
    """Readable text out of HTML (for analysis when a message has no text/plain part)."""
    value = re.sub(r"(?i)<br\s*/?>|</?(p|div|tr|li|h[1-6]|blockquote|table)\b[^>]*>", "\n", value)
    text = html_lib.unescape(nh3.clean(value, tags=set()))
    lines = (re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def parse_email(
    raw: bytes,
    *,
    store_ref: str = "",
    received_at: datetime | None = None,
    attachment_limit: int = ATTACHMENT_LIMIT,
    message_limit: int = MESSAGE_LIMIT,
) -> InboundMessage:
    """Parse one RFC 5322 message; `received_at` (IMAP INTERNALDATE) wins over the Date header."""
    if not raw.strip():
        raise UnusableMessage("the message is empty")
    if len(raw) > message_limit:
        raise UnusableMessage(f"the message is {len(raw)} bytes, over the {message_limit} limit")
    warnings: list[str] = []
    msg = email.message_from_bytes(raw, policy=default_policy)
    subject = _header(msg, "Subject", warnings)
    sender_address, sender_name = _sender(msg, warnings)
    try:
        plain, html, attachments = _body(msg, warnings, attachment_limit)
    except Exception:  # last defence: the stdlib raises many types on broken MIME
        warnings.append("mime_unreadable")
        plain, html, attachments = _raw_body(raw), "", []
    _defects(msg, warnings)
    if not sender_address and not plain.strip() and not html.strip() and not subject:
        raise UnusableMessage("no sender, subject or text could be read from the message")
    message_id = _first_id(_header(msg, "Message-ID", warnings))
    if not message_id:
        message_id = "<sha256." + hashlib.sha256(raw).hexdigest() + "@linkstar.invalid>"
        warnings.append("missing_message_id")
    parents = _ids(_header(msg, "References", warnings)) + _ids(
        _header(msg, "In-Reply-To", warnings)
    )
    in_reply_to = tuple(dict.fromkeys(parents))
    when = received_at or _date(_header(msg, "Date", warnings), warnings)
    text_source = plain if plain.strip() else html_to_text(html)
    display, is_html = (sanitise_html(html), True) if html.strip() else (plain, False)
    channel, order_refs = Channel.EMAIL, ()
    if _AMAZON_RELAY.search(sender_address):
        channel = Channel.AMAZON
        order_refs = tuple(dict.fromkeys(AMAZON_ORDER.findall(f"{subject}\n{text_source}")))
        relayed = _RELAY_BODY.search(text_source)
        text_source = relayed.group(1) if relayed else text_source
    return InboundMessage(
        channel=channel,
        external_id=message_id,
        received_at=when,
        sender_address=sender_address,
        sender_name=sender_name,
        subject=subject,
        text=strip_quoted(text_source),
        display_body=display,
        html=is_html,
        external_thread_id=in_reply_to[0] if in_reply_to else message_id,
        in_reply_to=in_reply_to,
        order_refs=order_refs,
        store_ref=store_ref,
        attachments=tuple(attachments),
        raw=raw,
        raw_content_type="message/rfc822",
        warnings=tuple(dict.fromkeys(warnings)),
    )


def _raw_body(raw: bytes) -> str:
    """Everything after the header block, decoded forgivingly: what a human would still read."""
    head, sep, body = raw.replace(b"\r\n", b"\n").partition(b"\n\n")
    return _clean((body if sep else head).decode("utf-8", errors="replace"))


def _header(msg: Message, name: str, warnings: list[str]) -> str:
    """A decoded header (encoded-words resolved); a header the parser chokes on is read raw."""
    try:
        value = msg.get(name)
        text = "" if value is None else str(value)
    except Exception:  # the email package raises many types on broken headers
        warnings.append(f"bad_header:{name.lower()}")
        raw_items = getattr(msg, "_headers", [])
        text = next((str(v) for k, v in raw_items if k.lower() == name.lower()), "")
    if "\ufffd" in text:  # undeclared 8-bit bytes in a header
        warnings.append(f"bad_header:{name.lower()}")
    return " ".join(text.replace("\x00", "").split())


def _sender(msg: Message, warnings: list[str]) -> tuple[str, str]:
    from_text = _header(msg, "From", warnings) or _header(msg, "Sender", warnings)
    try:
        field = msg.get("From")
        addresses = getattr(field, "addresses", ()) if field is not None else ()
        if addresses and addresses[0].addr_spec and "@" in addresses[0].addr_spec:
            return addresses[0].addr_spec.lower(), addresses[0].display_name or ""
    except Exception:  # noqa: S110 - fall back to the forgiving stdlib parser below
        pass
    name, address = parseaddr(from_text)
    if "@" not in address:
        warnings.append("missing_sender")
        return "", name or from_text
    return address.lower(), name


def _first_id(value: str) -> str:
    found = _MSGID.findall(value)
    if found:
        return found[0]
    return f"<{value.strip('<> ')}>" if value.strip("<> ") and " " not in value.strip() else ""


def _ids(value: str) -> tuple[str, ...]:
    return tuple(_MSGID.findall(value))


def _date(value: str, warnings: list[str]) -> datetime:
    if value:
        try:
            when = parsedate_to_datetime(value)
            return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
        except (TypeError, ValueError, IndexError, OverflowError):
            pass
    warnings.append("missing_date" if not value else "bad_date")
    return datetime.now(UTC)


def _defects(msg: Message, warnings: list[str]) -> None:
    for part, _ in _parts(msg):
        for defect in getattr(part, "defects", ()):
            warnings.append(f"mime_defect:{type(defect).__name__}")


def _parts(msg: Message) -> list[tuple[Message, str]]:
    """Parts with their content type (read once: policy=default re-parses on every access),
    not descending into attached messages (those are files)."""
    ctype = msg.get_content_type()
    out: list[tuple[Message, str]] = [(msg, ctype)]
    if ctype == "message/rfc822" or not msg.is_multipart():
        return out
    payload = msg.get_payload()
    if isinstance(payload, list):
        for child in payload:
            if isinstance(child, Message):
                out.extend(_parts(child))
    return out


def _body(
    msg: Message, warnings: list[str], limit: int
) -> tuple[str, str, list[InboundAttachment]]:
    plain: list[str] = []
    html: list[str] = []
    attachments: list[InboundAttachment] = []
    for part, ctype in _parts(msg):
        if part.is_multipart() and ctype != "message/rfc822":
            continue
        disposition = (part.get_content_disposition() or "").lower()
        filename = _filename(part, warnings) if disposition or ctype not in _TEXT else ""
        is_text = ctype in _TEXT or (part is msg and ctype.startswith("text/"))
        if is_text and disposition != "attachment" and not (filename and ctype != "text/plain"):
            text = _decode_text(part, warnings)
            (html if ctype == "text/html" else plain).append(text)
            continue
        attachments.append(
            _attachment(part, ctype, filename or _filename(part, warnings), warnings, limit)
        )
    return "\n\n".join(plain), "\n".join(html), attachments


def _filename(part: Message, warnings: list[str]) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:  # RFC 2231 parameters can be arbitrarily broken
        warnings.append("bad_filename")
        name = ""
    return " ".join(str(name).replace("\x00", "").split())[:255]


def _attachment(
    part: Message, ctype: str, filename: str, warnings: list[str], limit: int
) -> InboundAttachment:
    if ctype == "message/rfc822":
        inner = part.get_payload()
        inner_msg = inner[0] if isinstance(inner, list) and inner else inner
        content = inner_msg.as_bytes() if isinstance(inner_msg, Message) else b""
        filename = filename or "attached-message.eml"
    else:
        payload = part.get_payload(decode=True)
        content = payload if isinstance(payload, bytes) else b""
    name = filename or f"unnamed.{ctype.split('/')[-1][:20]}"
    if len(content) > limit:
        warnings.append(f"attachment_truncated:{name}")
        return InboundAttachment(name, ctype, len(content), None)
    return InboundAttachment(name, ctype, len(content), content)


def _decode_text(part: Message, warnings: list[str]) -> str:
    payload = part.get_payload(decode=True)
    data = payload if isinstance(payload, bytes) else str(part.get_payload()).encode()
    declared = (_charset(part) or "").lower()
    charset = _SUPERSETS.get(declared, declared)
    if charset:
        try:
            return _clean(data.decode(charset))
        except (LookupError, ValueError):  # unknown codec, bad bytes, NUL in the codec name
            warnings.append(f"bad_charset:{declared}"[:60])
    fallbacks = ("utf-8", "gb18030", "cp1252") if _looks_cjk(data) else _FALLBACKS
    for candidate in fallbacks:
        try:
            text = data.decode(candidate)
        except UnicodeDecodeError:
            continue
        if not declared and candidate != "utf-8":
            warnings.append("missing_charset")
        return _clean(text)
    warnings.append("undecodable_text")  # cp1252 leaves 5 bytes undefined
    return _clean(data.decode("utf-8", errors="replace"))


def _looks_cjk(data: bytes) -> bool:
    """Undeclared GBK/GB18030 text has its high bytes in pairs; Latin-1/cp1252 text mostly not."""
    runs = _HIGH_RUNS.findall(data[:65536])
    return bool(runs) and all(len(run) % 2 == 0 for run in runs)


def _charset(part: Message) -> str | None:
    try:
        return part.get_content_charset()
    except Exception:  # a malformed Content-Type parameter list
        return None


def _clean(text: str) -> str:
    # NUL cannot be stored in PostgreSQL text and never belongs in a message body.
    return text.replace("\x00", "").replace("\r\n", "\n")
