"""DKIM key pairs and the DNS TXT record that publishes the public half."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class DkimKeyPair:
    selector: str
    domain: str
    private_key_pem: bytes = field(repr=False)
    public_key_b64: str

    @property
    def record_name(self) -> str:
        """Where the TXT record goes: `<selector>._domainkey.<domain>`."""
        return f"{self.selector}._domainkey.{self.domain}"

    @property
    def record_value(self) -> str:
        """The TXT value: `v=DKIM1; k=rsa; p=<base64 DER SubjectPublicKeyInfo>`."""
        return f"v=DKIM1; k=rsa; p={self.public_key_b64}"

    def zone_line(self) -> str:
        """A BIND zone-file line, the value split in 255-byte strings as DNS requires."""
        value = self.record_value
        chunks = " ".join(f'"{value[i : i + 255]}"' for i in range(0, len(value), 255))
        return f"{self.record_name}. IN TXT ( {chunks} )"


def generate(domain: str, selector: str, bits: int = 2048) -> DkimKeyPair:
    """A new RSA key pair (2048 bits by default, as RFC 8301 recommends)."""
    if not _LABEL.match(selector):
        raise ValueError("the selector must be one DNS label (letters, digits, hyphens)")
    labels = domain.rstrip(".").split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise ValueError(f"{domain!r} is not a domain name")
    if bits not in (1024, 2048, 3072, 4096):
        raise ValueError("bits must be 1024, 2048, 3072 or 4096")
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    public_der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return DkimKeyPair(
        selector, domain.rstrip(".").lower(), private_pem, base64.b64encode(public_der).decode()
    )
