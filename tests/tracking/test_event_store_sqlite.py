"""SQLite bulk statements with the values every row shares as literals
(`event_store_sqlite`): what is stored is exactly what binding every value stores."""

from __future__ import annotations

import sqlite3
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from linkstar.tracking.event_store_sqlite import insert, split_shared, update_by_rowid

COLUMNS = ("a", "b", "c", "d")
_VALUES = st.one_of(
    st.none(),
    st.sampled_from(["x", "it's", "a\x00b", "é\u2028", "", "NULL", "1", "'); DROP TABLE t; --"]),
    st.text(max_size=5),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.sampled_from([1, 1.0, True, 0, False, 2.5, b"\x00b"]),
)


def _db() -> sqlite3.Connection:
    raw = sqlite3.connect(":memory:", isolation_level=None)
    for table in ("t", "u"):
        # columns of every affinity the stored tables have
        raw.execute(f"CREATE TABLE {table} (id TEXT PRIMARY KEY, a TEXT, b INTEGER, c, d BIGINT)")
    return raw


def _stored(raw: sqlite3.Connection, table: str) -> list[tuple[Any, ...]]:
    return raw.execute(
        f"SELECT id, a, typeof(a), b, typeof(b), c, typeof(c), d, typeof(d) FROM {table} "
        "ORDER BY id"
    ).fetchall()


def test_shared_columns_become_literals_and_leave_the_rows() -> None:
    rows = [("org", "usps", n, None, f"e{n}") for n in (1, 2, 3)]
    shared, bound = split_shared(rows, 4)
    assert shared == {0: "org", 1: "usps", 3: None}
    assert bound == [(1, "e1"), (2, "e2"), (3, "e3")]


def test_equal_values_of_another_type_are_bound() -> None:
    rows = [(1, 1, "p"), (1.0, True, "p"), (1, 1, "p")]
    assert split_shared(rows, 3) == ({2: "p"}, [(1, 1), (1.0, True), (1, 1)])
    assert split_shared([(True, 2.5), (True, 2.5)], 2) == ({}, [(True, 2.5), (True, 2.5)])


def test_text_with_nul_is_bound() -> None:
    raw = _db()
    rows = [("1", "a\x00b", 1, None, 5), ("2", "a\x00b", 1, None, 5)]
    assert split_shared(rows, 5)[0] == {2: 1, 3: None, 4: 5}
    insert(raw, "t", ("id", *COLUMNS), rows)
    assert [row[1] for row in _stored(raw, "t")] == ["a\x00b", "a\x00b"]


def test_one_row_is_bound_as_it_is() -> None:
    assert split_shared([("a", "b")], 2) == ({}, [("a", "b")])


def test_insert_counts_rows_ignored_by_a_unique_key() -> None:
    raw = _db()
    rows = [("1", "x", 1, None, 5), ("2", "x", 1, None, 5)]
    assert insert(raw, "t", ("id", *COLUMNS), rows, ignore=True) == 2
    assert insert(raw, "t", ("id", *COLUMNS), [*rows, ("3", "x", 1, None, 5)], ignore=True) == 1
    assert _stored(raw, "t")[2] == ("3", "x", "text", 1, "integer", None, "null", 5, "integer")


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(_VALUES, _VALUES, _VALUES, _VALUES), min_size=1, max_size=6),
    st.lists(st.sampled_from([0, 1, 2, 3]), max_size=4),
)
def test_stored_as_binding_stores(values: list[tuple[Any, ...]], same: list[int]) -> None:
    """Rows (some columns made equal in every row) inserted, then updated with the rows
    reversed, store the same values and types as plain `executemany` binds."""
    rows = [list(v) for v in values]
    for i in same:
        for row in rows:
            row[i] = rows[0][i]
    keyed = [(str(n), *row) for n, row in enumerate(rows)]
    raw = _db()
    insert(raw, "t", ("id", *COLUMNS), keyed)
    raw.executemany("INSERT INTO u VALUES (?, ?, ?, ?, ?)", keyed)
    assert _stored(raw, "t") == _stored(raw, "u")
    changed = [(*rows[len(rows) - 1 - n], str(n)) for n in range(len(rows))]
    rowid = dict(raw.execute("SELECT id, rowid FROM t").fetchall())
    update_by_rowid(raw, "t", COLUMNS, [(*row[:-1], rowid[row[-1]]) for row in changed])
    raw.executemany("UPDATE u SET a = ?, b = ?, c = ?, d = ? WHERE id = ?", changed)
    assert _stored(raw, "t") == _stored(raw, "u")
