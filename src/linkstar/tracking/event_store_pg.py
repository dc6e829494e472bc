"""PostgreSQL statements of bulk tracking ingestion for events of shipments already stored.

`copy_events` locks the events' shipments (no foreign key checks each event, migration 0032)
and copies the events straight into `tracking_events` with binary `COPY`: the batch already left
out every event stored before it (`ingest_batch._drop_stored_repeats`), so only a concurrent
writer can have stored one of them since. `COPY` inserts a page of rows at a time (one heap WAL
record per page) where `INSERT … SELECT … ON CONFLICT DO NOTHING` inserts each row speculatively
(a pre-check of the unique index, then a heap record and a confirmation record per row), and no
staging table is filled and emptied. The copy runs under a savepoint: if the unique
(shipment_id, fingerprint) index refuses a row (a concurrent batch stored the same event and
committed) or the copy deadlocks with such a batch, it is undone and the rows go through the
staging table and `ON CONFLICT DO NOTHING`, which skips the ones stored meanwhile.

Lists of ids or numbers travel as one text parameter split by the server (`text_array`):
psycopg builds a `text[]` parameter in Python, a call per element (measured: 0.13 s of client
CPU for 20,000 ids). `find_known` reads a shipment's four derived times as one binary value,
turned into int64 microseconds a whole column at a time (no datetime object per value).

`write_status_pg` writes derived columns back with one binary `COPY` into a temporary table and
one `UPDATE … FROM`. Both writers send their rows in shipment-id order: the update visits the
shipments in the order the stage is read, and `COPY` adds index entries in the order of its
rows, so a batch that names its shipments in any order still reads the shipments' heap pages
and inserts into the primary key and the (shipment_id, fingerprint) index in order (a shuffled
batch of 20,000 later scans: a third less server CPU, docs/benchmarks.md). Never commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from operator import itemgetter
from typing import Any

import numpy as np

from linkstar.kit.errors import Conflict
from linkstar.tracking.core.fold_columns import NAT

# A concurrent batch stored one of these events (unique_violation), or the copy waited for one
# that waited for this (deadlock_detected): both leave the staging path to sort out.
_RETRY_STAGED = frozenset({"23505", "40P01"})
_SAVEPOINT = "linkstar_events_copy"
PG_EPOCH = 946_684_800_000_000  # 2000-01-01 in microseconds since 1970: binary timestamptz
_SEP = "\n"  # in no tracking number (`core.numbers` strips whitespace) nor id


def text_array(items: Sequence[str]) -> tuple[str, Any]:
    """An SQL expression for these strings as a `text[]` and its parameter: one text the server
    splits, unless a string holds the separator (then the list itself)."""
    joined = _SEP.join(items)
    if joined and joined.count(_SEP) == len(items) - 1:
        return "string_to_array(%s, E'\\n')", joined
    return "%s::text[]", list(items)


# A derived time in its binary form (int8 microseconds since 2000-01-01), NaT when none.
_TIME = "coalesce(timestamptz_send(s.{}), '\\x8000000000000000'::bytea)"
_KNOWN_COLUMNS = (
    "s.tracking_number, s.id, s.status, s.sub_status, "
    + " || ".join(_TIME.format(name) for name in
                  ("status_since", "last_event_at", "first_scan_at", "delivered_at"))
    + ", s.event_count, s.unmapped_count"
)  # fmt: skip


def find_known(raw: Any, organisation_id: str, carrier: str, numbers: Sequence[str]) -> list[Any]:
    """The stored shipments of one carrier among these numbers: (number, id, status,
    sub_status, the four derived times as one binary value, event_count, unmapped_count)."""
    wanted, param = text_array(numbers)
    with raw.cursor(binary=True) as cursor:
        # PostgreSQL filters an IN list linearly after the (organisation, carrier) prefix; a
        # join on the array of numbers is a seek or a hash join instead.
        cursor.execute(
            f"SELECT {_KNOWN_COLUMNS} FROM shipments s "  # noqa: S608
            f"JOIN unnest({wanted}) AS wanted(number) ON s.tracking_number = wanted.number "
            "WHERE s.organisation_id = %s AND s.carrier = %s",
            [param, organisation_id, carrier],
        )
        return cursor.fetchall()


def known_times(packed: Sequence[bytes]) -> list[np.ndarray]:
    """`find_known`'s binary times as four int64 columns of UTC microseconds (NaT for none)."""
    if not packed:
        return [np.zeros(0, dtype=np.int64) for _ in range(4)]
    flat = np.frombuffer(b"".join(packed), dtype=">i8").astype(np.int64).reshape(-1, 4)
    micros = np.where(flat == NAT, NAT, flat + PG_EPOCH)
    return [np.ascontiguousarray(micros[:, k]) for k in range(4)]


