"""Send one reply or outreach e-mail over SMTP: MIME, threading headers, RFC 8058, DKIM.

`build_message` is pure (bytes out); `send` refuses a suppressed recipient before it opens a
connection, then delivers with smtplib. Outreach carries RFC 8058 one-click unsubscribe
(`List-Unsubscribe` with an https URL and a mailto, `List-Unsubscribe-Post`); RFC 8058 asks
for a DKIM signature covering both headers, so they are in the signed header list.
"""

from __future__ import annotations

import contextlib
import smtplib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

import dkim

from linkstar.inbox.channels.servers import MailConnectionError, MailServer, TlsMode
from linkstar.kit.errors import InvalidInput

ONE_CLICK = "List-Unsubscribe=One-Click"
SIGNED_HEADERS = (
    b"from", b"to", b"subject", b"date", b"message-id", b"in-reply-to", b"references",
    b"mime-version", b"content-type", b"list-unsubscribe", b"list-unsubscribe-post",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class OutboundEmail:
    from_address: str
    to_address: str
    subject: str
    text: str
    html: str = ""
    from_name: str = ""
    to_name: str = ""
    # Replies: the Message-ID answered and the thread's References (oldest first).
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    # Outreach: RFC 8058 one-click unsubscribe; both set, or neither.
    unsubscribe_url: str = ""
    unsubscribe_mailto: str = ""
    message_id: str = ""  # generated when empty


@dataclass(frozen=True, slots=True)
class DkimKey:
    domain: str
    selector: str
    private_key_pem: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class SentEmail:
    message_id: str
    raw: bytes


class RecipientSuppressed(InvalidInput):
    """The recipient unsubscribed, bounced or complained: nothing is sent."""

    code = "recipient_suppressed"


def build_message(
    mail: OutboundEmail, *, dkim_key: DkimKey | None = None, now: datetime | None = None
) -> SentEmail:
    """The RFC 5322 bytes (CRLF) of one message, DKIM-signed when a key is given."""
    if bool(mail.unsubscribe_url) != bool(mail.unsubscribe_mailto):
        raise InvalidInput("outreach needs both an unsubscribe URL and an unsubscribe mailto")
    if mail.unsubscribe_url and not mail.unsubscribe_url.startswith("https://"):
        raise InvalidInput("RFC 8058 needs an https unsubscribe URL")
    domain = mail.from_address.rpartition("@")[2] or "localhost"
    message_id = mail.message_id or make_msgid(domain=domain)
    msg = EmailMessage(policy=SMTP)
    try:
        msg["From"] = Address(mail.from_name, addr_spec=mail.from_address)
        msg["To"] = Address(mail.to_name, addr_spec=mail.to_address)
        msg["Subject"] = mail.subject
        msg["Date"] = format_datetime((now or datetime.now(UTC)).astimezone(UTC))
        msg["Message-ID"] = message_id
        if mail.in_reply_to:
            msg["In-Reply-To"] = mail.in_reply_to
            refs = [r for r in mail.references if r != mail.in_reply_to] + [mail.in_reply_to]
            msg["References"] = " ".join(refs)
        if mail.unsubscribe_url:
            url, mailto = mail.unsubscribe_url, mail.unsubscribe_mailto
            msg["List-Unsubscribe"] = f"<{url}>, <mailto:{mailto}>"
            msg["List-Unsubscribe-Post"] = ONE_CLICK
    except (ValueError, TypeError, IndexError) as exc:  # CR/LF in a header, a bad address
        raise InvalidInput(f"cannot build the message headers: {exc}") from exc
    msg.set_content(mail.text)
    if mail.html:
        msg.add_alternative(mail.html, subtype="html")
    raw = msg.as_bytes(policy=SMTP)
    if dkim_key is not None:
        raw = sign(raw, dkim_key) + raw
    return SentEmail(message_id=message_id, raw=raw)


def sign(raw: bytes, key: DkimKey) -> bytes:
    """The DKIM-Signature header line (relaxed/relaxed, rsa-sha256) for `raw`."""
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    present = {line.split(b":", 1)[0].strip().lower() for line in head if b":" in line}
    headers = [h for h in SIGNED_HEADERS if h in present]
    return bytes(
        dkim.sign(
            raw,
            key.selector.encode(),
            key.domain.encode(),
            key.private_key_pem,
            canonicalize=(b"relaxed", b"relaxed"),
            include_headers=headers,
        )
    )


def send(
    server: MailServer,
    mail: OutboundEmail,
    *,
    suppressed: Callable[[str], bool],
    dkim_key: DkimKey | None = None,
    now: datetime | None = None,
) -> SentEmail:
    """Deliver one message; RecipientSuppressed (and no connection) for a suppressed address."""
    if suppressed(mail.to_address.strip().lower()):
        raise RecipientSuppressed(f"{mail.to_address} is on the suppression list")
    built = build_message(mail, dkim_key=dkim_key, now=now)
    with _connect(server) as client:
        try:
            client.sendmail(mail.from_address, [mail.to_address], built.raw)
        except smtplib.SMTPException as exc:
            raise MailConnectionError(f"the SMTP server refused the message: {exc}") from exc
    return built


def check_smtp(server: MailServer) -> None:
    """Connect and log in, then quit; MailConnectionError with the reason otherwise."""
    with _connect(server) as client:
        client.noop()


def _connect(server: MailServer) -> smtplib.SMTP:
    context = ssl.create_default_context()
    client: smtplib.SMTP | None = None
    try:
        if server.tls is TlsMode.SSL:
            client = _PinnedSMTPSSL(server, context)
        else:
            client = _PinnedSMTP(server)
            if server.tls is TlsMode.STARTTLS:
                client.starttls(context=context)
        if server.username:
            client.login(server.username, server.password)
    except smtplib.SMTPAuthenticationError as exc:
        _close(client)
        raise MailConnectionError(f"SMTP login refused ({exc.smtp_code})") from exc
    except (OSError, smtplib.SMTPException) as exc:
        _close(client)
        raise MailConnectionError(
            f"cannot reach SMTP {server.host}:{server.port}: {type(exc).__name__}: {exc}"
        ) from exc
    return client


class _PinnedSMTP(smtplib.SMTP):
    """Connects to the server's vetted address when it has one (see servers.vetted)."""

    def __init__(self, server: MailServer) -> None:
        self._address = server.address or server.host
        super().__init__(server.host, server.port, timeout=server.timeout)

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        return socket.create_connection((self._address, port), timeout, self.source_address)


class _PinnedSMTPSSL(smtplib.SMTP_SSL):
    """TLS from the first byte to the vetted address; the certificate must name the host."""

    def __init__(self, server: MailServer, context: ssl.SSLContext) -> None:
        self._address = server.address or server.host
        self._server_hostname = server.host
        super().__init__(server.host, server.port, timeout=server.timeout, context=context)

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        raw = socket.create_connection((self._address, port), timeout, self.source_address)
        return self.context.wrap_socket(raw, server_hostname=self._server_hostname)


def _close(client: smtplib.SMTP | None) -> None:
    if client is not None:
        with contextlib.suppress(OSError, smtplib.SMTPException):
            client.close()
