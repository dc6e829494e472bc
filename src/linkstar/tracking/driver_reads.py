"""Reads of millions of rows for the sweep and the statistics: SQL written once for both
databases, rows fetched through the driver as plain tuples (SQLAlchemy's per-row result
processing would cost more than the query), times turned into epoch numbers by the database.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy.orm import Session

from linkstar.kit.clock import as_utc

UNIXEPOCH = sqlite3.sqlite_version_info >= (3, 38, 0)


def dialect(session: Session) -> str:
    """The database's dialect name: "sqlite" or "postgresql"."""
    return session.connection().dialect.name


def epoch(column: str, dialect_name: str, *, integer: bool = True, missing: str = "") -> str:
    """SQL for a time column as epoch seconds (whole seconds when `integer`), or `missing`."""
    if dialect_name == "postgresql":
        kind = "BIGINT" if integer else "DOUBLE PRECISION"
        expr = f"CAST(EXTRACT(EPOCH FROM {column}) AS {kind})"
    else:
        # unixepoch() (SQLite 3.38+) is strftime('%s') as an integer, at half the cost.
        seconds = f"unixepoch({column})" if UNIXEPOCH else f"strftime('%s', {column})"
        expr = f"CAST({seconds} AS {'INTEGER' if integer else 'REAL'})"
    return f"COALESCE({expr}, {missing})" if missing else expr


def seconds(value: datetime) -> int:
    """A time as whole epoch seconds, the fraction dropped: what the shipments' generated
    epoch columns hold (migration 0025)."""
    return math.floor(as_utc(value).timestamp())


def shipments_table(dialect_name: str, index: str = "ix_shipments_sweep", alias: str = "s") -> str:
    """The shipments table for a read of a covering index: `ix_shipments_sweep` (unfinished
    shipments) or `ix_shipments_finished` (migration 0031; the statement's WHERE must imply the
    index's). SQLite does not count a virtual generated column (migration 0025) as covered by
    an index that holds it, so it would pick the narrower organisation index and compute every
    epoch from the row; it is told which index to read (whose stored values it then uses)."""
    hint = f" INDEXED BY {index}" if dialect_name == "sqlite" else ""
    return f"shipments {alias}{hint}"


def param(session: Session, value: datetime) -> Any:
    """A time parameter as the driver compares it with stored times (text on SQLite)."""
    if dialect(session) == "postgresql":
        return value
    return value.isoformat(" ", "microseconds")[:26]


MMAP_BYTES = 1 << 31  # SQLite reads of this size map the file instead of copying its pages


@contextmanager
def mapped(session: Session) -> Iterator[None]:
    """On SQLite, read the file through memory-mapped I/O for the duration (the connection's
    setting is restored after). The sweep and the statistics touch hundreds of megabytes, and a
    page read through the 64 MB cache costs a system call and a copy each: half the CPU of the
    sweep's join from exceptions to shipments at 1,000,000, measured."""
    if dialect(session) != "sqlite":
        yield
        return
    raw: Any = session.connection().connection.driver_connection
    before = int(raw.execute("PRAGMA mmap_size").fetchone()[0])
    raw.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
    try:
        yield
    finally:
        raw.execute(f"PRAGMA mmap_size = {before}")


@contextmanager
def planned(session: Session, **settings: str) -> Iterator[None]:
    """On PostgreSQL, the planner `settings` (e.g. jit="off") for the duration, inside the
    caller's transaction (`set_config(..., true)`), their earlier values restored after."""
    if dialect(session) != "postgresql" or not settings:
        yield
        return
    raw: Any = session.connection().connection.driver_connection

    def put(values: dict[str, str]) -> None:
        for name, value in values.items():
            raw.execute("SELECT set_config(%s, %s, true)", (name, value))

    before = {n: str(raw.execute("SELECT current_setting(%s)", (n,)).fetchone()[0])
              for n in settings}  # fmt: skip
    put(settings)
    yield  # after an error the transaction rolls back, and its local settings with it
    put(before)


def fetch(
    session: Session, sql: str, params: tuple[Any, ...] | dict[str, Any]
) -> list[tuple[Any, ...]]:
    """Every row of `sql` (qmark parameters, or the driver's named ones with a dict) as plain
    tuples from the driver's cursor."""
    connection = session.connection()
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        if connection.dialect.name == "postgresql":
            sql = sql.replace("?", "%s")
        cursor.execute(sql, params)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def columns(rows: list[tuple[Any, ...]], width: int) -> list[list[Any]]:
    """Rows as `width` columns, one pass in C per column (`zip(*rows)` over a million rows took
    twenty times as long, measured: 1.16 against 0.055 s)."""
    return [list(map(itemgetter(i), rows)) for i in range(width)]


def lane_key(dialect_name: str, alias: str = "s") -> str:
    """SQL for a shipment's lane key (carrier, service, origin, country, postcode prefix) as one
    text joined by the unit separator; NULL when the destination country is unknown."""
    sep = "chr(31)" if dialect_name == "postgresql" else "char(31)"
    parts = (
        f"{alias}.carrier",
        f"COALESCE({alias}.carrier_service, '')",
        f"COALESCE({alias}.warehouse_id, '')",
        f"{alias}.dest_country",
        f"SUBSTR(COALESCE({alias}.dest_postcode, ''), 1, 3)",
    )
    return f" || {sep} || ".join(parts)


def stat_lane_key(dialect_name: str) -> str:
    """The same key built from a lane_transit_stats row."""
    sep = "chr(31)" if dialect_name == "postgresql" else "char(31)"
    parts = ("carrier", "carrier_service", "origin", "dest_country", "postcode_prefix")
    return f" || {sep} || ".join(parts)
