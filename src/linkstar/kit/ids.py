"""Identifiers and opaque tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import uuid


def new_id() -> str:
    """A random, URL-safe primary key (UUID4 hex, 32 chars)."""
    return uuid.uuid4().hex


def new_token(nbytes: int = 32) -> str:
    """A random secret for session ids, API keys and CSRF tokens."""
    return secrets.token_urlsafe(nbytes)


def sha256_hex(value: str) -> str:
    """Digest for high-entropy secrets (API keys, session tokens): fast lookup, never reversible."""
    return hashlib.sha256(value.encode()).hexdigest()


def constant_time_equal(a: str, b: str) -> bool:
    """Compare secrets without leaking their length of common prefix through timing."""
    return hmac.compare_digest(a.encode(), b.encode())


def new_sortable_id() -> str:
    """A primary key like `new_id` (32 hex chars) that sorts by creation time.

    13 hex digits of microseconds since 1970, then 76 random bits. Rows created in bulk with
    such keys append at the end of their indexes instead of landing on random pages (measured:
    a quarter less insert work for tracking events, whose unique index starts with the
    shipment id). Used where creation time is not a secret (it is stored beside anyway).
    """
    return f"{time.time_ns() // 1000:013x}{secrets.token_hex(10)[:19]}"
