"""Fetch new messages from one IMAP mailbox since a cursor (UIDVALIDITY + last UID).

The mailbox is opened read-only (EXAMINE) and bodies are fetched with BODY.PEEK[], so nothing
is marked read. UIDs are searched once and fetched in batches. When the server's UIDVALIDITY
differs from the cursor's, the old UIDs mean nothing any more: the whole mailbox is read again
(the store deduplicates by Message-ID) and `FetchResult.reset` says so. A message that cannot
be parsed is returned with its raw bytes as a `MailFailure` (for the dead-letter table) and the
cursor moves past it, so one bad message never blocks the mailbox.
"""

from __future__ import annotations

import contextlib
import imaplib
import re
import socket
import ssl
from dataclasses import dataclass, field
from datetime import UTC, datetime

from linkstar.inbox.channels.mime import UnusableMessage, parse_email
from linkstar.inbox.channels.servers import MailConnectionError, MailServer, TlsMode
from linkstar.inbox.core.inbound import InboundMessage

_UID = re.compile(rb"\bUID (\d+)")
_INTERNALDATE = re.compile(rb'INTERNALDATE "([^"]+)"')


@dataclass(frozen=True, slots=True)
class MailboxCursor:
    uidvalidity: int
    last_uid: int


@dataclass(frozen=True, slots=True)
class MailFailure:
    uid: int
    raw: bytes
    reason: str


@dataclass(slots=True)
class FetchResult:
    cursor: MailboxCursor
    messages: list[InboundMessage] = field(default_factory=list)
    failures: list[MailFailure] = field(default_factory=list)
    reset: bool = False  # UIDVALIDITY changed: the mailbox was read from the start
    remaining: int = 0  # new UIDs left for the next call (over `limit`)


def fetch_new(
    server: MailServer,
    cursor: MailboxCursor | None,
    *,
    mailbox: str = "INBOX",
    batch: int = 50,
    limit: int = 500,
    store_ref: str = "",
) -> FetchResult:
    """Messages with a UID above the cursor (oldest first, at most `limit`) and the new cursor."""
    if batch < 1 or limit < 1:
        raise ValueError("batch and limit must be positive")
    client = connect(server)
    try:
        uidvalidity = _examine(client, mailbox)
        reset = cursor is not None and cursor.uidvalidity != uidvalidity
        last = cursor.last_uid if cursor is not None and not reset else 0
        uids = _new_uids(client, last)
        result = FetchResult(MailboxCursor(uidvalidity, last), reset=reset)
        result.remaining = max(0, len(uids) - limit)
        uids = uids[:limit]
        for start in range(0, len(uids), batch):
            chunk = uids[start : start + batch]
            for uid, internal, raw in _fetch(client, chunk):
                try:
                    result.messages.append(
                        parse_email(raw, store_ref=store_ref, received_at=internal)
                    )
                except UnusableMessage as exc:
                    result.failures.append(MailFailure(uid, raw, exc.message))
            # The cursor moves per batch: a connection lost later keeps what was fetched.
            result.cursor = MailboxCursor(uidvalidity, max(chunk))
        return result
    except (imaplib.IMAP4.error, OSError) as exc:
        raise MailConnectionError(f"IMAP error on {mailbox!r}: {exc}") from exc
    finally:
        _logout(client)


def check_imap(server: MailServer, mailbox: str = "INBOX") -> int:
    """Log in and open the mailbox read-only; returns its UIDVALIDITY."""
    client = connect(server)
    try:
        return _examine(client, mailbox)
    except (imaplib.IMAP4.error, OSError) as exc:
        raise MailConnectionError(f"IMAP error on {mailbox!r}: {exc}") from exc
    finally:
        _logout(client)


def connect(server: MailServer) -> imaplib.IMAP4:
    """An authenticated IMAP connection; MailConnectionError with a safe reason otherwise."""
    context = ssl.create_default_context()
    try:
        client: imaplib.IMAP4
        if server.tls is TlsMode.SSL:
            client = _PinnedIMAP4SSL(server, context)
        else:
            client = _PinnedIMAP4(server)
            if server.tls is TlsMode.STARTTLS:
                client.starttls(ssl_context=context)
    except (OSError, imaplib.IMAP4.error) as exc:
        raise MailConnectionError(
            f"cannot reach IMAP {server.host}:{server.port}: {type(exc).__name__}: {exc}"
        ) from exc
    try:
        client.login(server.username, server.password)
    except (OSError, imaplib.IMAP4.error) as exc:
        _logout(client)
        raise MailConnectionError(f"IMAP login refused: {exc}") from exc
    return client


