"""Where a mail account's IMAP and SMTP servers are and how to log in to them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


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

    def __repr__(self) -> str:  # never print the password in logs or tracebacks
        return f"MailServer({self.host!r}, {self.port}, {self.tls.value}, {self.username!r})"


class MailConnectionError(Exception):
    """The server could not be reached or refused the login; `reason` is safe to show."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
