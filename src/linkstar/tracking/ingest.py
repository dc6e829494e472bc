"""Bulk ingestion of tracking updates: shipments found or created, events stored once, status
re-derived from the stored events of every touched shipment.

One call handles any number of updates with a fixed number of statements: shipments are looked
up in chunks, created with one multi-row insert, events written with SQLite `executemany INSERT OR
IGNORE` or a PostgreSQL `COPY` into a temporary table followed by `INSERT … ON CONFLICT DO
NOTHING`. The unique (shipment_id, dedup_key) index drops repeated reports, whether they repeat
inside the batch or something stored long ago. Never commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from linkstar.db.bulk import insert_tuples
from linkstar.db.repository import chunks
from linkstar.kit.clock import as_utc, utcnow
from linkstar.kit.ids import new_id
from linkstar.tracking.core.detect import best_carrier
from linkstar.tracking.core.events import TrackingEvent
from linkstar.tracking.core.fold import Folded, event_row, fold, fold_onto
from linkstar.tracking.core.keys import dedup_key, time_text
from linkstar.tracking.core.numbers import normalise_tracking_number
from linkstar.tracking.core.updates import TrackingUpdate
from linkstar.tracking.core.vocabulary import Status
from linkstar.tracking.event_reads import load_fold_rows
from linkstar.tracking.models import (
    Shipment,
    TrackingDeadLetter,
    new_public_token,
)

CHUNK = 900  # bound parameters per IN (…) list: below SQLite's oldest limit of 999

EVENT_COLUMNS = (
    "organisation_id",
    "shipment_id",
    "dedup_key",
    "event_time",
    "carrier",
    "code_source",
    "raw_code",
    "raw_description",
    "status",
    "sub_status",
    "rule_id",
    "location",
    "city",
    "state",
    "postcode",
    "country",
    "source",
    "received_at",
)
# Column widths of tracking_events; longer carrier text is cut rather than failing PostgreSQL.
_WIDTH = {"location": 200, "city": 120, "state": 80, "postcode": 16}


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
    """One shipment of the batch: its key, its row id, and the batch's events for it."""

    shipment_id: str
    carrier: str
    number: str
    exists: bool
    events: dict[str, tuple[str, TrackingEvent]] = field(default_factory=dict)  # key → event
    service: str | None = None
    promised_by: datetime | None = None
    source: str = "api"
    stored: Folded | None = None  # the shipment's derived columns before this batch


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
    received_at = now or utcnow()
    report = IngestReport(updates=len(updates))
    pending = _group(session, organisation_id, updates, report)
    if not pending:
        return report
    report.unmapped = sum(
        1 for p in pending.values() for _, e in p.events.values() if e.status is Status.UNMAPPED
    )
    new = [p for p in pending.values() if not p.exists]
    _create_shipments(session, organisation_id, new)
    report.shipments_created = len(new)
    as_text = session.connection().dialect.name == "sqlite"
    received = _sqlite_time(received_at) if as_text else received_at
    rows = [
        _event_row(organisation_id, p, key, when if as_text else event.event_time, event, received)
        for p in pending.values()
        for key, (when, event) in p.events.items()
    ]
    report.events_inserted = insert_events(session, rows)
    report.duplicates = report.events_received - report.events_inserted
    existing = [p for p in pending.values() if p.exists]
    _refresh_existing(session, existing, received_at)
    report.shipments_touched = len(pending)
    return report


def _group(
    session: Session,
    organisation_id: str,
    updates: Sequence[TrackingUpdate],
    report: IngestReport,
) -> dict[tuple[str, str], _Pending]:
    wanted: dict[tuple[str, str], list[TrackingUpdate]] = defaultdict(list)
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
        wanted[(carrier, number)].append(upd)
        report.events_received += len(upd.events)
    found = _existing_ids(session, organisation_id, list(wanted))
    pending: dict[tuple[str, str], _Pending] = {}
    for key, group in wanted.items():
        known = found.get(key)
        if known is None:
            item = _Pending(new_id(), key[0], key[1], False)
        else:
            item = _Pending(known[0], key[0], key[1], True, stored=known[1])
        for upd in group:
            item.source = upd.source
            item.service = item.service or upd.carrier_service
            item.promised_by = item.promised_by or upd.promised_by
            for event in upd.events:
                when = time_text(event)
                item.events.setdefault(dedup_key(event, when), (when, event))
        pending[key] = item
    return pending


