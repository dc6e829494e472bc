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

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from linkstar.tracking.core.columns import TrackingColumns
from linkstar.tracking.core.detect import best_carrier
from linkstar.tracking.core.fold_columns import timeline_order
from linkstar.tracking.core.numbers import normalise_tracking_number
from linkstar.tracking.ingest_events import Events


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


def prepare(cols: TrackingColumns, as_text: bool) -> Prepared:
    """Ready `cols` to store (`as_text`: times as SQLite's text, else PostgreSQL's integers)."""
    rejected: list[Rejected] = []
    ships = _group(cols, rejected)
    if not ships.keys:
        return Prepared(ships, None, np.zeros(0, dtype=np.int64), cols.updates, rejected, 0, 0)
    ev = Events.of(cols, np.asarray(ships.of_update, dtype=np.int64), as_text)
    kept = np.flatnonzero(ev.keep)
    order = timeline_order(
        ev.ship[kept], ev.micros[kept], ev.rank[kept], lambda at: ev.rest(kept[at])
    )
    unmapped = int(np.count_nonzero(ev.rank[kept] < 0))
    return Prepared(ships, ev, kept[order], cols.updates, rejected, unmapped, len(ships.keys))


def _group(cols: TrackingColumns, rejected: list[Rejected]) -> Shipments:
    """Each update's shipment (carrier, number); the rejected updates are listed."""
    ships = Shipments()
    index: dict[tuple[str, str], int] = {}
    carriers_of = _event_carriers(cols)
    for u, (raw, given, source, service, promise) in enumerate(
        zip(cols.tracking_number, cols.update_carrier, cols.source, cols.carrier_service,
            cols.promised_by, strict=True)
    ):  # fmt: skip
        number = normalise_tracking_number(raw)
        if not number or len(number) > 64:
            rejected.append(Rejected(raw, source, "not a tracking number"))
            ships.of_update.append(-1)
            continue
        carrier = _resolve_carrier(raw, given, carriers_of, u)
        if carrier is None:
            rejected.append(Rejected(number, source, "carrier not given and not recognisable"))
            ships.of_update.append(-1)
            continue
        at = index.get((carrier, number))
        if at is None:
            at = index[(carrier, number)] = len(ships.keys)
            ships.keys.append((carrier, number))
            ships.source.append(source[:40])
            ships.service.append(service or None)
            ships.promise.append(promise or None)
        else:
            ships.source[at] = source[:40]
            ships.service[at] = ships.service[at] or service or None
            ships.promise[at] = ships.promise[at] or promise or None
        ships.of_update.append(at)
    return ships


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
