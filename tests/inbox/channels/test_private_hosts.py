"""Mail servers on private networks: refused after DNS resolution, connected to by the checked
address (so a second DNS answer cannot swap in an internal one)."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from linkstar.config import Environment, Settings
from linkstar.inbox.channels.imap import check_imap
from linkstar.inbox.channels.servers import MailConnectionError, MailServer, TlsMode, vetted
from linkstar.inbox.channels.smtp import check_smtp
from linkstar.kit.netguard import HostRefused, non_public_kind, public_address

from .servers import IMAP_PASSWORD, IMAP_USER, SMTP_PASSWORD, SMTP_USER, imap_server, smtp_server


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.9", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),  # the cloud metadata service
        ("fe80::1%eth0", "link-local"),
        ("0.0.0.0", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("224.0.0.1", "multicast"),
        ("100.64.0.1", "non-public"),  # carrier-grade NAT
        ("::ffff:10.0.0.1", "private"),  # IPv4-mapped IPv6
        ("fd00::1", "private"),
        ("93.184.216.34", ""),
        ("2606:4700::1111", ""),
    ],
)
def test_non_public_kinds(address: str, kind: str) -> None:
    assert non_public_kind(address) == kind


def _resolving(monkeypatch: pytest.MonkeyPatch, answers: dict[str, list[str]]) -> None:
    def fake(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        if host not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in answers[host]]

    monkeypatch.setattr(socket, "getaddrinfo", fake)


def test_every_resolved_address_must_be_public(monkeypatch: pytest.MonkeyPatch) -> None:
    _resolving(
        monkeypatch,
        {"imap.mail.example": ["93.184.216.34"], "mixed.example": ["93.184.216.34", "10.0.0.5"]},
    )
    assert public_address("imap.mail.example", 993) == "93.184.216.34"
    with pytest.raises(HostRefused) as refused:
        public_address("mixed.example", 993)
    assert refused.value.message == (
        "mixed.example resolves to 10.0.0.5, which is a private address; "
        "LinkStar does not connect to private networks"
    )
    assert refused.value.status == 422 and refused.value.code == "host_refused"


def test_vetted_pins_the_address_names_the_protocol_and_reports_unknown_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    answers = {"imap.mail.example": ["93.184.216.34"], "meta.example": ["169.254.169.254"]}
    _resolving(monkeypatch, answers)
    server = MailServer("imap.mail.example", 993, TlsMode.SSL, "u", "p")
    assert vetted(server, "IMAP", allow_private=False).address == "93.184.216.34"
    assert vetted(server, "IMAP", allow_private=True) is server
    inside = MailServer("meta.example", 25, TlsMode.NONE, "u", "p")
    expected = "SMTP host meta.example resolves to 169.254.169.254, which is a link-local address"
    with pytest.raises(HostRefused, match="^" + re.escape(expected)):
        vetted(inside, "SMTP", allow_private=False)
    unknown = MailServer("nowhere.invalid", 25, TlsMode.NONE, "u", "p")
    with pytest.raises(MailConnectionError, match=r"^cannot resolve SMTP host nowhere\.invalid"):
        vetted(unknown, "SMTP", allow_private=False)


def test_literal_loopback_is_refused_without_dns() -> None:
    server = MailServer("127.0.0.1", 143, TlsMode.NONE, "u", "p")
    with pytest.raises(HostRefused, match=r"^IMAP host 127.0.0.1 is a loopback address"):
        vetted(server, "IMAP", allow_private=False)


@pytest.fixture(scope="module")
def ports() -> Iterator[tuple[int, int]]:
    with imap_server() as imap_port, smtp_server() as (smtp_port, _):
        yield imap_port, smtp_port


def test_connections_go_to_the_pinned_address_not_a_new_lookup(ports: tuple[int, int]) -> None:
    # "rebound.invalid" never resolves: reaching the servers proves the pinned address is used.
    imap_port, smtp_port = ports
    imap = MailServer("rebound.invalid", imap_port, TlsMode.NONE, IMAP_USER, IMAP_PASSWORD,
                      timeout=10, address="127.0.0.1")  # fmt: skip
    smtp = MailServer("rebound.invalid", smtp_port, TlsMode.NONE, SMTP_USER, SMTP_PASSWORD,
                      timeout=10, address="127.0.0.1")  # fmt: skip
    assert check_imap(imap) > 0
    check_smtp(smtp)


def test_production_refuses_private_hosts_unless_told(tmp_path: Any) -> None:
    keys = {"secret_key": "k" * 40, "encryption_key": "e" * 44, "data_dir": tmp_path}
    assert Settings(env=Environment.production, **keys).private_mail_hosts_allowed is False
    told = Settings(env=Environment.production, allow_private_mail_hosts=True, **keys)
    assert told.private_mail_hosts_allowed is True
    assert Settings(env=Environment.development, data_dir=tmp_path).private_mail_hosts_allowed
    assert Settings(env=Environment.test, data_dir=tmp_path).private_mail_hosts_allowed
    strict = Settings(env=Environment.test, data_dir=tmp_path, allow_private_mail_hosts=False)
    assert strict.private_mail_hosts_allowed is False
