"""Webhook signature checks (and TikTok Shop's request signing), all constant-time.

- Shopify: `X-Shopify-Hmac-Sha256` = base64(HMAC-SHA256(app secret, raw body)).
- TikTok Shop: `Authorization` = hex(HMAC-SHA256(app secret, app_key + raw body)).
- LinkStar generic: `X-LinkStar-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "t.body")>`
  rejected when `t` is more than `tolerance` (5 minutes) away from now; several `v1` entries
  are allowed so a secret can be rotated.

Each `verify_*` returns None or raises `SignatureError` with a reason the caller can log (never
echo the expected signature).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Mapping

from linkstar.kit.errors import Unauthenticated

SHOPIFY_HEADER = "X-Shopify-Hmac-Sha256"
TIKTOK_HEADER = "Authorization"
GENERIC_HEADER = "X-LinkStar-Signature"
TOLERANCE_SECONDS = 300


class SignatureError(Unauthenticated):
    code = "bad_signature"


def _mac(secret: str | bytes, message: bytes) -> bytes:
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, message, hashlib.sha256).digest()


def _need(secret: str | bytes, header: str | None, name: str) -> str:
    if not secret:
        raise SignatureError("no webhook secret is configured for this store")
    if header is None or not header.strip():
        raise SignatureError(f"the {name} header is missing")
    return header.strip()


def shopify_signature(secret: str | bytes, body: bytes) -> str:
    return base64.b64encode(_mac(secret, body)).decode()


def verify_shopify(secret: str | bytes, body: bytes, header: str | None) -> None:
    given = _need(secret, header, SHOPIFY_HEADER)
    if not hmac.compare_digest(given.encode(), shopify_signature(secret, body).encode()):
        raise SignatureError("the Shopify HMAC does not match the body")


def tiktok_signature(app_key: str, secret: str | bytes, body: bytes) -> str:
    return _mac(secret, app_key.encode() + body).hex()


def verify_tiktok(app_key: str, secret: str | bytes, body: bytes, header: str | None) -> None:
    given = _need(secret, header, TIKTOK_HEADER).lower()
    if not hmac.compare_digest(given.encode(), tiktok_signature(app_key, secret, body).encode()):
        raise SignatureError("the TikTok Shop signature does not match the body")


def generic_signature(secret: str | bytes, body: bytes, timestamp: int) -> str:
    """The header value a sender puts on `body` at `timestamp`."""
    digest = _mac(secret, str(timestamp).encode() + b"." + body).hex()
    return f"t={timestamp},v1={digest}"


def verify_generic(
    secret: str | bytes,
    body: bytes,
    header: str | None,
    *,
    now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> int:
    """Check a LinkStar generic signature; returns its timestamp (use it to drop replays)."""
    value = _need(secret, header, GENERIC_HEADER)
    stamps: list[str] = []
    signatures: list[str] = []
    for part in value.split(","):
        key, sep, item = part.strip().partition("=")
        if not sep:
            raise SignatureError(f"malformed {GENERIC_HEADER} element {part.strip()!r}")
        if key == "t":
            stamps.append(item)
        elif key == "v1":
            signatures.append(item.lower())
    if len(stamps) != 1 or not stamps[0].isdigit():
        raise SignatureError(f"{GENERIC_HEADER} needs exactly one numeric t=")
    if not signatures:
        raise SignatureError(f"{GENERIC_HEADER} has no v1= signature")
    timestamp = int(stamps[0])
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise SignatureError(f"the signature timestamp is more than {tolerance} s from now")
    expected = _mac(secret, stamps[0].encode() + b"." + body).hex().encode()
    if not any(hmac.compare_digest(s.encode(), expected) for s in signatures):
        raise SignatureError("no v1 signature matches the body")
    return timestamp


def tiktok_request_sign(
    secret: str, path: str, params: Mapping[str, str], body: bytes = b""
) -> str:
    """TikTok Shop Open API (202309) request `sign`: hex HMAC-SHA256 keyed by the app secret
    over secret + path + sorted(key + value, without `sign` and `access_token`) + body + secret."""
    pairs = "".join(f"{k}{params[k]}" for k in sorted(params) if k not in ("sign", "access_token"))
    message = secret.encode() + path.encode() + pairs.encode() + body + secret.encode()
    return _mac(secret, message).hex()
