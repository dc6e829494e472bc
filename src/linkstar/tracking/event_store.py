"""The statements of bulk tracking ingestion, through the driver with plain tuples.

Ingestion computes with int64 UTC microseconds (`core.columns`); times are written in the
database's own form, converted a whole column at a time (`db_times`): SQLAlchemy's fixed-width
UTC text on SQLite, and on PostgreSQL the integer microseconds since 2000-01-01 that binary
`COPY` sends for a `timestamptz` (so no datetime object is built per value).
Events go in with SQLite `executemany INSERT OR IGNORE`, where the unique (shipment_id,
fingerprint) index drops whatever repeats a stored event, or a PostgreSQL `COPY` straight into
the table: events of shipments created in the same transaction cannot repeat a stored one, and
the others' were checked against the stored ones, so only a concurrent writer can have stored
one since (`event_store_pg.copy_events` then falls back to `ON CONFLICT DO NOTHING`).
Derived status is written back with one `executemany` per set of changed columns on SQLite
(`write_status`) and one `COPY` + `UPDATE … FROM` on PostgreSQL (`event_store_pg`). Every time
written comes with its epoch column (`core.epochs`). The reads before the writes are
`shipment_lookup`'s. Never commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from itertools import chain
from operator import itemgetter
from typing import Any

import numpy as np
from sqlalchemy import Connection, and_, bindparam, case, func, update
from sqlalchemy.orm import Session

from linkstar.db.bulk import insert_tuples
from linkstar.kit.clock import as_utc
from linkstar.tracking.core.columns import EPOCH, micros_of
from linkstar.tracking.core.epochs import EPOCHS, second_of
from linkstar.tracking.core.fold_columns import NAT
from linkstar.tracking.core.keys import time_texts
from linkstar.tracking.event_store_pg import PG_EPOCH, copy_events, copy_rows, write_status_pg
from linkstar.tracking.event_store_sqlite import insert, update_by_rowid
from linkstar.tracking.models import Shipment

_US = timedelta(microseconds=1)
CHUNK = 900  # bound parameters per IN (…) list: below SQLite's oldest limit of 999
ARRAY_CHUNK = 10_000  # ids per PostgreSQL array parameter

EVENT_COLUMNS = (
    "organisation_id",
    "shipment_id",
    "fingerprint",
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
# The columns a shipment's events decide (`core.fold.Folded`, in its order).
DERIVED_COLUMNS = (
    "status",
    "sub_status",
    "status_since",
    "last_event_at",
    "first_scan_at",
    "delivered_at",
    "event_count",
    "unmapped_count",
)
# The derived times' epoch columns (`core.epochs`), written with them, in their order.
DERIVED_EPOCHS = tuple(EPOCHS[name] for name in DERIVED_COLUMNS if name in EPOCHS)
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
    *DERIVED_COLUMNS,
    *DERIVED_EPOCHS,
    EPOCHS["promised_by"],
    EPOCHS["created_at"],
)
# What is written back after new events, then the row's key (`write_status`).
STATUS_COLUMNS = (*DERIVED_COLUMNS, *DERIVED_EPOCHS, "updated_at")
# PostgreSQL types of the rows COPY sends in binary form (a sixth of the client CPU of text
# COPY, measured: 0.5 against 3.3 µs per event row). A timestamptz travels as its binary form,
# an int8 of microseconds since 2000-01-01 (`db_times`).
_EVENT_TYPES = [
    {"event_time": "int8", "received_at": "int8", "fingerprint": "int8"}.get(name, "text")
    for name in EVENT_COLUMNS
]
_DERIVED_TYPES = ("text", "text", *["timestamptz"] * 4, "integer", "integer", *["int8"] * 4)
_SHIPMENT_TYPES = [
    "int8" if kind == "timestamptz" else kind
    for kind in (*["text"] * 6, "timestamptz", "text", "text", "timestamptz", "timestamptz",
                 *_DERIVED_TYPES, "int8", "int8")
]  # fmt: skip
_STATUS_TYPES = (*_DERIVED_TYPES, "timestamptz")


def is_sqlite(session: Session) -> bool:
    """True when times travel as SQLAlchemy's SQLite text."""
    return session.connection().dialect.name == "sqlite"


def db_times(micros: np.ndarray, as_text: bool) -> list[Any]:
    """int64 UTC microseconds (NaT for none) in the database's form; see the module docstring."""
    present = np.flatnonzero(micros != NAT)
    if len(present) == len(micros):
        return time_texts(micros) if as_text else (micros - PG_EPOCH).tolist()
    out: list[Any] = [None] * len(micros)
    values = micros[present]
    for index, value in zip(
        present.tolist(),
        time_texts(values) if as_text else (values - PG_EPOCH).tolist(),
        strict=True,
    ):
        out[index] = value
    return out


def db_time(value: datetime, as_text: bool) -> Any:
    """One time in the database's form; naive counts as UTC."""
    return db_times(micros_of([as_utc(value)]), as_text)[0]