def _existing_ids(
    session: Session, organisation_id: str, keys: list[tuple[str, str]]
) -> dict[tuple[str, str], tuple[str, Folded]]:
    """Known shipments of these keys: id and derived columns."""
    found: dict[tuple[str, str], tuple[str, Folded]] = {}
    wanted = set(keys)
    numbers = sorted({number for _, number in keys})
    s = Shipment
    for part in chunks(numbers, CHUNK):
        stmt = select(
            s.id, s.carrier, s.tracking_number, s.status, s.sub_status, s.status_since,
            s.last_event_at, s.first_scan_at, s.delivered_at, s.event_count, s.unmapped_count,
        ).where(s.organisation_id == organisation_id, s.tracking_number.in_(part))  # fmt: skip
        for row in session.execute(stmt):
            key = (row[1], row[2])
            if key in wanted:
                found[key] = (row[0], Folded(*row[3:]))
    return found


SHIPMENT_COLUMNS = (
    "id",
    "organisation_id",
    "tracking_number",
    "carrier",
    "carrier_service",
    "dest_country",
    "promised_by",
    "source",
    "public_token",
    "created_at",
    "updated_at",
    "status",
    "sub_status",
    "status_since",
    "last_event_at",
    "first_scan_at",
    "delivered_at",
    "event_count",
    "unmapped_count",
)


def _create_shipments(session: Session, organisation_id: str, new: list[_Pending]) -> None:
    """One driver `executemany` of plain tuples: no SQLAlchemy parameter processing per row."""
    if not new:
        return
    connection = session.connection()
    as_text = connection.dialect.name == "sqlite"
    stamp: Any = _sqlite_time if as_text else _identity
    now = stamp(utcnow())
    rows = []
    for item in new:
        f = fold([event_row(e) for _, e in item.events.values()])
        rows.append(
            (
                item.shipment_id,
                organisation_id,
                item.number,
                item.carrier,
                item.service,
                _destination(e for _, e in item.events.values()),
                stamp(item.promised_by) if item.promised_by else None,
                item.source[:40],
                new_public_token(),
                now,
                now,
                f.status,
                f.sub_status,
                stamp(f.status_since) if f.status_since else None,
                stamp(f.last_event_at) if f.last_event_at else None,
                stamp(f.first_scan_at) if f.first_scan_at else None,
                stamp(f.delivered_at) if f.delivered_at else None,
                f.event_count,
                f.unmapped_count,
            )
        )
    insert_tuples(session.connection(), "shipments", SHIPMENT_COLUMNS, rows)


def _identity(value: Any) -> Any:
    return value


def _destination(events: Iterable[TrackingEvent]) -> str | None:
    """The country of the delivery scan, when the events include one."""
    for event in events:
        if event.status is Status.DELIVERED and event.country:
            return event.country
    return None


def _event_row(
    organisation_id: str,
    item: _Pending,
    key: str,
    when: Any,
    e: TrackingEvent,
    received: Any,
) -> tuple[Any, ...]:
    return (
        organisation_id,
        item.shipment_id,
        key,
        when,
        e.carrier,
        e.code_source,
        e.raw_code,
        e.raw_description,
        e.status.value,
        e.sub_status.value if e.sub_status else None,
        e.rule_id,
        e.location[: _WIDTH["location"]] if e.location else None,
        e.city[: _WIDTH["city"]] if e.city else None,
        e.state[: _WIDTH["state"]] if e.state else None,
        e.postcode[: _WIDTH["postcode"]] if e.postcode else None,
        e.country,
        item.source[:40],
        received,
    )


def _sqlite_time(value: datetime) -> str:
    # The text form SQLAlchemy's SQLite DateTime writes and reads back (UTC, microseconds).
    return as_utc(value).isoformat(" ", "microseconds")[:26]


def insert_events(session: Session, rows: list[tuple[Any, ...]]) -> int:
    """Insert event rows (in EVENT_COLUMNS order), ignoring duplicates; returns rows inserted.

    On SQLite the two times are already in SQLAlchemy's text form (`core.keys.time_text`).
    """
    if not rows:
        return 0
    connection = session.connection()
    raw = connection.connection.driver_connection
    columns = ", ".join(EVENT_COLUMNS)
    if connection.dialect.name == "postgresql":
        return _copy_events(raw, rows, columns)
    # A larger page cache for this connection: the unique (shipment, key) index takes random
    # keys, and the default 2 MB cache re-reads its pages from the OS cache on big batches.
    raw.execute("PRAGMA cache_size=-65536")  # type: ignore[union-attr]
    placeholders = ", ".join("?" for _ in EVENT_COLUMNS)
    sql = f"INSERT OR IGNORE INTO tracking_events ({columns}) VALUES ({placeholders})"  # noqa: S608
    cursor = raw.cursor()  # type: ignore[union-attr]
    try:
        before = raw.total_changes  # type: ignore[union-attr]
        cursor.executemany(sql, rows)
        return int(raw.total_changes - before)  # type: ignore[union-attr]
    finally:
        cursor.close()


