"""Outbound connections a user can aim: refuse private, loopback, link-local and reserved hosts.

A tenant who can type a host name (a mail server, ...) must not make the server connect to
its own network (SSRF). The name is resolved once, every address it resolves to is checked,
and the caller connects to the checked address, so a second DNS answer cannot swap in an
internal one (DNS rebinding).
"""

from __future__ import annotations

import ipaddress
import socket

from linkstar.kit.errors import InvalidInput


class HostRefused(InvalidInput):
    """The host resolves to an address LinkStar does not connect to; `message` says which."""

    code = "host_refused"


def public_address(host: str, port: int) -> str:
    """The first address `host` resolves to, when all of them are public; HostRefused if not.

    `OSError` (socket.gaierror) when the name does not resolve.
    """
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    for address in addresses:
        kind = non_public_kind(address)
        if kind:
            shown = host if host == address else f"{host} resolves to {address}, which"
            raise HostRefused(
                f"{shown} is a {kind} address; LinkStar does not connect to private networks",
                {"host": host, "address": address, "kind": kind},
            )
    return addresses[0]


def non_public_kind(address: str) -> str:
    """'loopback', 'private', ... for an address that is not publicly routable, else ''."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone index
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    checks = (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("reserved", ip.is_reserved),
        ("private", ip.is_private),
        ("non-public", not ip.is_global),
    )
    return next((kind for kind, hit in checks if hit), "")
