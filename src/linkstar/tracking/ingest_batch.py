"""Bulk ingestion of a batch given as columns (`core.columns.TrackingColumns`).

Each update's number is normalised and its carrier resolved (one pass over the updates); the
events are then worked as numpy columns: their time texts and fingerprints in one pass each,
repeats inside the batch dropped by sorting (shipment, fingerprint) pairs (the first report is
kept), known shipments looked up in one query per 900 numbers, and for a known shipment whose
new events do not all come after its last stored one, the fingerprints already stored are read
from the unique index, so a re-sent history is recognised before anything is written. Statuses
are folded for all shipments at once (`core.fold_columns`): a known shipment whose new events
all come after its last stored one continues its stored derived state; only a genuine late
arrival re-reads its stored events. A fixed number of statements (`event_store`). Never commits.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from linkstar.kit.clock import utcnow
from linkstar.kit.ids import ordered_id
from linkstar.tracking.core.columns import TrackingColumns
from linkstar.tracking.core.detect import best_carrier
from linkstar.tracking.core.fold import fold
from linkstar.tracking.core.fold_columns import (
    NAT,
    RANK,
    FoldedColumns,
    fold_groups,
    pending,
    timeline_order,
)
from linkstar.tracking.core.numbers import normalise_tracking_number
from linkstar.tracking.core.pairs import pairs_in
from linkstar.tracking.core.vocabulary import Status
from linkstar.tracking.event_reads import load_fold_rows
from linkstar.tracking.event_store import (
    db_time,
    db_times,
    fill_service_and_promise,
    find_shipments,
    insert_events,
    insert_shipments,
    is_sqlite,
    micros_from_db,
    stored_pairs,
    write_status,
)
from linkstar.tracking.ingest_events import Events, gather
from linkstar.tracking.models import new_public_tokens

_DELIVERED = Status.DELIVERED.value


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
class _Shipments:
    """The batch's shipments in order of first appearance, and each update's shipment."""

    keys: list[tuple[str, str]] = field(default_factory=list)  # (carrier, number)
    source: list[str] = field(default_factory=list)  # the last update's, cut to the column
    service: list[str | None] = field(default_factory=list)  # the first one given
    promise: list[datetime | None] = field(default_factory=list)  # the first one given
    of_update: list[int] = field(default_factory=list)  # -1: the update was rejected


def run(
    session: Session, organisation_id: str, cols: TrackingColumns, now: datetime
) -> IngestReport:
    """Store the batch; see the module docstring."""
    report = IngestReport(updates=cols.updates)
    ships = _group(cols, report)
    n = len(ships.keys)
    if not n:
        return report
    as_text = is_sqlite(session)
    ev = Events.of(cols, np.asarray(ships.of_update, dtype=np.int64), as_text)
    report.events_received = len(ev.ship)
    report.unmapped = int(np.count_nonzero(ev.rank[ev.keep] < 0))
    ids, known, start = _known(session, organisation_id, ships.keys, as_text)
    late = _drop_stored_repeats(session, ev, ids, known, start.last_event_at)
    folded = _fold(ev, start, known, late)
    fresh = np.flatnonzero(~known).tolist()
    times = [db_times(t, as_text) for t in _times(folded)]
    _create(session, organisation_id, ships, ev, folded, times, fresh, ids, as_text)
    received = db_time(now, as_text)
    new_events = ev.keep & ~known[ev.ship]
    report.events_inserted = insert_events(
        session, ev.rows(organisation_id, new_events, ids, ships.source, received), fresh=True
    ) + insert_events(session, ev.rows(organisation_id, ev.keep & ~new_events, ids, ships.source,
                                       received))  # fmt: skip
    report.duplicates = report.events_received - report.events_inserted
    if late.any():
        _fold_late(session, folded, ids, late, as_text)
        times = [db_times(t, as_text) for t in _times(folded)]
    touched = np.zeros(n, dtype=bool)
    touched[ev.ship[ev.keep]] = True
    stamp = received
    write_status(
        session,
        [
            (*_derived(folded, times, i), stamp, ids[i])
            for i in np.flatnonzero(known & touched).tolist()
        ],
    )
    fill_service_and_promise(
        session.connection(),
        [
            {"b_id": ids[i], "svc": ships.service[i], "promise": ships.promise[i]}
            for i in np.flatnonzero(known).tolist()
            if ships.service[i] or ships.promise[i]
        ],
    )
    report.shipments_created = len(fresh)
    report.shipments_touched = n
    return report


def _group(cols: TrackingColumns, report: IngestReport) -> _Shipments:
    """Each update's shipment (carrier, number); the rejected updates are reported."""
    ships = _Shipments()
    index: dict[tuple[str, str], int] = {}
    carriers_of = _event_carriers(cols)
    for u, (raw, given, source, service, promise) in enumerate(
        zip(cols.tracking_number, cols.update_carrier, cols.source, cols.carrier_service,
            cols.promised_by, strict=True)
    ):  # fmt: skip
        number = normalise_tracking_number(raw)
        if not number or len(number) > 64:
            report.rejected.append(Rejected(raw, source, "not a tracking number"))
            ships.of_update.append(-1)
            continue
        carrier = _resolve_carrier(raw, given, carriers_of, u)
        if carrier is None:
            report.rejected.append(
                Rejected(number, source, "carrier not given and not recognisable")
            )
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


