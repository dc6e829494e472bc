"""None bound through SQLite stores NULL, through the adapter `db.engine` registers for it."""

from __future__ import annotations

import sqlite3

from linkstar.db import engine  # noqa: F401  (registers the adapter)


def test_none_is_bound_as_null_through_the_registered_adapter() -> None:
    raw = sqlite3.connect(":memory:")
    raw.execute("CREATE TABLE t (a TEXT, b INTEGER)")
    raw.executemany("INSERT INTO t VALUES (?, ?)", [(None, 1), ("x", None), (None, None)])
    assert raw.execute("SELECT a, typeof(a), b, typeof(b) FROM t").fetchall() == [
        (None, "null", 1, "integer"),
        ("x", "text", None, "null"),
        (None, "null", None, "null"),
    ]
    assert sqlite3.adapters[(type(None), sqlite3.PrepareProtocol)](None) is None
