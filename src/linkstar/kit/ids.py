"""Identifiers and opaque tokens."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import os
import secrets
import time
import uuid
from collections.abc import Iterator


def new_id() -> str:
    """A random, URL-safe primary key (UUID4 hex, 32 chars)."""
    return uuid.uuid4().hex


def _random_parts() -> Iterator[str]:
    """17 random hex characters (68 bits) at a time, read from the OS 1,024 at a time: one
    system call per id was two thirds of `ordered_id`'s time (half a million ids an import)."""
    while True:
        block = os.urandom(9 * 1024).hex()
        for at in range(0, len(block), 18):
            yield block[at : at + 17]


_START = 0
_TICKS = itertools.count()
_RANDOM: Iterator[str] = iter(())


def _start() -> None:
    """A fresh clock base, counter and random stream: at import, and in every forked child
    (which must not hand out the ids and random parts its parent has buffered)."""
    global _START, _TICKS, _RANDOM
    _START = time.time_ns() // 1000
    _TICKS = itertools.count()
    _RANDOM = _random_parts()


_start()
os.register_at_fork(after_in_child=_start)


def ordered_id() -> str:
    """A primary key for rows written in bulk: 32 hex chars, 60 bits of time-ordered prefix
    (microseconds at start-up plus a counter, so ids of one process only grow) and 68 random
    bits. Index inserts of such ids append at the right edge instead of landing anywhere in
    the B-tree (measured: a fifth of the SQLite insert time of a 100,000-order import)."""
    return f"{(_START + next(_TICKS)) & 0xFFFFFFFFFFFFFFF:015x}{next(_RANDOM)}"


def new_token(nbytes: int = 32) -> str:
    """A random secret for session ids, API keys and CSRF tokens."""
    return secrets.token_urlsafe(nbytes)


def sha256_hex(value: str) -> str:
    """Digest for high-entropy secrets (API keys, session tokens): fast lookup, never reversible."""
    return hashlib.sha256(value.encode()).hexdigest()


def constant_time_equal(a: str, b: str) -> bool:
    """Compare secrets without leaking their length of common prefix through timing."""
    return hmac.compare_digest(a.encode(), b.encode())