def _copy_events(raw: Any, rows: list[tuple[Any, ...]], columns: str) -> int:
    with raw.cursor() as cursor:
        # The staging table has the copied columns only: no id default, so no sequence call
        # per staged row (the sequence is drawn once, for the rows actually inserted).
        stage = (
            "CREATE TEMP TABLE IF NOT EXISTS tracking_events_stage "  # noqa: S608
            f"ON COMMIT DELETE ROWS AS SELECT {columns} FROM tracking_events WITH NO DATA"
        )
        cursor.execute(stage)
        cursor.execute("TRUNCATE tracking_events_stage")
        with cursor.copy(f"COPY tracking_events_stage ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        # DISTINCT ON keeps one copy when the batch itself repeats a (shipment, key) pair.
        cursor.execute(
            f"INSERT INTO tracking_events ({columns}) "  # noqa: S608
            f"SELECT DISTINCT ON (shipment_id, dedup_key) {columns} FROM tracking_events_stage "
            "ON CONFLICT (shipment_id, dedup_key) DO NOTHING"
        )
        inserted = int(cursor.rowcount)
        cursor.execute("TRUNCATE tracking_events_stage")
        return inserted


def _refresh_existing(session: Session, existing: list[_Pending], now: datetime) -> None:
    """Re-derive the status of shipments that already had events, from everything stored."""
    if not existing:
        return
    # Events all later than the last stored one continue the stored state; any other batch
    # (late arrivals, repeats) re-reads the shipment's stored events.
    onto: dict[str, Folded] = {}
    reread: list[str] = []
    for item in existing:
        last = item.stored.last_event_at if item.stored else None
        if item.stored is not None and (
            last is None
            or min((e.event_time for _, e in item.events.values()), default=last) > last
        ):
            rows = [event_row(e) for _, e in item.events.values()]
            onto[item.shipment_id] = fold_onto(item.stored, rows)
        elif item.stored is not None and not item.events:
            onto[item.shipment_id] = item.stored  # an update without events changes nothing
        else:
            reread.append(item.shipment_id)
    stored = load_fold_rows(session, reread)
    connection = session.connection()
    as_text = connection.dialect.name == "sqlite"
    stamp = now.isoformat(" ", "microseconds")[:26] if as_text else now
    values = []
    for item in existing:
        f = onto.get(item.shipment_id) or fold(stored.get(item.shipment_id, ()))
        values.append(
            (
                f.status,
                f.sub_status,
                _db_time(f.status_since, as_text),
                _db_time(f.last_event_at, as_text),
                _db_time(f.first_scan_at, as_text),
                _db_time(f.delivered_at, as_text),
                f.event_count,
                f.unmapped_count,
                stamp,
                item.shipment_id,
            )
        )
    # Plain tuples through the driver: one UPDATE per shipment without SQLAlchemy's
    # per-row parameter processing (the dominant cost of small follow-up batches).
    mark = "?" if as_text else "%s"
    names = ("status", "sub_status", "status_since", "last_event_at", "first_scan_at",
             "delivered_at", "event_count", "unmapped_count", "updated_at")  # fmt: skip
    sql = (
        f"UPDATE shipments SET {', '.join(f'{n} = {mark}' for n in names)} "  # noqa: S608
        f"WHERE id = {mark}"
    )
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(sql, values)
    finally:
        cursor.close()
    table = Shipment.__table__
    extras = [
        {"b_id": p.shipment_id, "svc": p.service, "promise": p.promised_by}
        for p in existing
        if p.service or p.promised_by
    ]
    if extras:
        fill = (
            update(table)  # type: ignore[arg-type]
            .where(table.c.id == bindparam("b_id"))
            .values(
                carrier_service=func.coalesce(table.c.carrier_service, bindparam("svc")),
                promised_by=func.coalesce(table.c.promised_by, bindparam("promise")),
            )
        )
        session.connection().execute(fill, extras)


def _as_time(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return as_utc(value) if value is not None else None
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def _db_time(value: Any, as_text: bool) -> Any:
    """A derived time as the driver wants it: SQLAlchemy's text form on SQLite, else aware."""
    if value is None:
        return None
    if as_text:
        return value if isinstance(value, str) else _sqlite_time(value)
    return _as_time(value)


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
