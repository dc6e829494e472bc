"""Multi-row inserts without SQLAlchemy's per-row parameter processing.

`insert_rows` takes dicts and applies each column's own bind processor; `insert_tuples` takes
rows already in the driver's form (the tracking hot path builds them so).

A Core `executemany` spends most of its time building and processing each row's parameters
(measured: more than the database itself on SQLite). Here the statement is compiled once per
(table, column set, dialect) and each column's own bind processor (the same one SQLAlchemy would
apply: JSON serialisation, UTC datetimes, decimals) is applied in one tight loop; the driver then
gets plain tuples or dicts through one `executemany`. What is stored is identical to a Core insert.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Connection, Table, insert
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect

from linkstar.db.engine import json_text

_Processor = Callable[[Any], Any] | None


@lru_cache(maxsize=64)
def _plan(
    table: Table, keys: tuple[str, ...], dialect: Dialect
) -> tuple[str, tuple[str, ...], tuple[_Processor, ...], bool] | None:
    """The SQL, parameter order, processors and style for inserting `keys`; None to fall back."""
    for column in table.columns:
        if column.key not in keys and (column.default is not None or column.onupdate is not None):
            return None  # a Python-side default to fill: let SQLAlchemy do it
    compiled = insert(table).compile(dialect=dialect, column_keys=list(keys))
    order = tuple(compiled.positiontup or ()) if compiled.positional else tuple(compiled.binds)
    if set(order) != set(keys):
        return None
    processors = tuple(_processor(table.columns[key].type, dialect) for key in order)
    return compiled.string, order, processors, compiled.positional


_SAMPLES: dict[type, tuple[Any, ...]] = {
    datetime: (
        datetime(2026, 12, 5, 23, 59, 1, 250, tzinfo=UTC),
        datetime(1999, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=-5))),
        None,
    ),
}


def _processor(column_type: Any, dialect: Dialect) -> _Processor:
    """The column's bind processor, or a faster one that gives the same values: a type's own
    `bulk_processor` (checked against the bind processor on sample values), and for JSON the
    empty list and None (most JSON columns of a bulk import) served from constants."""
    process: _Processor = column_type.dialect_impl(dialect).bind_processor(dialect)
    if process is None:
        return None
    fast = getattr(column_type, "bulk_processor", None)
    if fast is not None and (quick := fast(dialect)) is not None:
        kind = getattr(column_type, "impl_instance", column_type).python_type  # decorated type
        samples = _SAMPLES.get(kind, ())
        if samples and all(quick(v) == process(v) for v in samples):
            return quick
    if isinstance(column_type, JSON):
        return _json(process)
    return process


_JSON_SAMPLE = {"rows": [{"a": "é\u2028", "b": [1, 2.5, None, True]}], "c": "x"}


def _json(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A JSON column's processor: `Encoded` values as their text where the column's own
    processing gives `json_text`'s text (checked on a sample), and None and the empty list
    served from constants where they are plain text (immutable, so safe to share)."""
    null, empty = process(None), process([])
    shared = isinstance(null, str) and isinstance(empty, str)
    direct = shared and process(_JSON_SAMPLE) == json_text(_JSON_SAMPLE)

    def quick(value: Any) -> Any:
        kind = value.__class__
        if kind is Encoded:
            return value.text if direct else process(value.value)
        if shared:
            if value is None:
                return null
            if kind is list and not value:
                return empty
        return process(value)

    return quick


@dataclass(frozen=True, slots=True)
class Encoded:
    """A JSON column's value and its `json_text` (the engine's serializer), encoded elsewhere
    (orders.lookahead's worker process): stored as that text where the column's processing
    gives the same text (SQLite), else processed from the value (PostgreSQL)."""

    text: str
    value: Any


def _plain(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows for SQLAlchemy itself: `Encoded` values back to their values."""
    return [{k: v.value if v.__class__ is Encoded else v for k, v in row.items()} for row in rows]


def dialect_insert(table: Table, dialect: str) -> Any:
    """An INSERT into `table` in the dialect's own form ("postgresql" or SQLite's), the one
    that has `ON CONFLICT` (`on_conflict_do_nothing`, `on_conflict_do_update`)."""
    build = postgresql_insert if dialect == "postgresql" else sqlite_insert
    return build(table)


def insert_rows(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert `rows` (dicts with the same keys) into `table` with one driver executemany."""
    if not rows:
        return
    keys = tuple(rows[0])
    plan = _plan(table, keys, connection.dialect)
    if plan is None or any(len(row) != len(keys) for row in rows):
        connection.execute(insert(table), _plain(rows))
        return
    sql, order, processors, positional = plan
    getter = itemgetter(*order) if len(order) > 1 else lambda row: (row[order[0]],)
    try:
        # Column-wise: C-level getters and zips, one map() per column that needs processing.
        columns = list(zip(*map(getter, rows), strict=True))
    except KeyError:  # rows with different keys: SQLAlchemy reports it properly
        connection.execute(insert(table), _plain(rows))
        return
    processed = [
        col if p is None else list(map(p, col)) for col, p in zip(columns, processors, strict=True)
    ]
    params: list[Any] = list(zip(*processed, strict=True))
    if not positional:
        params = [dict(zip(order, values, strict=True)) for values in params]
    connection.exec_driver_sql(sql, params)


def insert_tuples(
    connection: Connection,
    table: str,
    columns: Sequence[str],
    rows: list[tuple[Any, ...]],
    *,
    copy_types: Sequence[str] = (),
) -> None:
    """INSERT rows already in the driver's form (plain tuples, times as the driver stores them)
    through one cursor executemany: qmark on SQLite, format on psycopg.

    On PostgreSQL, given `copy_types` (each column's PostgreSQL type), the rows go through one
    binary COPY instead: a sixth of the client CPU of text COPY or executemany, measured.
    """
    raw = connection.connection.driver_connection
    names = ", ".join(columns)
    postgres = connection.dialect.name == "postgresql"
    if postgres and copy_types:
        with raw.cursor() as cursor:  # type: ignore[union-attr]
            sql = f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)"
            with cursor.copy(sql) as copy:
                copy.set_types(list(copy_types))
                for row in rows:
                    copy.write_row(row)
        return
    mark = "%s" if postgres else "?"
    sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join([mark] * len(columns))})"  # noqa: S608
    cursor = raw.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(sql, rows)
    finally:
        cursor.close()
