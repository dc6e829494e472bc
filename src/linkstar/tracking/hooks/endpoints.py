"""The per-process cache of webhook endpoints by token, for the hot delivery path.

A delivery needs five columns of its endpoint; reading them for every request (and building an
ORM object) is most of a lean request's database work. Entries live `TTL` seconds at most, so
an endpoint closed or re-keyed by another process is honoured within that time; this process
drops an entry at once when it deletes the endpoint (`forget`), and the receiver re-reads the
row before refusing a signature that a cached secret fails.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from linkstar.tracking.hooks.models import WebhookEndpoint

TTL = 10.0  # seconds
MAX_ENTRIES = 10_000


@dataclass(frozen=True, slots=True)
class CachedEndpoint:
    """What the delivery path reads of an endpoint (no ORM object, no session)."""

    id: str
    organisation_id: str
    kind: str
    store_id: str | None
    secret_encrypted: str
    app_key: str
    is_active: bool
    cached: bool = False  # served from the cache rather than read for this request


_lock = threading.Lock()
_entries: dict[str, tuple[float, CachedEndpoint | None]] = {}
touched: dict[str, datetime] = {}  # endpoint id → last `last_received_at` this process wrote


def get(session: Session, token: str, *, fresh: bool = False) -> CachedEndpoint | None:
    """The endpoint of this token (None when there is none), from the cache when recent."""
    now = time.monotonic()
    if not fresh:
        hit = _entries.get(token)
        if hit is not None and now - hit[0] < TTL:
            return hit[1]
    t = WebhookEndpoint.__table__
    row = session.connection().execute(
        select(
            t.c.id, t.c.organisation_id, t.c.kind, t.c.store_id, t.c.secret_encrypted,
            t.c.app_key, t.c.is_active,
        ).where(t.c.token == token)
    ).first()  # fmt: skip
    found = CachedEndpoint(*row) if row is not None else None
    with _lock:
        if len(_entries) >= MAX_ENTRIES:
            _entries.clear()
        # Unknown tokens are not cached: a token made a moment later must work at once.
        if found is not None:
            _entries[token] = (now, CachedEndpoint(*row, cached=True))  # type: ignore[misc]
        else:
            _entries.pop(token, None)
    return found


def forget(token: str) -> None:
    """Drop a token's entry (its endpoint was deleted or changed by this process)."""
    with _lock:
        _entries.pop(token, None)
