"""Engine and session factory for SQLite (WAL, foreign keys, busy timeout) and PostgreSQL."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from linkstar.kit.errors import LinkStarError
from linkstar.kit.jsontext import dumps_with


class DatabaseUnavailable(LinkStarError):
    code = "database_unavailable"
    status = 503


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever driver the URL names."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


# JSON columns: json.dumps's text, without building an encoder per value (a 100,000-order
# import writes about a million of them).
json_text = dumps_with()

# pysqlite (Python 3.11) binds None only after looking for an adapter for it, and that look-up
# raises and clears an AttributeError inside: ~2,700 instructions for every None bound, more
# than SQLite's insert of a value (callgrind, tracking events). A registered adapter is found
# at once; a C function returning None keeps it NULL (`{}.get(None)` is None).
_NULL: dict[None, None] = {}
sqlite3.register_adapter(type(None), _NULL.get)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine; SQLite files get their folder, WAL mode, foreign keys and a busy timeout."""
    url = normalise_url(url)
    kwargs.setdefault("json_serializer", json_text)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    # Sessions speak UTC so date() and date_trunc() group by UTC days on every server.
    kwargs.setdefault("connect_args", {"options": "-c timezone=UTC"})
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    return create_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy own transactions (pysqlite's implicit BEGIN breaks SAVEPOINTs and DDL).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # 64 MiB of page cache instead of SQLite's 2 MiB: a 100,000-order import touches the
    # indexes of four tables all over (random ids); with the small cache it re-read pages from
    # the OS for a quarter of its insert time. Pages are allocated only as they are used.
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()


def _sqlite_begin_immediate(conn: Any) -> None:
    # Take the write lock at BEGIN so concurrent writers wait on busy_timeout instead of
    # failing with "database is locked" when a read transaction later tries to write.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (entry points render them)."""
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


def ping(engine: Engine) -> None:
    """Raise DatabaseUnavailable with a one-line reason when the database cannot be reached."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means "not reachable" to the caller
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatabaseUnavailable(f"database unreachable: {reason}") from exc
