"""Lane ids: each shipment's lane (carrier, service, origin, destination country, postcode
prefix) as an integer naming one of the organisation's `tracking_lanes` rows, so the statistics
read and group a million integers instead of a million key texts (migration 0029).

A shipment's `lane_id` is NULL until `assign` gives it one: new shipments are inserted without
it (ingestion writes nothing more), and every writer that changes a lane field sets it back to
NULL (`reset`). The statistics refresh calls `assign` before it reads: two set-based statements
over the shipments still unassigned, found through the partial index of migration 0029. Lanes
are never deleted (a lane without shipments costs one small row). Never commits.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from linkstar.tracking.driver_reads import fetch
from linkstar.tracking.models import LANE_COLUMNS, Shipment

# The shipment's side of each lane column ("" where it has none; prefix: 3 characters).
LANE_OF_SHIPMENT = (
    "shipments.carrier", "COALESCE(shipments.carrier_service, '')",
    "COALESCE(shipments.warehouse_id, '')", "COALESCE(shipments.dest_country, '')",
    "SUBSTR(COALESCE(shipments.dest_postcode, ''), 1, 3)",
)  # fmt: skip
# The shipment fields a lane is made of: who changes one resets the lane id.
LANE_FIELDS = ("carrier", "carrier_service", "warehouse_id", "dest_country", "dest_postcode")
SEP = "\x1f"


def assign(session: Session, organisation_id: str) -> int:
    """Give every unassigned shipment of the organisation its lane id, adding the lanes not
    seen before; returns how many shipments were assigned."""
    connection = session.connection()
    sqlite = connection.dialect.name == "sqlite"
    mark = "?" if sqlite else "%s"
    # SQLite would rather walk the organisation's part of the covering index (0.6 s at 2M).
    table = "shipments INDEXED BY ix_shipments_lane_unassigned" if sqlite else "shipments"
    columns = ", ".join(LANE_COLUMNS)
    connection.exec_driver_sql(
        f"INSERT INTO tracking_lanes (organisation_id, {columns}) "  # noqa: S608
        f"SELECT DISTINCT organisation_id, {', '.join(LANE_OF_SHIPMENT)} FROM {table} "
        f"WHERE organisation_id = {mark} AND lane_id IS NULL "
        f"ON CONFLICT (organisation_id, {columns}) DO NOTHING",
        (organisation_id,),
    )
    match = " AND ".join(
        f"l.{lane} = {shipment}"
        for lane, shipment in zip(LANE_COLUMNS, LANE_OF_SHIPMENT, strict=True)
    )
    done = connection.exec_driver_sql(
        f"UPDATE {table} SET lane_id = (SELECT l.id FROM tracking_lanes l "  # noqa: S608
        f"WHERE l.organisation_id = shipments.organisation_id AND {match}) "
        f"WHERE organisation_id = {mark} AND lane_id IS NULL",
        (organisation_id,),
    )
    return int(done.rowcount)


def parent_key(lane_key: str) -> str:
    """A lane key's parent: carrier x service x destination country, joined the same way."""
    carrier, service, _origin, country, _prefix = lane_key.split(SEP)
    return SEP.join((carrier, service, country))


def names(session: Session, organisation_id: str) -> dict[int, str]:
    """Lane id → its key: the five lane columns joined by the unit separator."""
    sql = f"SELECT id, {', '.join(LANE_COLUMNS)} FROM tracking_lanes WHERE organisation_id = ?"  # noqa: S608
    return {row[0]: SEP.join(row[1:]) for row in fetch(session, sql, (organisation_id,))}


def reset_if_changed(shipment: Shipment, before: tuple[Any, ...]) -> None:
    """Forget the lane id of a shipment whose lane fields differ from `before` (their values
    before the change, in LANE_FIELDS order)."""
    if tuple(getattr(shipment, name) for name in LANE_FIELDS) != before:
        shipment.lane_id = None
