"""The stored de-duplication key of an event: SHA-1 of its identity key, as 40 hex characters.

The database holds a unique (shipment, key) pair, so a repeated report of the same raw event is
ignored by the insert itself, whichever batch or source it arrives in.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from linkstar.tracking.core.events import TrackingEvent

_SEP = "\x1f"  # the ASCII unit separator never occurs in tidied carrier text


def time_text(event: TrackingEvent) -> str:
    """The event time as fixed-width UTC text, `YYYY-MM-DD HH:MM:SS.ffffff` (sorts by time)."""
    return event.event_time.isoformat(" ", "microseconds")[:26]


# Below 2**31 seconds from 1970 (until 2038) a float timestamp is within 0.13 µs of the exact
# instant, so rounding it to microseconds is exact; other times are converted one by one.
_EXACT_SECONDS = 2.0**31


def time_texts(events: Sequence[TrackingEvent]) -> list[str]:
    """`time_text` of every event, computed in one vectorised pass (half the cost per event)."""
    seconds = np.fromiter(
        [e.event_time.timestamp() for e in events], dtype=np.float64, count=len(events)
    )
    micros = np.rint(seconds * 1e6).astype(np.int64).astype("datetime64[us]")
    text = np.datetime_as_string(micros, unit="us").astype("S26")
    text.view(np.uint8).reshape(-1, 26)[:, 10] = ord(" ")  # ISO's "T" -> SQLAlchemy's space
    out: list[str] = text.astype("U26").tolist()
    for index in np.flatnonzero(np.abs(seconds) >= _EXACT_SECONDS).tolist():
        out[index] = time_text(events[index])
    return out


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
