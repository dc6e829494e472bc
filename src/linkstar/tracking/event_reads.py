"""Reading a shipment's stored events back: as fold rows for re-deriving its status in bulk,
and as core events for the timeline and re-derivation of one shipment."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from linkstar.db.repository import chunks
from linkstar.tracking.core.events import TrackingEvent
from linkstar.tracking.core.vocabulary import Status, SubStatus
from linkstar.tracking.models import TrackingEventRow

_FOLD_SQL = (
    "SELECT shipment_id, event_time, status, COALESCE(sub_status, ''), carrier, "
    "COALESCE(code_source, carrier), raw_code, raw_description, COALESCE(location, ''), "
    "COALESCE(city, ''), COALESCE(state, ''), COALESCE(postcode, ''), COALESCE(country, ''), "
    "COALESCE(rule_id, ''), COALESCE(code_source, '') FROM tracking_events "
    "WHERE shipment_id IN ({})"
)


def load_fold_rows(session: Session, shipment_ids: list[str]) -> dict[str, list[tuple[Any, ...]]]:
    """The stored events of these shipments as `core.fold` rows, grouped by shipment.

    Read through the driver's cursor: on SQLite the times stay in their sortable text form and
    only the few that become shipment columns are parsed.
    """
    connection = session.connection()
    raw = connection.connection.driver_connection
    mark = "%s" if connection.dialect.name == "postgresql" else "?"
    out: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    cursor = raw.cursor()  # type: ignore[union-attr]
    try:
        for part in chunks(shipment_ids, 900):
            cursor.execute(_FOLD_SQL.format(", ".join([mark] * len(part))), list(part))
            for row in cursor.fetchall():
                out[row[0]].append(row[1:])
    finally:
        cursor.close()
    return out


def load_events(session: Session, shipment_ids: list[str]) -> dict[str, list[TrackingEvent]]:
    """Every stored event of these shipments as core events, grouped by shipment."""
    t = TrackingEventRow
    out: dict[str, list[TrackingEvent]] = defaultdict(list)
    for part in chunks(shipment_ids, 900):
        for row in session.scalars(select(t).where(t.shipment_id.in_(part))):
            out[row.shipment_id].append(as_event(row))
    return out


def as_event(row: TrackingEventRow) -> TrackingEvent:
    """A stored event as a core event."""
    return TrackingEvent(
        event_time=row.event_time,
        carrier=row.carrier,
        raw_code=row.raw_code,
        raw_description=row.raw_description,
        status=Status(row.status),
        sub_status=SubStatus(row.sub_status) if row.sub_status else None,
        rule_id=row.rule_id,
        code_source=row.code_source,
        location=row.location,
        city=row.city,
        state=row.state,
        postcode=row.postcode,
        country=row.country,
    )
