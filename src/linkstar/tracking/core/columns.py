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

import numpy as np

from linkstar.tracking.core.updates import TrackingUpdate

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
# Below 2**31 seconds from 1970 (until 2038) a float timestamp is within 0.13 µs of the exact
# instant, so rounding it to microseconds is exact; other times are converted exactly.
_EXACT_SECONDS = 2.0**31
_EVENT_FIELDS = attrgetter(
    "carrier", "code_source", "raw_code", "raw_description", "location", "city", "state",
    "postcode", "country", "status", "sub_status", "rule_id",
)  # fmt: skip


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
    fields = list(zip(*map(_EVENT_FIELDS, events), strict=True)) or [()] * 12
    (carrier, code_source, raw_code, raw_description, location, city, state, postcode, country,
     status, sub_status, rule_id) = fields  # fmt: skip
    return TrackingColumns(
        tracking_number=[u.tracking_number for u in updates],
        update_carrier=[u.carrier for u in updates],
        source=[u.source for u in updates],
        carrier_service=[u.carrier_service for u in updates],
        promised_by=[u.promised_by for u in updates],
        update=np.repeat(np.arange(len(updates), dtype=np.int64), counts),
        micros=micros_of([e.event_time for e in events]),
        carrier=carrier,
        code_source=code_source,
        raw_code=raw_code,
        raw_description=raw_description,
        location=location,
        city=city,
        state=state,
        postcode=postcode,
        country=country,
        status=list(map(str, status)),
        sub_status=[str(s) if s else None for s in sub_status],
        rule_id=rule_id,
    )
