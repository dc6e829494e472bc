"""Migration 0024 re-keys stored events by the first 8 bytes of their SHA-1, and back."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from alembic import command
from sqlalchemy import bindparam, create_engine, inspect, text

from linkstar.db.base import UTCDateTime
from linkstar.db.migrate import alembic_config, upgrade
from linkstar.tracking.core.events import TrackingEvent
from linkstar.tracking.core.keys import fingerprint
from linkstar.tracking.core.vocabulary import Status

EVENTS = [
    TrackingEvent(datetime(2026, 3, 1, 8, 0, 0, 120, tzinfo=UTC), "usps", "01", "Delivered",
                  Status.DELIVERED, city="EDISON", state="NJ", country="US"),
    TrackingEvent(datetime(2026, 2, 28, 9, 30, tzinfo=UTC), "usps", "10", "Processed",
                  Status.IN_TRANSIT, code_source="ups", location="Hub 7"),
]  # fmt: skip
_INSERT = (
    "INSERT INTO tracking_events (organisation_id, shipment_id, {key}, event_time, carrier, "
    "code_source, raw_code, raw_description, status, location, city, state, country, source, "
    "received_at) VALUES ('o', 's', :key, :at, :carrier, :code_source, :code, :text, 'x', "
    ":location, :city, :state, :country, 'api', :at) ON CONFLICT DO NOTHING"
)


def _insert(key_column: str) -> object:
    return text(_INSERT.format(key=key_column)).bindparams(bindparam("at", type_=UTCDateTime()))


def _params(e: TrackingEvent, key: object) -> dict[str, object]:
    return {"key": key, "at": e.event_time, "carrier": e.carrier, "code_source": e.code_source,
            "code": e.raw_code, "text": e.raw_description, "location": e.location,
            "city": e.city, "state": e.state, "country": e.country}  # fmt: skip


def _sha1(e: TrackingEvent) -> str:
    parts = (e.event_time.isoformat(" ", "microseconds")[:26], e.carrier, e.vocabulary,
             e.raw_code, e.raw_description, e.location or "", e.city or "", e.state or "",
             e.postcode or "", e.country or "")  # fmt: skip
    return hashlib.sha1("\x1f".join(parts).encode(), usedforsecurity=False).hexdigest()


def test_stored_events_are_re_keyed_and_the_downgrade_restores_the_sha1(empty_url):
    engine = create_engine(empty_url)
    upgrade(engine, "0023")
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE tracking_events DISABLE TRIGGER ALL"))
        for e in EVENTS:
            conn.execute(_insert("dedup_key"), _params(e, _sha1(e)))
    upgrade(engine, "0024")
    with engine.begin() as conn:
        got = conn.execute(text("SELECT fingerprint FROM tracking_events ORDER BY id")).scalars()
        assert list(got) == [fingerprint(e) for e in EVENTS]
        assert "dedup_key" not in {c["name"] for c in inspect(conn).get_columns("tracking_events")}
        # The unique index is on the fingerprint now: the same event again is not stored.
        conn.execute(_insert("fingerprint"), _params(EVENTS[0], fingerprint(EVENTS[0])))
        assert conn.execute(text("SELECT count(*) FROM tracking_events")).scalar() == 2
    command.downgrade(alembic_config(engine), "0023")
    with engine.connect() as conn:
        keys = conn.execute(text("SELECT dedup_key FROM tracking_events ORDER BY id")).scalars()
        assert list(keys) == [_sha1(e) for e in EVENTS]
    engine.dispose()