def copy_events(raw: Any, rows: list[tuple[Any, ...]], columns: Sequence[str],
                types: Sequence[str]) -> int:  # fmt: skip
    """Insert event rows of stored shipments (`columns` order, shipment id second); returns the
    rows inserted. Raises Conflict when one of their shipments was deleted meanwhile."""
    names = ", ".join(columns)
    rows = sorted(rows, key=itemgetter(1))  # by shipment: the unique index's entries in order
    shipments = list(dict.fromkeys(row[1] for row in rows))
    ids, param = text_array(shipments)
    with raw.cursor() as cursor:
        # Each shipment locked once, so none can be deleted before this commits (its delete
        # trigger then removes these events too); one deleted since it was found fails the batch.
        cursor.execute(
            f"WITH locked AS (SELECT 1 FROM shipments WHERE id = ANY({ids}) FOR KEY SHARE) "  # noqa: S608
            "SELECT count(*) FROM locked",
            [param],
        )
        (locked,) = cursor.fetchone()
        if locked != len(shipments):
            raise Conflict("a shipment of this batch was deleted meanwhile; send it again")
        cursor.execute(f"SAVEPOINT {_SAVEPOINT}")
        try:
            _copy(cursor, "tracking_events", names, rows, types)
        except Exception as exc:
            if getattr(exc, "sqlstate", None) not in _RETRY_STAGED:
                raise
            cursor.execute(f"ROLLBACK TO SAVEPOINT {_SAVEPOINT}")
            cursor.execute(f"RELEASE SAVEPOINT {_SAVEPOINT}")
            return _insert_staged(cursor, names, rows, types)
        cursor.execute(f"RELEASE SAVEPOINT {_SAVEPOINT}")
        return len(rows)


def copy_rows(raw: Any, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]],
              types: Sequence[str]) -> int:  # fmt: skip
    """Copy rows (`columns` order, `types` their binary types) into `table` as they are taken
    from `rows`; returns the rows the server stored (the `COPY` command's count).

    psycopg sends a `COPY`'s data as it is written (the libpq buffer flushed every megabyte), so
    the server stores the rows already sent while the next ones are built: an iterator that
    builds its rows lazily overlaps its CPU with the server's. An exception raised by `rows`
    ends the copy with an error (the server discards what it received) and propagates."""
    with raw.cursor() as cursor:
        return _copy(cursor, table, ", ".join(columns), rows, types)


def _copy(cursor: Any, table: str, names: str, rows: Iterable[tuple[Any, ...]],
          types: Sequence[str]) -> int:  # fmt: skip
    with cursor.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(list(types))
        write = copy.write_row
        for row in rows:
            write(row)
    return int(cursor.rowcount)


def _insert_staged(cursor: Any, names: str, rows: list[tuple[Any, ...]],
                   types: Sequence[str]) -> int:  # fmt: skip
    """The rows through a staging table and one `INSERT … ON CONFLICT DO NOTHING`."""
    # The staging table has the copied columns only: no id default, so no sequence call per
    # staged row (the sequence is drawn once, for the rows actually inserted).
    cursor.execute(
        "CREATE TEMP TABLE IF NOT EXISTS tracking_events_stage "  # noqa: S608
        f"ON COMMIT DELETE ROWS AS SELECT {names} FROM tracking_events WITH NO DATA"
    )
    cursor.execute("TRUNCATE tracking_events_stage")
    _copy(cursor, "tracking_events_stage", names, rows, types)
    cursor.execute(
        f"INSERT INTO tracking_events ({names}) "  # noqa: S608
        f"SELECT {names} FROM tracking_events_stage "
        "ON CONFLICT (shipment_id, fingerprint) DO NOTHING"
    )
    inserted = int(cursor.rowcount)
    cursor.execute("TRUNCATE tracking_events_stage")
    return inserted


def write_status_pg(raw: Any, values: list[tuple[Any, ...]], columns: Sequence[str],
                    types: Sequence[str]) -> None:  # fmt: skip
    """Write `columns` of the shipments: `values` are tuples of them then the shipment's id;
    `types` their PostgreSQL types (a timestamptz sent as its int8 binary form)."""
    staged = ", ".join(f"{name} {kind}" for name, kind in zip(columns, types, strict=True))
    with raw.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS shipment_status_stage ({staged}, id text) "
            "ON COMMIT DELETE ROWS"
        )
        cursor.execute("TRUNCATE shipment_status_stage")
        with cursor.copy("COPY shipment_status_stage FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["int8" if t == "timestamptz" else t for t in (*types, "text")])
            for row in sorted(values, key=itemgetter(len(columns))):
                copy.write_row(row)
        sets = ", ".join(f"{name} = stage.{name}" for name in columns)
        cursor.execute(
            f"UPDATE shipments SET {sets} FROM shipment_status_stage stage "  # noqa: S608
            "WHERE shipments.id = stage.id"
        )
        cursor.execute("TRUNCATE shipment_status_stage")