def _known(
    session: Session, organisation_id: str, keys: list[tuple[str, str]], as_text: bool
) -> tuple[list[str], np.ndarray, FoldedColumns]:
    """Each shipment's id (new ones get a time-ordered id), whether it is stored, and its derived
    columns before this batch (pending for new ones)."""
    found = find_shipments(session, organisation_id, keys)
    at = np.array(found.at, dtype=np.int64)
    known = np.zeros(len(keys), dtype=bool)
    known[at] = True
    stored: list[str | None] = [None] * len(keys)
    for i, shipment_id in zip(found.at, found.ids, strict=True):
        stored[i] = shipment_id
    ids = [ordered_id() if shipment_id is None else shipment_id for shipment_id in stored]
    start = pending(len(keys))
    if len(at):
        status, sub_status, *times, event_count, unmapped_count = found.derived
        start.status[at] = status
        start.sub_status[at] = sub_status
        for name, values in zip(
            ("status_since", "last_event_at", "first_scan_at", "delivered_at"), times, strict=True
        ):
            getattr(start, name)[at] = micros_from_db(values, as_text)
        start.event_count[at] = event_count
        start.unmapped_count[at] = unmapped_count
    return ids, known, start


def _first_new(ev: Events, n: int) -> np.ndarray:
    first = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, ev.ship[ev.keep], ev.micros[ev.keep])
    return first


def _drop_stored_repeats(
    session: Session, ev: Events, ids: list[str], known: np.ndarray, last: np.ndarray
) -> np.ndarray:
    """Drop the events a known shipment has stored already; returns the genuine late arrivals.

    Only events not later than the shipment's last stored one can be repeats (a repeat has the
    same time), so only those shipments' keys are read; the others continue as they are.
    """
    check = known & (last != NAT) & (_first_new(ev, len(ids)) <= last)
    if not check.any():
        return check
    checked = np.flatnonzero(check)
    position = np.full(len(ids), -1, dtype=np.int64)
    position[checked] = np.arange(len(checked))
    candidates = np.flatnonzero(ev.keep & check[ev.ship])
    stored_ship, stored_fp = stored_pairs(session, [ids[i] for i in checked.tolist()])
    repeats = pairs_in(position[ev.ship[candidates]], ev.fp[candidates], stored_ship, stored_fp)
    ev.keep[candidates[repeats]] = False
    return check & (_first_new(ev, len(ids)) <= last)


def _fold(ev: Events, start: FoldedColumns, known: np.ndarray, late: np.ndarray) -> FoldedColumns:
    """Every shipment's derived columns but the late arrivals' (`_fold_late`)."""
    sel = np.flatnonzero(ev.keep & ~late[ev.ship])
    order = timeline_order(ev.ship[sel], ev.micros[sel], ev.rank[sel], lambda: ev.rest(sel))
    sel = sel[order]
    return fold_groups(
        ev.ship[sel],
        ev.micros[sel],
        ev.rank[sel],
        np.array(gather(ev.cols.status, sel), dtype=object),
        np.array(gather(ev.cols.sub_status, sel), dtype=object),
        start,
        known,
        lambda i, j: ev.fold_rows(sel[i:j]),
    )


def _fold_late(
    session: Session, folded: FoldedColumns, ids: list[str], late: np.ndarray, as_text: bool
) -> None:
    """Fold the late arrivals again from all their stored events (inserted by now)."""
    at = np.flatnonzero(late).tolist()
    rows = load_fold_rows(session, [ids[i] for i in at])
    for i in at:
        f = fold(rows.get(ids[i], ()))
        times = micros_from_db(
            [f.status_since, f.last_event_at, f.first_scan_at, f.delivered_at], as_text
        ).tolist()
        folded.status[i], folded.sub_status[i] = f.status, f.sub_status
        folded.status_since[i], folded.last_event_at[i] = times[0], times[1]
        folded.first_scan_at[i], folded.delivered_at[i] = times[2], times[3]
        folded.event_count[i], folded.unmapped_count[i] = f.event_count, f.unmapped_count


def _times(f: FoldedColumns) -> tuple[np.ndarray, ...]:
    return f.status_since, f.last_event_at, f.first_scan_at, f.delivered_at


def _derived(f: FoldedColumns, times: Sequence[list[Any]], i: int) -> tuple[Any, ...]:
    """One shipment's derived columns (`event_store.DERIVED_COLUMNS`), times in database form."""
    return (
        f.status[i],
        f.sub_status[i],
        times[0][i],
        times[1][i],
        times[2][i],
        times[3][i],
        int(f.event_count[i]),
        int(f.unmapped_count[i]),
    )


def _create(
    session: Session,
    organisation_id: str,
    ships: _Shipments,
    ev: Events,
    folded: FoldedColumns,
    times: Sequence[list[Any]],
    fresh: list[int],
    ids: list[str],
    as_text: bool,
) -> None:
    """New shipments with their derived columns; the destination is the country of the first
    delivered event reported."""
    if not fresh:
        return
    now = db_time(utcnow(), as_text)
    first = ev.first_where(ev.keep & (ev.rank == RANK[_DELIVERED]), len(ships.keys))
    rows = []
    for i, token in zip(fresh, new_public_tokens(len(fresh)), strict=True):
        carrier, number = ships.keys[i]
        promise = ships.promise[i]
        rows.append(
            (
                ids[i],
                organisation_id,
                number,
                carrier,
                ships.service[i],
                None if first[i] < 0 else ev.cols.country[first[i]],
                db_time(promise, as_text) if promise else None,
                ships.source[i],
                token,
                now,
                now,
                *_derived(folded, times, i),
            )
        )
    insert_shipments(session, rows)
