"""Bulk ingestion of tracking updates, and dead letters for payloads that could not be parsed.

`ingest_columns` stores a batch given as columns (`core.columns.TrackingColumns`: what bulk
sources hand over); `ingest` takes core updates (webhook parsers, pull connectors, the JSON API)
and is only their conversion into columns. The work itself is `ingest_batch.run`: shipments
found or created, events stored once, status re-derived from the events of every touched
shipment, placed by event time. Never commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from linkstar.kit.clock import utcnow
from linkstar.kit.memory import cyclic_gc_paused
from linkstar.tracking.core.columns import TrackingColumns, from_updates
from linkstar.tracking.core.updates import TrackingUpdate
from linkstar.tracking.ingest_batch import IngestReport, Rejected, run
from linkstar.tracking.models import TrackingDeadLetter

__all__ = ["IngestReport", "Rejected", "dead_letter", "ingest", "ingest_columns"]


def ingest(
    session: Session,
    organisation_id: str,
    updates: Sequence[TrackingUpdate],
    *,
    now: datetime | None = None,
) -> IngestReport:
    """Store a batch of core updates for one organisation; see the module docstring."""
    with cyclic_gc_paused():
        return run(session, organisation_id, from_updates(updates), now or utcnow())


def ingest_columns(
    session: Session,
    organisation_id: str,
    columns: TrackingColumns,
    *,
    now: datetime | None = None,
) -> IngestReport:
    """Store a batch given as columns for one organisation; see the module docstring."""
    with cyclic_gc_paused():
        return run(session, organisation_id, columns, now or utcnow())


def dead_letter(
    session: Session,
    organisation_id: str,
    *,
    source: str,
    headers: dict[str, str],
    body: str,
    reason: str,
) -> TrackingDeadLetter:
    """Keep a payload that could not be ingested, whole, for the console to show and retry."""
    kept = {k: v for k, v in headers.items() if k.lower() not in _SECRET_HEADERS}
    row = TrackingDeadLetter(
        organisation_id=organisation_id,
        source=source[:40],
        headers=kept,
        body=body,
        reason=reason,
        received_at=utcnow(),
        state="new",
    )
    session.add(row)
    session.flush()
    return row


# Never stored: credentials a sender may put in headers.
_SECRET_HEADERS = frozenset({"authorization", "cookie", "x-api-key", "proxy-authorization"})
