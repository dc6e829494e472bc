"""A batch of tracking updates as columns: what bulk ingestion works on.

`TrackingColumns` holds one entry per update (number, carrier, source, service, promise) and
one entry per event (its update's index, its UTC time as integer microseconds since 1970, the
raw fields and the normalised status), so ingestion keys, de-duplicates, groups and folds the
batch with numpy instead of walking one object per event. Missing text is `None`, as in
`TrackingEvent`; statuses are their text values. `from_updates` turns core updates (webhook
parsers, connectors, the JSON API) into columns; the file import builds columns directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from operator import attrgetter
from typing import Any, cast

import numpy as np

from linkstar.tracking.core.events import TrackingEvent
from linkstar.tracking.core.updates import TrackingUpdate
from linkstar.tracking.core.vocabulary import Status, SubStatus

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
# Below 2**31 seconds from 1970 (until 2038) a float timestamp is within 0.13 µs of the exact
# instant, so rounding it to microseconds is exact; other times are converted exactly.
_EXACT_SECONDS = 2.0**31
# The event fields a batch carries besides the time (`event_fields` reads them off an event).
FIELDS = (
    "carrier", "code_source", "raw_code", "raw_description", "location", "city", "state",
    "postcode", "country", "status", "sub_status", "rule_id",
)  # fmt: skip
event_fields = attrgetter(*FIELDS)  # a TrackingEvent's FIELDS values, as a tuple
# The text of every status and sub-status, by member (or by its text: a StrEnum hashes as it).
_TEXTS: dict[Any, str] = {m: m.value for vocabulary in (Status, SubStatus) for m in vocabulary}


@dataclass(frozen=True, slots=True)
class TrackingColumns:
    """Updates and their events by column (see the module docstring)."""

    # one entry per update
    tracking_number: Sequence[str]
    update_carrier: Sequence[str | None]
    source: Sequence[str]
    carrier_service: Sequence[str | None]
    promised_by: Sequence[datetime | None]
    # one entry per event
    update: np.ndarray  # int64: the index of the event's update
    micros: np.ndarray  # int64: UTC microseconds since 1970
    carrier: Sequence[str]
    code_source: Sequence[str | None]
    raw_code: Sequence[str]
    raw_description: Sequence[str]
    location: Sequence[str | None]
    city: Sequence[str | None]
    state: Sequence[str | None]
    postcode: Sequence[str | None]
    country: Sequence[str | None]
    status: Sequence[str]
    sub_status: Sequence[str | None]
    rule_id: Sequence[str | None]

    @property
    def updates(self) -> int:
        return len(self.tracking_number)

    @property
    def events(self) -> int:
        return len(self.micros)


def micros_of(moments: Sequence[datetime]) -> np.ndarray:
    """Aware datetimes as int64 UTC microseconds since 1970, exactly, in one numpy pass."""
    seconds = np.fromiter([m.timestamp() for m in moments], dtype=np.float64, count=len(moments))
    out = np.rint(seconds * 1e6).astype(np.int64)
    for index in np.flatnonzero(np.abs(seconds) >= _EXACT_SECONDS).tolist():
        out[index] = (moments[index] - EPOCH) // _US
    return out


def from_updates(updates: Sequence[TrackingUpdate]) -> TrackingColumns:
    """The columns of core updates (their events already normalised)."""
    events = [e for u in updates for e in u.events]
    counts = np.fromiter([len(u.events) for u in updates], dtype=np.int64, count=len(updates))
    return assemble(
        tracking_number=[u.tracking_number for u in updates],
        update_carrier=[u.carrier for u in updates],
        source=[u.source for u in updates],
        carrier_service=[u.carrier_service for u in updates],
        promised_by=[u.promised_by for u in updates],
        update=np.repeat(np.arange(len(updates), dtype=np.int64), counts),
        micros=micros_of([e.event_time for e in events]),
        fields=[list(map(attrgetter(name), events)) for name in FIELDS],  # one pass a field
    )


def assemble(
    *,
    tracking_number: Sequence[str],
    update_carrier: Sequence[str | None],
    source: Sequence[str],
    carrier_service: Sequence[str | None],
    promised_by: Sequence[datetime | None],
    update: np.ndarray,
    micros: np.ndarray,
    fields: Sequence[Sequence[Any]],
) -> TrackingColumns:
    """Columns from the update columns, each event's update and time, and the events' values
    of each of `FIELDS` (statuses may be `Status` members or their text)."""
    named: dict[str, Any] = dict(zip(FIELDS, fields, strict=True))
    named["status"] = _status_texts(named["status"])
    named["sub_status"] = _sub_status_texts(named["sub_status"])
    return TrackingColumns(
        tracking_number=tracking_number,
        update_carrier=update_carrier,
        source=source,
        carrier_service=carrier_service,
        promised_by=promised_by,
        update=update,
        micros=micros,
        **named,
    )


def _status_texts(values: Sequence[Any]) -> list[str]:
    """`str` of each status, a vocabulary member's text being its one shared object: not a
    fresh copy an event, which every later pass over the column would fetch from memory."""
    out = list(map(_TEXTS.get, values))
    if all(out):
        return cast(list[str], out)
    return [text or str(v) for text, v in zip(out, values, strict=True)]


def _sub_status_texts(values: Sequence[Any]) -> list[str | None]:
    """`str` of each sub-status given, else None (as `_status_texts`)."""
    out = list(map(_TEXTS.get, values))
    if len(list(filter(None, out))) == len(list(filter(None, values))):
        return out
    return [text or (str(v) if v else None) for text, v in zip(out, values, strict=True)]


def to_updates(columns: TrackingColumns) -> list[TrackingUpdate]:
    """Core updates of columns (the inverse of `from_updates`), events in column order."""
    c = columns
    events: list[list[TrackingEvent]] = [[] for _ in range(c.updates)]
    times = (EPOCH + timedelta(microseconds=m) for m in c.micros.tolist())
    for u, when, *values in zip(c.update.tolist(), times, *(getattr(c, f) for f in FIELDS),
                                strict=True):  # fmt: skip
        named = dict(zip(FIELDS, values, strict=True))
        events[u].append(TrackingEvent(event_time=when, **named))
    return [
        TrackingUpdate(number, carrier, tuple(evs), source, service, promise)
        for number, carrier, evs, source, service, promise in zip(
            c.tracking_number, c.update_carrier, events, c.source, c.carrier_service,
            c.promised_by, strict=True,
        )
    ]  # fmt: skip
