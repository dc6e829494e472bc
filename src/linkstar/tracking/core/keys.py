"""The stored de-duplication key of an event: SHA-1 of its identity key, as 40 hex characters.

The database holds a unique (shipment, key) pair, so a repeated report of the same raw event is
ignored by the insert itself, whichever batch or source it arrives in.
"""

from __future__ import annotations

import hashlib

from linkstar.tracking.core.events import TrackingEvent

_SEP = "\x1f"  # the ASCII unit separator never occurs in tidied carrier text


def time_text(event: TrackingEvent) -> str:
    """The event time as fixed-width UTC text, `YYYY-MM-DD HH:MM:SS.ffffff` (sorts by time)."""
    return event.event_time.isoformat(" ", "microseconds")[:26]


def dedup_key(event: TrackingEvent, when: str | None = None) -> str:
    """SHA-1 hex of `identity_key(event)` (UTC time text, then every raw field).

    `when` is `time_text(event)` when the caller has it already.
    """
    text = _SEP.join(
        (
            when or time_text(event),
            event.carrier,
            event.code_source or event.carrier,
            event.raw_code,
            event.raw_description,
            event.location or "",
            event.city or "",
            event.state or "",
            event.postcode or "",
            event.country or "",
        )
    )
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()