def micros_from_db(values: Sequence[Any], as_text: bool) -> np.ndarray:
    """Times read from the database (SQLite text, PostgreSQL datetimes; None) as int64
    microseconds, NaT for None; int64 microseconds already (`find_shipments`) as they are."""
    if isinstance(values, np.ndarray):
        return values
    if as_text:
        return np.array(values, dtype="datetime64[us]").astype(np.int64)
    return np.fromiter(
        [NAT if v is None else (v - EPOCH) // _US for v in values],
        dtype=np.int64,
        count=len(values),
    )


def raw_connection(session: Session) -> Any:
    """The driver's own connection under the session's."""
    return session.connection().connection.driver_connection


def _mark(session: Session) -> str:
    return "?" if is_sqlite(session) else "%s"


def insert_shipments(session: Session, rows: list[tuple[Any, ...]]) -> None:
    """New shipments (SHIPMENT_COLUMNS order, times in the database's form)."""
    if not rows:
        return
    if is_sqlite(session):
        insert(raw_connection(session), "shipments", SHIPMENT_COLUMNS, rows)
        return
    connection = session.connection()
    insert_tuples(connection, "shipments", SHIPMENT_COLUMNS, rows, copy_types=_SHIPMENT_TYPES)


def insert_events(
    session: Session,
    rows: Iterable[tuple[Any, ...]],
    *,
    fresh: bool = False,
    shared: dict[int, Any] | None = None,
) -> int:
    """Insert event rows (EVENT_COLUMNS order), ignoring stored duplicates; returns rows inserted.

    `shared` (SQLite): the positions every row has the same value at, left out of the rows,
    with that value (`ingest_events.Events.shared`); written once as literals.

    The rows must not repeat a (shipment_id, fingerprint) pair among themselves. `fresh` rows
    belong to shipments this transaction created, so nothing stored can repeat them: on
    PostgreSQL they are copied straight into the table as they are taken from `rows` (no
    staging, no conflict check; `event_store_pg.copy_rows`), and no other transaction can
    delete their shipments. The others' shipments must have been read in this transaction:
    SQLite's writers are serialised (`BEGIN IMMEDIATE`); PostgreSQL locks them here
    (`event_store_pg.copy_events`). No foreign key checks each event (migration 0032).
    """
    rows = iter(rows)
    if (first := next(rows, None)) is None:
        return 0
    rows = chain((first,), rows)
    raw = raw_connection(session)
    if is_sqlite(session):
        return insert(raw, "tracking_events", EVENT_COLUMNS, list(rows), ignore=True, shared=shared)
    if fresh:
        return copy_rows(raw, "tracking_events", EVENT_COLUMNS, rows, _EVENT_TYPES)
    return copy_events(raw, list(rows), EVENT_COLUMNS, _EVENT_TYPES)


def write_status(
    session: Session, values: list[tuple[Any, ...]], changed: Sequence[int] | None = None
) -> None:
    """Write derived columns back: tuples of STATUS_COLUMNS values then the shipment's row
    key (`shipment_lookup.Known.rows`: its rowid on SQLite, its id on PostgreSQL; the rowid is
    stable within the transaction that read it, which holds SQLite's write lock).

    `changed` (SQLite): each row's derived columns that differ from the stored ones, as bits
    (`1 << i` for `DERIVED_COLUMNS[i]`); only those, their epochs and `updated_at` are written,
    in one `executemany` per distinct set. SQLite's UPDATE maintains every index holding a
    column it names, whatever the value, so an unchanged status leaves `ix_shipments_org_status`
    alone. PostgreSQL writes every column: it compares the values itself (HOT updates).
    """
    if not values:
        return
    raw = raw_connection(session)
    if is_sqlite(session):
        groups: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
        if changed is None:
            groups[(1 << len(DERIVED_COLUMNS)) - 1] = values
        else:
            for bits, row in zip(changed, values, strict=True):
                groups[bits].append(row)
        for bits, rows in groups.items():
            at = _written(bits)
            pick = itemgetter(*at)
            update_by_rowid(
                raw, "shipments", [STATUS_COLUMNS[i] for i in at[:-1]], [*map(pick, rows)]
            )
        return
    write_status_pg(raw, values, STATUS_COLUMNS, _STATUS_TYPES)


def _written(bits: int) -> tuple[int, ...]:
    """Positions in a `write_status` row of the columns written for these changed bits: the
    derived columns, their epochs, `updated_at`, then the id."""
    derived = [i for i in range(len(DERIVED_COLUMNS)) if bits >> i & 1]
    epochs = [
        len(DERIVED_COLUMNS) + DERIVED_EPOCHS.index(EPOCHS[DERIVED_COLUMNS[i]])
        for i in derived
        if DERIVED_COLUMNS[i] in EPOCHS
    ]
    return (*derived, *epochs, len(STATUS_COLUMNS) - 1, len(STATUS_COLUMNS))


def fill_service_and_promise(connection: Connection, extras: list[dict[str, Any]]) -> None:
    """Set carrier service and promised date where a shipment has none yet."""
    if not extras:
        return
    table = Shipment.__table__
    fill = (
        update(table)  # type: ignore[arg-type]
        .where(table.c.id == bindparam("b_id"))
        .values(
            carrier_service=func.coalesce(table.c.carrier_service, bindparam("svc")),
            promised_by=func.coalesce(table.c.promised_by, bindparam("promise")),
            promised_s=func.coalesce(table.c.promised_s, bindparam("promise_s")),
            # a service filled in is a new lane: assigned again by the next statistics refresh
            lane_id=case(
                (and_(table.c.carrier_service.is_(None), bindparam("svc").is_not(None)), None),
                else_=table.c.lane_id,
            ),
        )
    )
    connection.execute(fill, [{**e, "promise_s": second_of(e["promise"])} for e in extras])
