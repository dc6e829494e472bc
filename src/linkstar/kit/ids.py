"""Identifiers and opaque tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
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
