"""Migration 0036 turns the generated epoch columns into plain ones, filled with each time's whole
seconds rounded down (SQLite's generated ones rounded to the millisecond first); the downgrade
makes them generated again."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import bindparam, create_engine, inspect, text

from linkstar.db.base import UTCDateTime
from linkstar.db.migrate import alembic_config, upgrade
from linkstar.tracking.core.epochs import second_of

AT = datetime(2026, 12, 1, 9, 30, 15, 750_000, tzinfo=UTC)
LATER = datetime(2026, 12, 3, 18, 0, 59, 999_999, tzinfo=UTC)
_ORG = (
    "INSERT INTO organisations (id, name, slug, timezone, base_currency, audit_retention_days, "
    "created_at, updated_at) VALUES ('o1', 'o1', 'o1', 'UTC', 'USD', 365, :at, :at)"
)
_SHIPMENT = (
    "INSERT INTO shipments (id, organisation_id, tracking_number, carrier, status, event_count, "
    "unmapped_count, source, public_token, created_at, updated_at, last_event_at, status_since, "
    "first_scan_at, promised_by) VALUES (:id, 'o1', :id, 'usps', :status, 1, 0, 'api', :id, "
    ":at, :at, :at, :at, :at, :later)"
)
_EPOCHS = (
    "SELECT id, last_event_s, status_since_s, first_scan_s, delivered_s, promised_s, created_s "
    "FROM shipments ORDER BY id"
)
_SET_PROMISE = text("UPDATE shipments SET promised_by = :at").bindparams(
    bindparam("at", type_=UTCDateTime())
)
_TYPED = {"at": UTCDateTime(), "later": UTCDateTime()}


def _rows(conn) -> list[tuple[object, ...]]:  # type: ignore[no-untyped-def]
    return [tuple(row) for row in conn.execute(text(_EPOCHS))]


def _generated(conn) -> set[str]:  # type: ignore[no-untyped-def]
    return {c["name"] for c in inspect(conn).get_columns("shipments") if c.get("computed")}


def test_epoch_columns_become_plain_with_their_values_and_generated_again(empty_url):
    engine = create_engine(empty_url)
    upgrade(engine, "0035")
    at, later = second_of(AT), second_of(LATER)
    with engine.begin() as conn:
        conn.execute(text(_ORG).bindparams(bindparam("at", type_=UTCDateTime())), {"at": AT})
        insert = text(_SHIPMENT).bindparams(*(bindparam(k, type_=t) for k, t in _TYPED.items()))
        for shipment, status in (("s1", "in_transit"), ("s2", "delivered")):
            conn.execute(insert, {"id": shipment, "status": status, "at": AT, "later": LATER})
        assert len(_generated(conn)) == 6
    expected = [(s, at, at, at, None, later, at) for s in ("s1", "s2")]
    upgrade(engine, "0036")
    with engine.begin() as conn:
        assert _rows(conn) == expected
        assert _generated(conn) == set()
        conn.execute(_SET_PROMISE, {"at": AT})  # a plain column: no longer follows the time
        assert _rows(conn) == expected
        names = {i["name"] for i in inspect(conn).get_indexes("shipments")}
        assert {"ix_shipments_sweep", "ix_shipments_finished"} <= names
    command.downgrade(alembic_config(engine), "0035")
    with engine.begin() as conn:
        assert _rows(conn) == [(s, at, at, at, None, at, at) for s in ("s1", "s2")]
        conn.execute(_SET_PROMISE, {"at": LATER})  # generated again, by 0025's expression,
        # which on SQLite rounded to the millisecond (one second ahead here)
        sqlite = later + 1 if conn.dialect.name == "sqlite" else later
        assert _rows(conn) == [(s, at, at, at, None, sqlite, at) for s in ("s1", "s2")]
        assert len(_generated(conn)) == 6
        names = {i["name"] for i in inspect(conn).get_indexes("shipments")}
        assert {"ix_shipments_sweep", "ix_shipments_finished"} <= names
    engine.dispose()
