"""Bulk ingestion of a batch given as columns (`core.columns.TrackingColumns`).

`run` is `ingest_prepare.prepare` (the pure half: numbers, carriers, time texts, fingerprints,
repeats inside the batch, fold order) then `store`, the half that needs the database: known
shipments looked up in one query per 900 numbers, and for a known shipment whose
new events do not all come after its last stored one, the fingerprints already stored are read
from the unique index, so a re-sent history is recognised before anything is written. Statuses
are folded for all shipments at once (`core.fold_columns`): a known shipment whose new events
all come after its last stored one continues its stored derived state; only a genuine late
arrival re-reads its stored events. A fixed number of statements (`event_store`). Never commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from itertools import repeat
from typing import Any

import numpy as np
from sqlalchemy import bindparam, update
from sqlalchemy.orm import Session

from linkstar.kit.clock import utcnow
from linkstar.kit.ids import ordered_id
from linkstar.tracking.aliases import find_aliased
from linkstar.tracking.core.columns import TrackingColumns
from linkstar.tracking.core.correction import recarried_columns
from linkstar.tracking.core.epochs import second_of, seconds
from linkstar.tracking.core.fold import fold
from linkstar.tracking.core.fold_columns import NAT, RANK, FoldedColumns, fold_groups, pending
from linkstar.tracking.core.pairs import pairs_in
from linkstar.tracking.core.vocabulary import Status
from linkstar.tracking.event_reads import load_fold_rows
from linkstar.tracking.event_store import (
    DERIVED_COLUMNS,
    db_time,
    db_times,
    fill_service_and_promise,
    insert_events,
    insert_shipments,
    is_sqlite,
    micros_from_db,
    write_status,
)
from linkstar.tracking.ingest_events import Events, gather
from linkstar.tracking.ingest_prepare import IngestReport, Prepared, Rejected, Shipments, prepare
from linkstar.tracking.models import Shipment, new_public_tokens
from linkstar.tracking.shipment_lookup import find_shipments, stored_pairs

__all__ = ["IngestReport", "Rejected", "run", "store"]

_DELIVERED = Status.DELIVERED.value


def run(
    session: Session, organisation_id: str, cols: TrackingColumns, now: datetime
) -> IngestReport:
    """Store the batch; see the module docstring."""
    return store(session, organisation_id, prepare(cols, is_sqlite(session), now), now)


def store(
    session: Session,
    organisation_id: str,
    batch: Prepared,
    now: datetime,
    undated: set[str] | None = None,
    *,
    follow_aliases: bool = True,
) -> IngestReport:
    """Store a prepared batch (`ingest_prepare`): the steps that need the database.

    `undated` serves a file stored in several batches (`file_ingest`): it holds the shipments
    an earlier batch of the file created before any delivered event of theirs was seen; a
    later batch gives them the destination of their first delivered event, as one batch
    holding the whole file would have, and the ones this batch creates without one are added.

    A key no shipment has but a carrier correction left as an alias (`aliases`) is the
    corrected shipment's: the batch is prepared again with those updates under the shipment's
    current carrier (`_follow_aliases`) and stored as that.
    """
    report = IngestReport(updates=batch.updates, rejected=batch.rejected, unmapped=batch.unmapped)
    ships, ev = batch.shipments, batch.events
    n = len(ships.keys)
    if ev is None:
        return report
    as_text = is_sqlite(session)
    report.events_received = len(ev.ship)
    ids, rows, known, start = _known(session, organisation_id, ships.keys, as_text)
    # SQLite's write-back names only what changed (`_changed`); the fold updates `start`
    stored = (
        FoldedColumns(*(getattr(start, name).copy() for name in DERIVED_COLUMNS))
        if as_text
        else None
    )
    if follow_aliases and (again := _follow_aliases(session, organisation_id, batch, known)):
        return store(session, organisation_id, again, now, undated, follow_aliases=False)
    late = _drop_stored_repeats(session, ev, ids, known, start.last_event_at)
    folded = _fold(ev, batch.timeline, start, known, late)
    fresh = np.flatnonzero(~known).tolist()
    times = _written_times(folded, as_text)
    delivered = ev.first_where(ev.keep & (ev.rank == RANK[_DELIVERED]), n)
    _create(session, organisation_id, ships, ev, folded, times, fresh, ids, delivered, as_text)
    if undated is not None:
        _date_later(session, organisation_id, ev, ids, known, delivered, undated)
        undated.update(ids[i] for i in fresh if delivered[i] < 0)
    received = db_time(now, as_text)
    new_events = ev.keep & ~known[ev.ship]
    report.events_inserted = sum(
        _insert_events(session, ev, mask, (organisation_id, ids, ships.source, received), fresh)
        for mask, fresh in ((new_events, True), (ev.keep & ~new_events, False))
    )
    report.duplicates = report.events_received - report.events_inserted
    if late.any():
        _fold_late(session, folded, ids, late, as_text)
        times = _written_times(folded, as_text)
    touched = np.zeros(n, dtype=bool)
    touched[ev.ship[ev.keep]] = True
    at = np.flatnonzero(known & touched)
    derived = _derived(folded, times, at)
    write_status(
        session,
        list(zip(*derived, repeat(received, len(at)), gather(rows, at), strict=True)),
        None if stored is None else _changed(folded, stored, at),
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
    report.shipments_touched = batch.touched
    return report


def _known(
    session: Session, organisation_id: str, keys: list[tuple[str, str]], as_text: bool
) -> tuple[list[str], list[Any], np.ndarray, FoldedColumns]:
    """Each shipment's id (new ones get a time-ordered id), its row key for the write-back
    (`shipment_lookup.Known.rows`; None for new ones), whether it is stored, and its derived
    columns before this batch (pending for new ones)."""
    found = find_shipments(session, organisation_id, keys)
    at = np.array(found.at, dtype=np.int64)
    known = np.zeros(len(keys), dtype=bool)
    known[at] = True
    stored: list[str | None] = [None] * len(keys)
    rows: list[Any] = [None] * len(keys)
    for i, shipment_id, row in zip(found.at, found.ids, found.rows, strict=True):
        stored[i], rows[i] = shipment_id, row
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
    return ids, rows, known, start


def _follow_aliases(
    session: Session, organisation_id: str, batch: Prepared, known: np.ndarray
) -> Prepared | None:
    """The batch prepared again with the updates whose key is an alias under the aliased
    shipment's current carrier (`core.correction.recarried_columns`), or None when no unknown
    key is an alias (one look-up of the unknown keys). The report's counts stay the batch's,
    less the shipments merged and with the re-normalised events' unmapped count."""
    ships, ev = batch.shipments, batch.events
    unknown = np.flatnonzero(~known).tolist()
    if ev is None or not unknown:
        return None
    found = find_aliased(session, organisation_id, [ships.keys[i] for i in unknown])
    if not found:
        return None
    moved = {
        unknown[at]: (ships.keys[unknown[at]][0], carrier) for at, (_, carrier) in found.items()
    }
    carriers = {u: moved[s] for u, s in enumerate(ships.of_update) if s in moved}
    again = prepare(recarried_columns(ev.cols, carriers), is_sqlite(session))
    unmapped_before = int(np.count_nonzero(ev.rank[ev.keep] < 0))
    again.updates, again.rejected = batch.updates, batch.rejected
    again.touched = batch.touched - (len(ships.keys) - len(again.shipments.keys))
    again.unmapped = max(0, batch.unmapped + again.unmapped - unmapped_before)
    return again


