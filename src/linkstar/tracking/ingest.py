"""Bulk ingestion of tracking updates: shipments found or created, events stored once, status
re-derived from the events of every touched shipment, placed by event time.

One call handles any number of updates with a fixed number of statements (`event_store`). The
batch is worked as one pass over plain values: event times become the database's text in one
vectorised step (`core.keys.time_texts`), repeats inside the batch are dropped by their 64-bit
identity fingerprint, and for known shipments the fingerprints already stored are read from the
unique index, so a re-sent history is recognised before anything is written. A shipment whose
new events all come after its last stored one continues its stored derived state
(`core.fold.fold_onto`); only a genuine late arrival re-reads the shipment's stored events.
Never commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any

from sqlalchemy.orm import Session

from linkstar.kit.clock import utcnow
from linkstar.kit.ids import ordered_id
from linkstar.kit.memory import cyclic_gc_paused
from linkstar.tracking.core.detect import best_carrier
from linkstar.tracking.core.events import TrackingEvent
from linkstar.tracking.core.fold import Folded, event_row, fold, fold_onto
from linkstar.tracking.core.keys import fingerprints, time_texts
from linkstar.tracking.core.numbers import normalise_tracking_number
from linkstar.tracking.core.updates import TrackingUpdate
from linkstar.tracking.core.vocabulary import Status
from linkstar.tracking.event_reads import load_fold_rows
from linkstar.tracking.event_store import (
    db_time,
    fill_service_and_promise,
    find_shipments,
    insert_events,
    insert_shipments,
    is_sqlite,
    stored_keys,
    write_status,
)
from linkstar.tracking.models import TrackingDeadLetter, new_public_token

# Column widths of tracking_events; longer carrier text is cut rather than failing PostgreSQL.
_LOCATION, _CITY, _STATE, _POSTCODE = 200, 120, 80, 16
_DELIVERED = Status.DELIVERED


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
class _Pending:
    """One shipment of the batch: its key, its row id, and the batch's distinct events for it."""

    carrier: str
    number: str
    updates: list[TrackingUpdate] = field(default_factory=list)
    shipment_id: str = ""
    stored: Folded | None = None  # the derived columns before this batch (known shipments)
    events: dict[int, tuple[Any, TrackingEvent]] = field(default_factory=dict)  # key → event
    continues: bool = True  # every new event is later than the last stored one


def resolve_carrier(update: TrackingUpdate) -> str | None:
    """The update's carrier, else the confident detection from the number, else the events'."""
    if update.carrier and update.carrier.strip():
        return update.carrier.strip().lower()
    found = best_carrier(update.tracking_number)
    if found is not None:
        return found.carrier
    carriers = {e.carrier for e in update.events}
    return carriers.pop() if len(carriers) == 1 else None


def ingest(
    session: Session,
    organisation_id: str,
    updates: Sequence[TrackingUpdate],
    *,
    now: datetime | None = None,
) -> IngestReport:
    """Store a batch of updates for one organisation; see the module docstring."""
    with cyclic_gc_paused():
        return _ingest(session, organisation_id, updates, now)


def _ingest(
    session: Session,
    organisation_id: str,
    updates: Sequence[TrackingUpdate],
    now: datetime | None,
) -> IngestReport:
    report = IngestReport(updates=len(updates))
    pending = _group(updates, report)
    if not pending:
        return report
    as_text = is_sqlite(session)
    report.unmapped = _key_events(list(pending.values()), as_text)
    found = find_shipments(session, organisation_id, list(pending))
    new: list[_Pending] = []
    existing: list[_Pending] = []
    for key, item in pending.items():
        known = found.get(key)
        if known is None:
            item.shipment_id = ordered_id()
            new.append(item)
        else:
            item.shipment_id, item.stored = known
            existing.append(item)
    _drop_stored_repeats(session, existing)
    _create_shipments(session, organisation_id, new, as_text)
    received = db_time(now or utcnow(), as_text)
    report.events_inserted = insert_events(
        session, _event_rows(organisation_id, new, received), fresh=True
    ) + insert_events(session, _event_rows(organisation_id, existing, received))
    report.duplicates = report.events_received - report.events_inserted
    _refresh_existing(session, existing, received)
    fill_service_and_promise(
        session.connection(),
        [
            {"b_id": p.shipment_id, "svc": svc, "promise": promise}
            for p in existing
            for svc, promise in ((_service(p), _promise(p)),)
            if svc or promise
        ],
    )
    report.shipments_created = len(new)
    report.shipments_touched = len(pending)
    return report


def _group(
    updates: Sequence[TrackingUpdate], report: IngestReport
) -> dict[tuple[str, str], _Pending]:
    """Accepted updates by (carrier, number); the rejected ones are reported."""
    pending: dict[tuple[str, str], _Pending] = {}
    for upd in updates:
        number = normalise_tracking_number(upd.tracking_number)
        if not number or len(number) > 64:
            report.rejected.append(
                Rejected(upd.tracking_number, upd.source, "not a tracking number")
            )
            continue
        carrier = resolve_carrier(upd)
        if carrier is None:
            report.rejected.append(
                Rejected(number, upd.source, "carrier not given and not recognisable")
            )
            continue
        item = pending.get((carrier, number))
        if item is None:
            item = pending[(carrier, number)] = _Pending(carrier, number)
        item.updates.append(upd)
        report.events_received += len(upd.events)
    return pending


