"""Where a mail account's IMAP and SMTP servers are and how to log in to them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from linkstar.kit.netguard import HostRefused, public_address


class TlsMode(StrEnum):
    """`ssl`: TLS from the first byte (993/465); `starttls`: upgrade (143/587); `none`: tests."""

    SSL = "ssl"
    STARTTLS = "starttls"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class MailServer:
    host: str
    port: int
    tls: TlsMode
    username: str
    password: str
    timeout: float = 30.0
    # The address to connect to instead of resolving `host` (set by `vetted`); TLS still
    # checks the certificate against `host`.
    address: str = ""

    def __repr__(self) -> str:  # never print the password in logs or tracebacks
        return f"MailServer({self.host!r}, {self.port}, {self.tls.value}, {self.username!r})"


class MailConnectionError(Exception):
    """The server could not be reached or refused the login; `reason` is safe to show."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def vetted(server: MailServer, label: str, *, allow_private: bool) -> MailServer:
    """`server` pinned to its checked public address; HostRefused for a non-public one.

    With `allow_private` (development, tests, a mail server on the operator's own network)
    the host is connected to as it resolves. A name that does not resolve is a
    MailConnectionError, like any other unreachable server.
    """
    if allow_private:
        return server
    try:
        return replace(server, address=public_address(server.host, server.port))
    except HostRefused as exc:
        raise HostRefused(f"{label} host {exc.message}", exc.details) from exc
    except OSError as exc:
        raise MailConnectionError(
            f"cannot resolve {label} host {server.host}: {type(exc).__name__}: {exc}"
        ) from exc
