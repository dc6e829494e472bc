"""Migration 0028 fills each stored exception's lane and last scan from its shipment, and its
downgrade takes the columns away again, the exceptions kept."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import bindparam, create_engine, inspect, text

from linkstar.db.base import UTCDateTime
from linkstar.db.migrate import alembic_config, upgrade

AT = datetime(2026, 12, 1, 9, 30, 15, 250_000, tzinfo=UTC)
_SHIPMENT = text(
    "INSERT INTO shipments (id, organisation_id, tracking_number, carrier, dest_country, status, "
    "last_event_at, event_count, unmapped_count, source, public_token, created_at, updated_at) "
    "VALUES (:id, 'o', :id, :carrier, :country, 'in_transit', :last, 1, 0, 'api', :id, :at, :at)"
).bindparams(bindparam("last", type_=UTCDateTime()), bindparam("at", type_=UTCDateTime()))
_EXCEPTION = text(
    "INSERT INTO tracking_exceptions (id, organisation_id, shipment_id, kind, state, opened_at, "
    "detail, created_at, updated_at) VALUES (:id, 'o', :shipment, 'lost', 'open', :at, '{}', "
    ":at, :at)"
).bindparams(bindparam("at", type_=UTCDateTime()))


def test_exceptions_get_their_shipments_lane_and_the_downgrade_drops_it(empty_url):
    engine = create_engine(empty_url)
    upgrade(engine, "0027")
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            for table in ("shipments", "tracking_exceptions"):
                conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER ALL"))
        conn.execute(_SHIPMENT, {"id": "s1", "carrier": "dhl", "country": "GB", "last": AT,
                                 "at": AT})  # fmt: skip
        conn.execute(_SHIPMENT, {"id": "s2", "carrier": "ups", "country": None, "last": None,
                                 "at": AT})  # fmt: skip
        for exception_id, shipment in (("e1", "s1"), ("e2", "s1"), ("e3", "s2")):
            conn.execute(_EXCEPTION, {"id": exception_id, "shipment": shipment, "at": AT})
    upgrade(engine, "0028")
    read = text(
        "SELECT id, carrier, dest_country, last_scan_at FROM tracking_exceptions ORDER BY id"
    ).columns(last_scan_at=UTCDateTime())
    with engine.connect() as conn:
        assert [tuple(r) for r in conn.execute(read)] == [
            ("e1", "dhl", "GB", AT), ("e2", "dhl", "GB", AT), ("e3", "ups", None, None),
        ]  # fmt: skip
        indexes = {i["name"] for i in inspect(conn).get_indexes("tracking_exceptions")}
        assert {"ix_tracking_exceptions_open", "ix_tracking_exceptions_lane"} <= indexes
    command.downgrade(alembic_config(engine), "0027")
    with engine.connect() as conn:
        names = {c["name"] for c in inspect(conn).get_columns("tracking_exceptions")}
        assert not names & {"carrier", "dest_country", "last_scan_at"}
        ids = conn.execute(text("SELECT id FROM tracking_exceptions ORDER BY id")).scalars()
        assert list(ids) == ["e1", "e2", "e3"]
        indexes = {i["name"] for i in inspect(conn).get_indexes("tracking_exceptions")}
        assert not indexes & {"ix_tracking_exceptions_open", "ix_tracking_exceptions_lane"}
    engine.dispose()
