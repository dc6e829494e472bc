"""What the shipments table caches about a shipment, derived from all of its events."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from linkstar.tracking.core.derive import current_status, deduplicate
from linkstar.tracking.core.events import TrackingEvent
from linkstar.tracking.core.vocabulary import Status

# Statuses that do not prove the carrier holds the parcel (no physical scan yet).
_NOT_A_SCAN = frozenset({Status.PENDING, Status.INFO_RECEIVED, Status.UNMAPPED, Status.EXPIRED})


@dataclass(frozen=True, slots=True)
class ShipmentSummary:
    """The derived columns of one shipment (see `models.Shipment`)."""

    status: Status
    sub_status: str | None
    status_since: datetime | None
    last_event_at: datetime | None
    first_scan_at: datetime | None
    delivered_at: datetime | None
    event_count: int
    unmapped_count: int


def summarise(events: Iterable[TrackingEvent]) -> ShipmentSummary:
    """Status, timestamps and counts of a shipment from its events (arrival order irrelevant)."""
    unique = deduplicate(events)
    state = current_status(unique)
    last = max((e.event_time for e in unique), default=None)
    scans = [e.event_time for e in unique if e.status not in _NOT_A_SCAN]
    return ShipmentSummary(
        status=state.status,
        sub_status=state.sub_status.value if state.sub_status else None,
        status_since=state.since,
        last_event_at=last,
        first_scan_at=min(scans, default=None),
        delivered_at=state.since if state.status is Status.DELIVERED else None,
        event_count=len(unique),
        unmapped_count=state.unmapped_after,
    )
