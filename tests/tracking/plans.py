"""Helpers of the tests that check the planners' choices over shipments on both databases."""

from __future__ import annotations

from sqlalchemy import text

from linkstar.db.bulk import insert_rows
from linkstar.tracking.models import Shipment


def insert_analysed(engine, sessions, *parts: list[dict[str, object]]) -> None:  # type: ignore[no-untyped-def]
    """Insert shipment rows (one list per organisation) and analyse them for the planners."""
    with sessions() as s:
        for rows in parts:
            insert_rows(s.connection(), Shipment.__table__, rows)
        s.commit()
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE shipments"))
        return
    # SQLite: in a transaction that commits. The engine begins SQLite's transactions itself, so
    # under AUTOCOMMIT the ANALYZE was rolled back, and the planners read an earlier test's
    # statistics (a scan after test_linking_index's 6,000 rows, in CI).
    with sessions() as s:
        s.execute(text("ANALYZE"))
        s.commit()
    engine.dispose()  # pooled connections keep the statistics they loaded


def plans(session, statements: list[tuple[str, object]]) -> list[str]:  # type: ignore[no-untyped-def]
    """Each statement's plan, from the driver's cursor with the statement's parameters."""
    postgres = session.bind.dialect.name == "postgresql"
    cursor = session.connection().connection.driver_connection.cursor()
    out = []
    for sql, params in statements:
        cursor.execute(("EXPLAIN " if postgres else "EXPLAIN QUERY PLAN ") + sql, params)
        out.append("\n".join(str(row[-1]) for row in cursor.fetchall()))
    cursor.close()
    return out