class _PinnedIMAP4(imaplib.IMAP4):
    """Connects to the server's vetted address when it has one (see servers.vetted)."""

    def __init__(self, server: MailServer) -> None:
        self._address = server.address or server.host
        super().__init__(server.host, server.port, timeout=server.timeout)

    def _create_socket(self, timeout: float | None) -> socket.socket:
        return socket.create_connection((self._address, self.port), timeout)


class _PinnedIMAP4SSL(imaplib.IMAP4_SSL):
    """TLS from the first byte to the vetted address; the certificate must name the host."""

    def __init__(self, server: MailServer, context: ssl.SSLContext) -> None:
        self._address = server.address or server.host
        super().__init__(server.host, server.port, ssl_context=context, timeout=server.timeout)

    def _create_socket(self, timeout: float | None) -> socket.socket:
        raw = socket.create_connection((self._address, self.port), timeout)
        return self.ssl_context.wrap_socket(raw, server_hostname=self.host)


def _examine(client: imaplib.IMAP4, mailbox: str) -> int:
    status, data = client.select(_quote(mailbox), readonly=True)
    if status != "OK":
        raise MailConnectionError(f"cannot open mailbox {mailbox!r}: {data!r}")
    _, answers = client.response("UIDVALIDITY")  # the untagged OK [UIDVALIDITY n] of SELECT
    values = [v for v in answers or [] if isinstance(v, bytes) and v.isdigit()]
    if values:
        return int(values[-1])
    status, data = client.status(_quote(mailbox), "(UIDVALIDITY)")
    first = data[0] if data else b""
    found = re.search(rb"UIDVALIDITY (\d+)", first) if isinstance(first, bytes) else None
    if status != "OK" or found is None:
        raise MailConnectionError(f"the server gave no UIDVALIDITY for {mailbox!r}")
    return int(found.group(1))


def _new_uids(client: imaplib.IMAP4, last: int) -> list[int]:
    status, data = client.uid("SEARCH", f"UID {last + 1}:*")
    if status != "OK":
        raise MailConnectionError(f"UID SEARCH failed: {data!r}")
    found = {int(x) for part in data if part for x in part.split()}
    # "n:*" always matches the highest UID even when it is below n (RFC 3501 6.4.8).
    return sorted(uid for uid in found if uid > last)


def _fetch(client: imaplib.IMAP4, uids: list[int]) -> list[tuple[int, datetime | None, bytes]]:
    wanted = ",".join(str(u) for u in uids)
    status, data = client.uid("FETCH", wanted, "(UID INTERNALDATE BODY.PEEK[])")
    if status != "OK":
        raise MailConnectionError(f"UID FETCH failed: {data!r}")
    out: list[tuple[int, datetime | None, bytes]] = []
    for i, item in enumerate(data):
        if not isinstance(item, tuple):
            continue
        head, raw = item[0], item[1]
        # Data items may follow the literal: look in the closing part too.
        tail = data[i + 1] if i + 1 < len(data) and isinstance(data[i + 1], bytes) else b""
        meta = head + b" " + (tail if isinstance(tail, bytes) else b"")
        uid_match = _UID.search(meta)
        if uid_match is None:
            continue
        out.append((int(uid_match.group(1)), _internaldate(meta), bytes(raw)))
    return out


def _internaldate(meta: bytes) -> datetime | None:
    found = _INTERNALDATE.search(meta)
    if found is None:
        return None
    try:  # "17-Jul-1996 02:44:25 -0700" (RFC 3501 date-time; the day may be space-padded)
        value = datetime.strptime(found.group(1).decode("ascii").strip(), "%d-%b-%Y %H:%M:%S %z")
    except (UnicodeDecodeError, ValueError):
        return None
    return value.astimezone(UTC)


def _quote(mailbox: str) -> str:
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _logout(client: imaplib.IMAP4) -> None:
    with contextlib.suppress(OSError, imaplib.IMAP4.error):
        client.logout()
