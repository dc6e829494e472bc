"""The pure half of bulk ingestion: a batch of columns made ready to store, with no session.

`prepare` normalises each update's number and resolves its carrier (one pass over the
updates), then works the events as numpy columns: their time texts and fingerprints in one pass
each, their lifecycle ranks, the repeats inside the batch dropped by one stable sort of
(shipment, fingerprint) pairs (the first report is kept), and the order in which `core.fold`
reads the kept events (`core.fold_columns.timeline_order`). Nothing here needs the database,
so a worker process can prepare one batch while another is stored (`file_ingest`); storing is
`ingest_batch.store`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import compress, repeat
from typing import Any, cast

import numpy as np

from linkstar.kit.clock import utcnow
from linkstar.tracking.core.columns import FIELDS, TrackingColumns
from linkstar.tracking.core.detect import best_carrier, unrecognised
from linkstar.tracking.core.fold_columns import timeline_order
from linkstar.tracking.core.horizon import future_reason, late
from linkstar.tracking.core.numbers import normalise_tracking_number
from linkstar.tracking.ingest_events import Events, gather


@dataclass(frozen=True, slots=True)
class Rejected:
    """An update that could not be ingested, with the reason."""

    tracking_number: str
    source: str
    reason: str


@dataclass(slots=True)
class IngestReport:
    """What one ingestion did."""

    updates: int = 0
    shipments_created: int = 0
    shipments_touched: int = 0
    events_received: int = 0  # events of the accepted updates
    events_inserted: int = 0
    duplicates: int = 0
    unmapped: int = 0  # unmapped events among the distinct events of the batch
    rejected: list[Rejected] = field(default_factory=list)

    def add(self, part: IngestReport) -> None:
        """Count another ingestion's report into this one."""
        self.updates += part.updates
        self.shipments_created += part.shipments_created
        self.shipments_touched += part.shipments_touched
        self.events_received += part.events_received
        self.events_inserted += part.events_inserted
        self.duplicates += part.duplicates
        self.unmapped += part.unmapped
        self.rejected.extend(part.rejected)

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON."""
        return {
            "updates": self.updates,
            "shipments_created": self.shipments_created,
            "shipments_touched": self.shipments_touched,
            "events_received": self.events_received,
            "events_inserted": self.events_inserted,
            "duplicates": self.duplicates,
            "unmapped": self.unmapped,
            "rejected": [
                {"tracking_number": r.tracking_number, "source": r.source, "reason": r.reason}
                for r in self.rejected
            ],
        }


@dataclass(slots=True)
class Shipments:
    """The batch's shipments in order of first appearance, and each update's shipment."""

    keys: list[tuple[str, str]] = field(default_factory=list)  # (carrier, number)
    source: list[str] = field(default_factory=list)  # the last update's, cut to the column
    service: list[str | None] = field(default_factory=list)  # the first one given
    promise: list[datetime | None] = field(default_factory=list)  # the first one given
    of_update: list[int] = field(default_factory=list)  # -1: the update was rejected


@dataclass(slots=True)
class Prepared:
    """A batch ready to store: its shipments, its accepted events with the repeats inside the
    batch unmarked in `events.keep`, the kept events in `core.fold` order, and the report's
    counts that need no database (a file import sets them for the whole file: `file_ingest`)."""

    shipments: Shipments
    events: Events | None  # None: no update was accepted
    timeline: np.ndarray  # int64 indices of the kept events, in `timeline_order`
    updates: int
    rejected: list[Rejected]
    unmapped: int  # unmapped events among the kept ones
    touched: int  # shipments to report as touched


def prepare(cols: TrackingColumns, as_text: bool, received: datetime | None = None) -> Prepared:
    """Ready `cols` to store (`as_text`: times as SQLite's text, else PostgreSQL's integers);
    an event later than `core.horizon` allows after `received` (default now) is rejected."""
    rejected: list[Rejected] = []
    updates = cols.updates
    cols = _within_horizon(cols, received or utcnow(), rejected)
    ships = _group(cols, rejected)
    if not ships.keys:
        return Prepared(ships, None, np.zeros(0, dtype=np.int64), updates, rejected, 0, 0)
    ev = Events.of(cols, np.asarray(ships.of_update, dtype=np.int64), as_text)
    kept = np.flatnonzero(ev.keep)
    order = timeline_order(
        ev.ship[kept], ev.micros[kept], ev.rank[kept], lambda at: ev.rest(kept[at])
    )
    unmapped = int(np.count_nonzero(ev.rank[kept] < 0))
    return Prepared(ships, ev, kept[order], updates, rejected, unmapped, len(ships.keys))


def _within_horizon(
    cols: TrackingColumns, received: datetime, rejected: list[Rejected]
) -> TrackingColumns:
    """`cols` without the events past the horizon (one numpy comparison); each is rejected,
    listed by update, then time.

    An update all of whose events are refused goes too: stored, it would be a shipment with no
    event, which nobody asked for (its events' reasons say why). An update sent with no
    events at all stays: that registers its number."""
    far = late(cols.micros, received)
    if not far.any():
        return cols
    refused = np.flatnonzero(far)
    # by update, then time: the same list whatever order the events came in
    refused = refused[np.lexsort((cols.micros[refused], cols.update[refused]))]
    for i in refused.tolist():
        u = int(cols.update[i])
        reason = future_reason(int(cols.micros[i]), received)
        rejected.append(Rejected(cols.tracking_number[u], cols.source[u], reason))
    at = np.flatnonzero(~far)
    emptied = np.zeros(cols.updates, dtype=bool)
    emptied[cols.update[far]] = True
    emptied[cols.update[at]] = False
    picked: dict[str, Any] = {name: list(gather(getattr(cols, name), at)) for name in FIELDS}
    if not emptied.any():
        return replace(cols, update=cols.update[at], micros=cols.micros[at], **picked)
    kept = np.flatnonzero(~emptied)
    renumbered = np.cumsum(~emptied) - 1  # an update's index among the kept ones
    for name in ("tracking_number", "update_carrier", "source", "carrier_service", "promised_by"):
        picked[name] = list(gather(getattr(cols, name), kept))
    return replace(cols, update=renumbered[cols.update[at]], micros=cols.micros[at], **picked)


def _group(cols: TrackingColumns, rejected: list[Rejected]) -> Shipments:
    """Each update's shipment (carrier, number); the rejected updates are listed.

    Column by column: when every number is plain (ASCII letters and digits) and every update
    names its carrier, nothing runs a Python step per update; otherwise each update is checked
    as `_checked` says."""
    raw, given = cols.tracking_number, cols.update_carrier
    joined = "".join(raw)
    numbers = list(map(str.upper, raw)) if joined.isascii() and joined.isalnum() else [
        normalise_tracking_number(number) for number in raw
    ]  # fmt: skip
    named = _named_carriers(given)
    source: Sequence[str] = cols.source
    service: Sequence[str | None] = cols.carrier_service
    promise: Sequence[datetime | None] = cols.promised_by
    if named is None or not all(numbers) or max(map(len, numbers), default=0) > 64:
        carriers = _checked(cols, numbers, rejected)
        accepted = [carrier is not None for carrier in carriers]
        keys: list[tuple[str | None, str]] = list(zip(carriers, numbers, strict=True))
        pairs = cast(list[tuple[str, str]], list(compress(keys, accepted)))
        source, service = list(compress(source, accepted)), list(compress(service, accepted))
        promise = list(compress(promise, accepted))
    else:
        pairs = list(zip(named, numbers, strict=True))
        keys = cast(list[tuple[str | None, str]], pairs)
    distinct = list(dict.fromkeys(pairs))  # in order of first appearance
    index: dict[tuple[str | None, str], int] = dict(
        zip(distinct, range(len(distinct)), strict=True)
    )
    last_source = dict(zip(pairs, source, strict=True))  # the last update's wins
    sources = list(map(last_source.__getitem__, distinct))
    if max(map(len, sources), default=0) > 40:
        sources = [text[:40] for text in sources]
    return Shipments(
        keys=distinct,
        source=sources,
        service=_first_given(pairs, service, distinct),
        promise=_first_given(pairs, promise, distinct),
        of_update=list(map(index.get, keys, repeat(-1))),
    )


def _named_carriers(given: Sequence[str | None]) -> list[str] | None:
    """Every update's own carrier (stripped, lower case), or None if one names none."""
    if not all(given):
        return None
    stripped = list(map(str.strip, cast(Sequence[str], given)))
    return list(map(str.lower, stripped)) if all(stripped) else None


def _checked(
    cols: TrackingColumns, numbers: list[str], rejected: list[Rejected]
) -> list[str | None]:
    """Each update's carrier (`_resolve_carrier`), None for a rejected update (listed in
    `rejected` in update order, with its reason)."""
    carriers_of = _event_carriers(cols)
    out: list[str | None] = []
    for u, (raw, number, given, source) in enumerate(
        zip(cols.tracking_number, numbers, cols.update_carrier, cols.source, strict=True)
    ):
        if not number or len(number) > 64:
            rejected.append(Rejected(raw, source, "not a tracking number"))
            out.append(None)
            continue
        carrier = _resolve_carrier(raw, given, carriers_of, u)
        if carrier is None:
            rejected.append(Rejected(number, source, unrecognised(number)))
        out.append(carrier)
    return out


def _first_given(
    keys: list[tuple[str, str]], values: Sequence[Any], distinct: list[tuple[str, str]]
) -> list[Any]:
    """For each of the `distinct` keys, the first value given for it (truthy), else None."""
    if not any(values):
        return [None] * len(distinct)
    first = dict(reversed([(key, value) for key, value in zip(keys, values, strict=True) if value]))
    return list(map(first.get, distinct))


def _event_carriers(cols: TrackingColumns) -> Callable[[int], set[str]]:
    """The carriers named by each update's events, grouped on the first question."""
    grouped: list[dict[int, set[str]]] = []

    def carriers(update: int) -> set[str]:
        if not grouped:
            by_update: dict[int, set[str]] = {}
            for u, carrier in zip(cols.update.tolist(), cols.carrier, strict=True):
                by_update.setdefault(u, set()).add(carrier)
            grouped.append(by_update)
        return grouped[0].get(update, set())

    return carriers


def _resolve_carrier(
    number: str, given: str | None, carriers_of: Callable[[int], set[str]], update: int
) -> str | None:
    """The update's carrier, else the confident detection from the number, else the events'."""
    if given and given.strip():
        return given.strip().lower()
    found = best_carrier(number)
    if found is not None:
        return found.carrier
    carriers = carriers_of(update)
    return next(iter(carriers)) if len(carriers) == 1 else None