def _key_events(items: list[_Pending], as_text: bool) -> int:
    """Key every event, keep one per key and shipment; returns the distinct unmapped events."""
    events = [e for item in items for upd in item.updates for e in upd.events]
    texts = time_texts(events)
    keyed_events = iter(zip(fingerprints(events, texts), texts, events, strict=True))
    unmapped = Status.UNMAPPED
    count = 0
    for item in items:
        keyed = item.events
        for upd in item.updates:
            for key, text, event in islice(keyed_events, len(upd.events)):
                if key not in keyed:
                    keyed[key] = (text if as_text else event.event_time, event)
                    count += event.status is unmapped
    return count


def _drop_stored_repeats(session: Session, existing: list[_Pending]) -> None:
    """Drop the events a known shipment has stored already, and see which ones continue.

    Only events not later than the shipment's last stored one can be repeats (a repeat has the
    same time), so only those shipments' keys are read; the others continue as they are.
    """
    check = [item for item in existing if not _continues(item)]
    known = stored_keys(session, [item.shipment_id for item in check]) if check else {}
    for item in check:
        keys = known.get(item.shipment_id)
        if keys:
            item.events = {k: v for k, v in item.events.items() if k not in keys}
        item.continues = _continues(item)


def _continues(item: _Pending) -> bool:
    """Every event of the batch is later than the shipment's last stored one (or none is)."""
    last = item.stored.last_event_at if item.stored is not None else None
    return last is None or all(when > last for when, _ in item.events.values())


def _service(item: _Pending) -> str | None:
    return next((u.carrier_service for u in item.updates if u.carrier_service), None)


def _promise(item: _Pending) -> datetime | None:
    return next((u.promised_by for u in item.updates if u.promised_by), None)


def _create_shipments(
    session: Session, organisation_id: str, new: list[_Pending], as_text: bool
) -> None:
    """New shipments with their status folded from the batch's events."""
    now = db_time(utcnow(), as_text)
    rows = []
    for item in new:
        f = fold([event_row(e, when) for when, e in item.events.values()])
        promise = _promise(item)
        rows.append(
            (
                item.shipment_id,
                organisation_id,
                item.number,
                item.carrier,
                _service(item),
                next(
                    (e.country for _, e in item.events.values() if e.status is _DELIVERED),
                    None,
                ),
                db_time(promise, as_text) if promise else None,
                item.updates[-1].source[:40],
                new_public_token(),
                now,
                now,
                f.status,
                f.sub_status,
                f.status_since,
                f.last_event_at,
                f.first_scan_at,
                f.delivered_at,
                f.event_count,
                f.unmapped_count,
            )
        )
    insert_shipments(session, rows)


def _event_rows(
    organisation_id: str, items: list[_Pending], received: Any
) -> list[tuple[Any, ...]]:
    """The insert rows (EVENT_COLUMNS order) of the items' events, built in one comprehension."""
    return [
        (
            organisation_id,
            shipment_id,
            key,
            when,
            e.carrier,
            e.code_source,
            e.raw_code,
            e.raw_description,
            str(e.status),
            str(e.sub_status) if e.sub_status else None,
            e.rule_id,
            e.location[:_LOCATION] if e.location else None,
            e.city[:_CITY] if e.city else None,
            e.state[:_STATE] if e.state else None,
            e.postcode[:_POSTCODE] if e.postcode else None,
            e.country,
            source,
            received,
        )
        for item in items
        for shipment_id, source in ((item.shipment_id, item.updates[-1].source[:40]),)
        for key, (when, e) in item.events.items()
    ]


def _refresh_existing(session: Session, existing: list[_Pending], stamp: Any) -> None:
    """Re-derive the status of known shipments that got new events (see the module docstring)."""
    changed = [p for p in existing if p.events]
    stored = load_fold_rows(session, [p.shipment_id for p in changed if not p.continues])
    values = []
    for item in changed:
        if item.continues and item.stored is not None:
            f = fold_onto(item.stored, [event_row(e, when) for when, e in item.events.values()])
        else:
            f = fold(stored.get(item.shipment_id, ()))
        values.append(
            (
                f.status,
                f.sub_status,
                f.status_since,
                f.last_event_at,
                f.first_scan_at,
                f.delivered_at,
                f.event_count,
                f.unmapped_count,
                stamp,
                item.shipment_id,
            )
        )
    write_status(session, values)


def dead_letter(
    session: Session,
    organisation_id: str,
    *,
    source: str,
    headers: dict[str, str],
    body: str,
    reason: str,
) -> TrackingDeadLetter:
    """Keep a payload that could not be ingested, whole, for the console to show and retry."""
    kept = {k: v for k, v in headers.items() if k.lower() not in _SECRET_HEADERS}
    row = TrackingDeadLetter(
        organisation_id=organisation_id,
        source=source[:40],
        headers=kept,
        body=body,
        reason=reason,
        received_at=utcnow(),
        state="new",
    )
    session.add(row)
    session.flush()
    return row


# Never stored: credentials a sender may put in headers.
_SECRET_HEADERS = frozenset({"authorization", "cookie", "x-api-key", "proxy-authorization"})