def _insert_events(
    session: Session,
    ev: Events,
    mask: np.ndarray,
    row_of: tuple[str, list[str], Sequence[str], Any],
    fresh: bool,
) -> int:
    """Insert the events under `mask` (`row_of`: `Events.rows`'s organisation, ids, sources,
    receipt time); on SQLite what they all share leaves the rows (`Events.shared`)."""
    org, ids, source, received = row_of
    shared = ev.shared(org, mask, ids, source, received) if is_sqlite(session) else None
    rows = ev.rows(org, mask, ids, source, received, leave_out=shared or ())
    return insert_events(session, rows, fresh=fresh, shared=shared)


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


def _fold(
    ev: Events, timeline: np.ndarray, start: FoldedColumns, known: np.ndarray, late: np.ndarray
) -> FoldedColumns:
    """Every shipment's derived columns but the late arrivals' (`_fold_late`). `timeline` is
    the batch's kept events in fold order; leaving some out keeps the others' order."""
    sel = timeline[ev.keep[timeline] & ~late[ev.ship[timeline]]]
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


def _written_times(f: FoldedColumns, as_text: bool) -> list[list[Any]]:
    """The derived times in database form, then as their epoch columns (`core.epochs`)."""
    times = (f.status_since, f.last_event_at, f.first_scan_at, f.delivered_at)
    return [*(db_times(t, as_text) for t in times), *(seconds(t) for t in times)]


