"""Webhook signature checks for 17TRACK, AfterShip and the generic LinkStar format.

Each check takes the raw body exactly as received (never a re-serialised object: key order
and spacing matter), the header value and the secret, and raises `SignatureError` with the
reason. Digests are compared in constant time.

* 17TRACK v2 push: header `sign` = hex SHA-256 of `body + "/" + security key`.
* AfterShip: header `aftership-hmac-sha256` = base64 HMAC-SHA256 of the body, webhook secret.
* Generic: header `X-LinkStar-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`,
  accepted within five minutes of our clock (either way) to stop replays.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from datetime import datetime

from linkstar.tracking.connectors.errors import SignatureError

SEVENTEEN_TRACK_HEADER = "sign"
AFTERSHIP_HEADER = "aftership-hmac-sha256"
GENERIC_HEADER = "X-LinkStar-Signature"
GENERIC_TOLERANCE_SECONDS = 300


def _require(header: str | None, secret: str, name: str) -> str:
    if not secret:
        raise SignatureError("no webhook secret is configured; unsigned webhooks are refused")
    if header is None or not header.strip():
        raise SignatureError(f"missing {name} header")
    return header.strip()


def seventeen_track_signature(body: bytes, key: str) -> str:
    """The `sign` header 17TRACK sends for this body."""
    return hashlib.sha256(body + b"/" + key.encode()).hexdigest()


def verify_17track(body: bytes, sign: str | None, key: str) -> None:
    """Check a 17TRACK v2 push `sign` header."""
    given = _require(sign, key, SEVENTEEN_TRACK_HEADER).lower()
    if not hmac.compare_digest(given.encode(), seventeen_track_signature(body, key).encode()):
        raise SignatureError("17TRACK signature does not match the body")


def aftership_signature(body: bytes, secret: str) -> str:
    """The `aftership-hmac-sha256` header AfterShip sends for this body."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify_aftership(body: bytes, header: str | None, secret: str) -> None:
    """Check an AfterShip `aftership-hmac-sha256` header."""
    given = _require(header, secret, AFTERSHIP_HEADER)
    try:
        given_digest = base64.b64decode(given, validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError(f"{AFTERSHIP_HEADER} is not base64") from None
    expected = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    if not hmac.compare_digest(given_digest, expected):
        raise SignatureError("AfterShip signature does not match the body")


def generic_signature(body: bytes, secret: str, timestamp: int) -> str:
    """The full `X-LinkStar-Signature` header value for a body sent at `timestamp`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify_generic(
    body: bytes,
    header: str | None,
    secret: str,
    *,
    now: datetime,
    tolerance_seconds: int = GENERIC_TOLERANCE_SECONDS,
) -> int:
    """Check an `X-LinkStar-Signature` header; return its timestamp.

    Several `v1=` entries are allowed (a sender rotating secrets); one must match.
    """
    value = _require(header, secret, GENERIC_HEADER)
    timestamp: int | None = None
    candidates: list[str] = []
    for part in value.split(","):
        name, sep, item = part.strip().partition("=")
        if not sep:
            raise SignatureError(f"{GENERIC_HEADER} part {part.strip()!r} is not key=value")
        if name == "t":
            if not item.isdigit() or len(item) > 12:
                raise SignatureError(f"{GENERIC_HEADER} timestamp {item!r} is not unix seconds")
            timestamp = int(item)
        elif name == "v1":
            candidates.append(item.lower())
    if timestamp is None:
        raise SignatureError(f"{GENERIC_HEADER} has no t= timestamp")
    if not candidates:
        raise SignatureError(f"{GENERIC_HEADER} has no v1= signature")
    age = now.timestamp() - timestamp
    if abs(age) > tolerance_seconds:
        raise SignatureError(
            f"{GENERIC_HEADER} timestamp is {abs(age):.0f} s "
            f"{'old' if age > 0 else 'in the future'} (tolerance {tolerance_seconds} s)"
        )
    expected = generic_signature(body, secret, timestamp).split("v1=", 1)[1].encode()
    if not any(hmac.compare_digest(c.encode(), expected) for c in candidates):
        raise SignatureError(f"{GENERIC_HEADER} does not match the body")
    return timestamp


def idempotency_key(source: str, body: bytes) -> str:
    """A stable key for one delivery of a webhook body: the hub stores it to drop re-sends.

    Aggregators retry a delivery with the identical body, so the body digest identifies it;
    the events inside are also de-duplicated by the store's identity key, so a re-send with
    a different envelope is harmless too.
    """
    return f"{source}:{hashlib.sha256(body).hexdigest()}"
