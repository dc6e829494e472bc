"""A shipment's current status, derived from its events and never from their arrival order.

Rules (also in docs/formats/tracking.md):

1. Duplicates are dropped: events with the same `identity_key` (time, carrier, vocabulary,
   raw code, raw text and location) are one report. If they were normalised differently
   (an older table version), the copy that sorts last by `order_key` is kept.
2. Events are ordered by event time. Ties are broken by lifecycle rank (`STATUS_RANK`: the
   further-advanced status wins), then by every other field, so any permutation of the same
   events gives the same timeline and the same answer.
3. Unmapped events never decide the status; they are counted after the deciding event so
   they can raise their own alert. Only when every event is unmapped is the status `unmapped`.
4. Terminal statuses stick: after `delivered`, only `returning_to_sender`, `returned` or
   `exception` may replace it (a parcel refused after delivery to an agent, damage reported);
   late-posted scans such as "in transit" are ignored. `returned` is final.
5. No events at all means `pending`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from linkstar.tracking.core.events import TrackingEvent, identity_key, order_key
from linkstar.tracking.core.vocabulary import (
    SUPERSEDES_TERMINAL,
    Status,
    SubStatus,
    is_terminal,
)


@dataclass(frozen=True, slots=True)
class CurrentStatus:
    """What a shipment's events say now, and which event says it."""

    status: Status
    sub_status: SubStatus | None
    event: TrackingEvent | None  # the deciding event; None when there are no events
    terminal: bool
    unmapped_after: int  # unmapped events later than the deciding one (alert on these)
    ignored_after_terminal: int  # later events that a terminal status did not let through

    @property
    def since(self) -> datetime | None:
        """When the current status was reached (the deciding event's time)."""
        return self.event.event_time if self.event else None


def deduplicate(events: Iterable[TrackingEvent]) -> list[TrackingEvent]:
    """Drop repeated reports of the same raw event, keeping one deterministic copy of each."""
    kept: dict[tuple[object, ...], TrackingEvent] = {}
    for event in events:
        key = identity_key(event)
        current = kept.get(key)
        if current is None or order_key(event) > order_key(current):
            kept[key] = event
    return list(kept.values())


def timeline(events: Iterable[TrackingEvent]) -> tuple[TrackingEvent, ...]:
    """The de-duplicated events in event-time order (ties broken by `order_key`)."""
    return tuple(sorted(deduplicate(events), key=order_key))


def _may_replace(current: TrackingEvent, following: TrackingEvent) -> bool:
    if not is_terminal(current.status):
        return True
    return following.status in SUPERSEDES_TERMINAL.get(current.status, frozenset())


def current_status(events: Iterable[TrackingEvent]) -> CurrentStatus:
    """The shipment's status from its events, by event time; see the module rules."""
    ordered = timeline(events)
    deciding: TrackingEvent | None = None
    unmapped_after = 0
    ignored = 0
    for event in ordered:
        if event.status is Status.UNMAPPED:
            unmapped_after += 1
            continue
        if deciding is not None and not _may_replace(deciding, event):
            ignored += 1
            continue
        deciding, unmapped_after, ignored = event, 0, 0
    if deciding is None:
        if not ordered:
            return CurrentStatus(Status.PENDING, None, None, False, 0, 0)
        return CurrentStatus(Status.UNMAPPED, None, ordered[-1], False, unmapped_after, 0)
    return CurrentStatus(
        deciding.status,
        deciding.sub_status,
        deciding,
        is_terminal(deciding.status),
        unmapped_after,
        ignored,
    )