def _derived(f: FoldedColumns, times: Sequence[list[Any]], at: np.ndarray) -> list[Sequence[Any]]:
    """The derived columns and their epochs (`event_store.DERIVED_COLUMNS`, then
    `DERIVED_EPOCHS`) of the shipments `at`, by column, times in database form."""
    return [
        f.status[at].tolist(),
        f.sub_status[at].tolist(),
        *(gather(t, at) for t in times[:4]),
        f.event_count[at].tolist(),
        f.unmapped_count[at].tolist(),
        *(gather(t, at) for t in times[4:]),
    ]


def _changed(now: FoldedColumns, stored: FoldedColumns, at: np.ndarray) -> list[int]:
    """The derived columns of the shipments `at` that differ from the stored ones, as the bits
    `event_store.write_status` takes. Times compare as microseconds: a stored time reads into
    them exactly (`micros_from_db`), and every writer stores one text form of them (SQLAlchemy's,
    which `core.keys.time_texts` makes), so equal microseconds are an identical value."""
    bits = np.zeros(len(at), dtype=np.int64)
    for i, name in enumerate(DERIVED_COLUMNS):
        bits |= (getattr(now, name)[at] != getattr(stored, name)[at]).astype(np.int64) << i
    return bits.tolist()


def _create(
    session: Session,
    organisation_id: str,
    ships: Shipments,
    ev: Events,
    folded: FoldedColumns,
    times: Sequence[list[Any]],
    fresh: list[int],
    ids: list[str],
    first: np.ndarray,
    as_text: bool,
) -> None:
    """New shipments with their derived columns; the destination is the country of the first
    delivered event reported (`first`: each shipment's, else -1)."""
    if not fresh:
        return
    created = utcnow()
    now, created_s = db_time(created, as_text), second_of(created)
    at = np.array(fresh, dtype=np.int64)
    keys, promises = gather(ships.keys, at), gather(ships.promise, at)
    rows = list(
        zip(
            gather(ids, at),
            repeat(organisation_id),
            [number for _, number in keys],
            [carrier for carrier, _ in keys],
            gather(ships.service, at),
            [None if f < 0 else ev.cols.country[f] for f in first[at].tolist()],
            [db_time(p, as_text) if p else None for p in promises],
            gather(ships.source, at),
            new_public_tokens(len(fresh)),
            repeat(now),
            repeat(now),
            *_derived(folded, times, at),
            [second_of(p) for p in promises],
            repeat(created_s),
        )
    )
    insert_shipments(session, rows)


def _date_later(
    session: Session,
    organisation_id: str,
    ev: Events,
    ids: list[str],
    known: np.ndarray,
    delivered: np.ndarray,
    undated: set[str],
) -> None:
    """The destination of shipments an earlier batch of the file created, from the first
    delivered event this batch brings them (see `store`)."""
    at = [i for i in np.flatnonzero(known & (delivered >= 0)).tolist() if ids[i] in undated]
    undated.difference_update(ids[i] for i in at)
    values = [
        {"b_id": ids[i], "b_org": organisation_id, "b_country": ev.cols.country[delivered[i]]}
        for i in at
    ]
    if values := [v for v in values if v["b_country"] is not None]:
        table = Shipment.__table__
        session.connection().execute(
            update(table)  # type: ignore[arg-type]
            .where(table.c.id == bindparam("b_id"), table.c.organisation_id == bindparam("b_org"))
            .values(dest_country=bindparam("b_country")),
            values,
        )
