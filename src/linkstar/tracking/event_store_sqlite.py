"""SQLite statements of bulk tracking ingestion: what every row of a batch shares is written
once into the statement, as an SQLite literal, instead of being bound for every row.

pysqlite's `executemany` binds each parameter of each row (a type check, a conversion, a
`sqlite3_bind_*` call): measured 0.15 µs a value, as much as SQLite's own insert of a short
row. A batch of events repeats its organisation, its receipt time and its source in every row,
and usually its carrier, code source and country too; new shipments repeat their organisation,
creation times and many empty columns. `split_shared` finds the columns whose value is the
same in every row (checked in full, after a cheap look at three rows rejects the others), and
`statement_values` turns them into literals made by SQLite's own `quote()`, so what is stored
is what binding would have stored. Never commits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import partial
from operator import countOf, itemgetter
from typing import Any

# Values written as literals: text and integers (not bool: bound as an int, but equal to one),
# and NULL. Anything else (floats, bytes) is bound as before.
_LITERAL_TYPES = (str, int, type(None))


def split_shared(
    rows: Sequence[tuple[Any, ...]], width: int
) -> tuple[dict[int, Any], Sequence[tuple[Any, ...]]]:
    """The positions (< width) whose value is equal, of one type, in every row, with it; and
    the rows without them (positions >= width are always kept).

    Three rows name the candidates; each candidate is then counted in every row, in C
    (`countOf` over the picked values: no list, no tuple per row)."""
    if len(rows) < 2:
        return {}, rows
    first, middle, last = rows[0], rows[len(rows) // 2], rows[-1]
    shared = {
        i: first[i]
        for i in range(width)
        if _same(first[i], middle[i], last[i], partial(map, itemgetter(i), rows), len(rows))
    }
    if not shared:
        return shared, rows
    keep = [i for i in range(len(first)) if i not in shared]
    if len(keep) == 1:
        return shared, [(row[keep[0]],) for row in rows]
    return shared, list(map(itemgetter(*keep), rows))


def uniform(values: Sequence[Any]) -> bool:
    """Whether a literal can stand for every one of the values (`split_shared`'s test, for a
    column already at hand): all equal to the first, of its type, which is text or an integer
    or NULL."""
    if not values:
        return False
    first = values[0]
    return _same(first, values[len(values) // 2], values[-1], lambda: values, len(values))


def _same(first: Any, middle: Any, last: Any, values: Callable[[], Iterable[Any]], n: int) -> bool:
    """Whether a literal can stand for all `n` values (given anew by each call): the middle
    and last values reject most columns before a whole pass over them."""
    return literal(first) and middle == first and last == first and _all_equal(values, first, n)


def literal(value: Any) -> bool:
    """Whether a value can be written as an SQLite literal made by `quote()`."""
    return (
        isinstance(value, _LITERAL_TYPES)
        and not isinstance(value, bool)
        and not (isinstance(value, str) and "\x00" in value)  # quote() stops at NUL
    )


def _all_equal(values: Callable[[], Iterable[Any]], value: Any, n: int) -> bool:
    """Whether all `n` values (given anew by each call) are `value`, of its type (counted in C,
    no list made)."""
    if countOf(values(), value) != n:
        return False
    # equal is enough for text and NULL, not for integers (1 == 1.0 == True)
    return not isinstance(value, int) or countOf(map(type, values()), int) == n


def statement_values(raw: Any, width: int, shared: dict[int, Any]) -> list[str]:
    """The `width` values of a statement: `?`, or the shared value as SQLite quotes it."""
    if not shared:
        return ["?"] * width
    at = sorted(shared)
    quoted = raw.execute(
        "SELECT " + ", ".join("quote(?)" for _ in at), [shared[i] for i in at]
    ).fetchone()
    literal = dict(zip(at, quoted, strict=True))
    return [literal.get(i, "?") for i in range(width)]


def insert(raw: Any, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]],
           *, ignore: bool = False, shared: dict[int, Any] | None = None) -> int:  # fmt: skip
    """Insert the rows (`columns` order), shared values as literals; returns rows inserted.
    `ignore`: rows a unique index refuses are skipped (`INSERT OR IGNORE`). `shared`: when
    the caller found the shared values by column (`uniform`), their positions and values,
    left out of the rows; else they are found here (`split_shared`)."""
    if not rows:
        return 0
    width = len(columns)
    if shared is None:
        shared, bound = split_shared(rows, width)
    else:
        bound = rows
    values = ", ".join(statement_values(raw, width, shared))
    verb = "INSERT OR IGNORE" if ignore else "INSERT"
    sql = f"{verb} INTO {table} ({', '.join(columns)}) VALUES ({values})"
    cursor = raw.cursor()
    try:
        before = raw.total_changes
        cursor.executemany(sql, bound)
        return int(raw.total_changes - before)
    finally:
        cursor.close()


def update_by_rowid(raw: Any, table: str, columns: Sequence[str],
                    rows: Sequence[tuple[Any, ...]]) -> None:  # fmt: skip
    """Set `columns` of the rows whose rowid is each row's last value, shared values as
    literals. The rowid is one seek in the table; a key such as the shipments' text id is a
    seek in its unique index first (measured: 7 % of the status write-back)."""
    if not rows:
        return
    width = len(columns)
    shared, bound = split_shared(rows, width)
    values = statement_values(raw, width, shared)
    sets = ", ".join(f"{name} = {value}" for name, value in zip(columns, values, strict=True))
    cursor = raw.cursor()
    try:
        cursor.executemany(
            f"UPDATE {table} SET {sets} WHERE rowid = ?",  # noqa: S608
            bound,
        )
    finally:
        cursor.close()
