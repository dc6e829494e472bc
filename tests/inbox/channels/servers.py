"""Real local mail servers for the tests: pymap (IMAP, dict backend) and aiosmtpd (SMTP)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

IMAP_USER, IMAP_PASSWORD = "demouser", "demopass"
SMTP_USER, SMTP_PASSWORD = "mailer@acme-shop.example", "s3cret-smtp"


# pymap has no __main__ module; this is what its console script runs.
_PYMAP = "import sys; from pymap.main import main; sys.exit(main())"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"pymap exited: {process.stdout.read() if process.stdout else ''}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("pymap did not start listening within 60 s")


@contextmanager
def imap_server() -> Iterator[int]:
    """A pymap IMAP server on a free port (plain, no TLS); yields the port."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", _PYMAP, "--host", "127.0.0.1", "--port", str(port), "--no-tls",
         "--no-service", "admin", "dict"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        _wait(port, process)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes


@dataclass
class RecordingHandler:
    messages: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content))
        )
        return "250 Message accepted for delivery"


def _authenticator(user: str, password: str) -> Any:
    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        ok = (
            isinstance(data, LoginPassword)
            and data.login.decode() == user
            and data.password.decode() == password
        )
        return AuthResult(success=ok, handled=False)

    return authenticate


@contextmanager
def smtp_server(
    user: str = SMTP_USER, password: str = SMTP_PASSWORD
) -> Iterator[tuple[int, RecordingHandler]]:
    """An aiosmtpd server with AUTH (allowed without TLS, for the test only)."""
    handler = RecordingHandler()
    port = free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        authenticator=_authenticator(user, password),
        auth_require_tls=False,
        decode_data=False,
    )
    controller.start()
    try:
        yield port, handler
    finally:
        controller.stop()
