"""The status write-back after later events names only the derived columns that changed on
SQLite (`event_store.write_status`), and the stored row is the one writing every column gives."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from linkstar.db.uow import unit_of_work
from linkstar.tracking.ingest import ingest
from linkstar.tracking.models import Shipment
from tests.tracking.store import LABEL, OUT, PICKED_UP, PROCESSED, T0, update, usps

NUMBER = "9400111899223100000077"
OTHER = "9400111899223100000084"


def _later(sessions, tenant, *updates) -> list[str]:  # type: ignore[no-untyped-def]
    """Ingest the updates; the SET lists of the shipments UPDATEs sent (SQLite only)."""
    sent: list[str] = []
    with unit_of_work(sessions) as s:
        connection = s.connection()
        if connection.dialect.name == "sqlite":
            connection.connection.driver_connection.set_trace_callback(sent.append)
        try:
            ingest(s, tenant.org.id, list(updates))
        finally:
            if connection.dialect.name == "sqlite":
                connection.connection.driver_connection.set_trace_callback(None)
    update = re.compile(r"UPDATE shipments SET (.*) WHERE rowid")
    return [m.group(1) for text in sent if (m := update.match(text))]


def _set_columns(sets: str) -> list[str]:
    return [part.split(" = ")[0].strip() for part in sets.split(",")]


def test_later_scans_write_only_what_changed(sessions, tenant, engine):
    with unit_of_work(sessions) as s:
        ingest(
            s,
            tenant.org.id,
            [
                update(NUMBER, usps(LABEL, 0), usps(PICKED_UP, 5), usps(PROCESSED, 9)),
                update(OTHER, usps(LABEL, 0), usps(PICKED_UP, 6), usps(PROCESSED, 10)),
            ],
        )
    sets = _later(
        sessions,
        tenant,
        update(NUMBER, usps(PROCESSED, 20, city="OMAHA")),  # in_transit -> in_transit
        update(OTHER, usps(OUT, 30)),  # in_transit -> out_for_delivery
    )
    if engine.dialect.name == "sqlite":
        same = [
            "status_since", "last_event_at", "event_count", "status_since_s", "last_event_s",
            "updated_at",
        ]  # fmt: skip
        assert sorted(map(_set_columns, sets)) == sorted(
            [same, ["status", "sub_status", *same[:3], *same[3:]]]
        )
    with sessions() as s:
        rows = {
            r.tracking_number: r
            for r in s.execute(select(Shipment).order_by(Shipment.tracking_number)).scalars()
        }
    kept, moved = rows[NUMBER], rows[OTHER]
    assert (kept.status, kept.sub_status, kept.event_count, kept.unmapped_count) == (
        "in_transit",
        "processed_at_facility",
        4,
        0,
    )
    assert kept.status_since.replace(tzinfo=None) == (T0 + timedelta(hours=20)).replace(tzinfo=None)
    assert kept.last_event_s == int((T0 + timedelta(hours=20)).timestamp())
    assert kept.first_scan_s == int((T0 + timedelta(hours=5)).timestamp())
    assert kept.delivered_at is None and kept.delivered_s is None
    assert (moved.status, moved.event_count) == ("out_for_delivery", 4)
    assert moved.status_since_s == int((T0 + timedelta(hours=30)).timestamp())
    assert moved.first_scan_s == int((T0 + timedelta(hours=6)).timestamp())
