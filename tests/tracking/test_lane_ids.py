"""Lane ids (migration 0029): assigned to new shipments, again after a lane field changes, only
within the organisation, and by the migration's backfill; the downgrade removes them."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, func, inspect, select, text

from linkstar.db.migrate import alembic_config, upgrade
from linkstar.db.uow import unit_of_work
from linkstar.tracking import lane_ids
from linkstar.tracking.ingest import ingest
from linkstar.tracking.models import Shipment, TrackingLane
from linkstar.tracking.schemas import ShipmentCreate
from linkstar.tracking.shipments import register_shipments
from tests.tracking.store import PICKED_UP, update, usps


def _lanes_of(sessions, org_id: str) -> dict[str, tuple[str, ...] | None]:
    """Tracking number → the lane its lane id names (None: not assigned)."""
    with sessions() as s:
        lanes = {
            lane.id: (lane.carrier, lane.carrier_service, lane.origin, lane.dest_country,
                      lane.postcode_prefix)
            for lane in s.scalars(select(TrackingLane))
        }  # fmt: skip
        rows = s.scalars(select(Shipment).where(Shipment.organisation_id == org_id))
        return {r.tracking_number: None if r.lane_id is None else lanes[r.lane_id] for r in rows}


def _register(sessions, tenant, *items: ShipmentCreate) -> None:
    with unit_of_work(sessions) as s:
        register_shipments(s, tenant.principal, list(items))


def _assign(sessions, org_id: str) -> int:
    with unit_of_work(sessions) as s:
        return lane_ids.assign(s, org_id)


def test_new_and_corrected_shipments_get_their_lane_at_the_next_assignment(sessions, make_tenant):
    acme, other = make_tenant("Acme"), make_tenant("Other")
    ground = {"carrier": "usps", "carrier_service": "Ground", "warehouse_id": "wh-ca",
              "dest_country": "US"}  # fmt: skip
    first = ShipmentCreate(tracking_number="LANE0001", dest_postcode="10001", **ground)
    second = ShipmentCreate(tracking_number="LANE0002", dest_postcode="10099", **ground)
    _register(
        sessions, acme, first, second, ShipmentCreate(tracking_number="LANE0003", carrier="ups")
    )
    _register(sessions, other, ShipmentCreate(tracking_number="LANE0001", **ground))
    with unit_of_work(sessions) as s:  # ingestion creates a shipment without a service
        ingest(s, acme.org.id, [update("LANE0004", usps(PICKED_UP, 0))])
    assert set(_lanes_of(sessions, acme.org.id).values()) == {None}  # ingestion wrote none

    assert _assign(sessions, acme.org.id) == 4
    us100 = ("usps", "Ground", "wh-ca", "US", "100")
    assert _lanes_of(sessions, acme.org.id) == {
        "LANE0001": us100, "LANE0002": us100,  # one lane: the same 3-character prefix
        "LANE0003": ("ups", "", "", "", ""), "LANE0004": ("usps", "", "", "", ""),
    }  # fmt: skip
    assert _lanes_of(sessions, other.org.id) == {"LANE0001": None}  # another organisation's
    assert _assign(sessions, acme.org.id) == 0  # nothing left to assign

    # Corrections: a new destination, the same facts again (no change), a service from a feed.
    moved = ShipmentCreate(tracking_number="LANE0001", carrier="usps", dest_country="CA")
    _register(sessions, acme, moved, ShipmentCreate(tracking_number="LANE0002", **ground))
    with unit_of_work(sessions) as s:
        ingest(s, acme.org.id, [update("LANE0004", usps(PICKED_UP, 1), carrier_service="Priority")])
    got = _lanes_of(sessions, acme.org.id)
    assert (got["LANE0001"], got["LANE0002"], got["LANE0004"]) == (None, us100, None)
    assert _assign(sessions, acme.org.id) == 2
    got = _lanes_of(sessions, acme.org.id)
    assert got["LANE0001"] == ("usps", "Ground", "wh-ca", "CA", "100")
    assert got["LANE0004"] == ("usps", "Priority", "", "", "")
    with sessions() as s:  # each lane once per organisation
        assert s.scalar(select(func.count()).select_from(TrackingLane)) == 5
    assert _assign(sessions, other.org.id) == 1


_ORG = (
    "INSERT INTO organisations (id, name, slug, timezone, base_currency, audit_retention_days, "
    "created_at, updated_at) VALUES (:id, :id, :id, 'UTC', 'USD', 365, :at, :at)"
)
_SHIPMENT = (
    "INSERT INTO shipments (id, organisation_id, tracking_number, carrier, carrier_service, "
    "warehouse_id, dest_country, dest_postcode, status, event_count, unmapped_count, source, "
    "public_token, created_at, updated_at) VALUES (:id, :org, :id, :carrier, :service, "
    ":origin, :country, :postcode, 'delivered', 0, 0, 'api', :id, :at, :at)"
)
BACKFILLED = [  # org, carrier, service, origin, country, postcode → the lane expected
    ("o1", "usps", "Ground", "wh-ca", "US", "10001", ("usps", "Ground", "wh-ca", "US", "100")),
    ("o1", "usps", "Ground", "wh-ca", "US", "100", ("usps", "Ground", "wh-ca", "US", "100")),
    ("o1", "dhl", None, None, None, None, ("dhl", "", "", "", "")),
    ("o2", "usps", "Ground", "wh-ca", "US", "10001", ("usps", "Ground", "wh-ca", "US", "100")),
]


def test_the_migration_backfills_lane_ids_and_the_downgrade_removes_them(empty_url):
    engine = create_engine(empty_url)
    upgrade(engine, "0027")
    at = (
        "2026-12-01 00:00:00.000000"
        if engine.dialect.name == "sqlite"
        else "2026-12-01 00:00:00+00"
    )
    with engine.begin() as conn:
        for org in ("o1", "o2"):
            conn.execute(text(_ORG), {"id": org, "at": at})
        for i, (org, carrier, service, origin, country, postcode, _) in enumerate(BACKFILLED):
            conn.execute(text(_SHIPMENT), {
                "id": f"s{i}", "org": org, "carrier": carrier, "service": service,
                "origin": origin, "country": country, "postcode": postcode, "at": at,
            })  # fmt: skip
    upgrade(engine, "0029")
    with engine.connect() as conn:
        lanes = {
            row[0]: (row[1], tuple(row[2:]))
            for row in conn.execute(text(
                "SELECT id, organisation_id, carrier, carrier_service, origin, dest_country, "
                "postcode_prefix FROM tracking_lanes"
            ))
        }  # fmt: skip
        got = {i: lane for i, lane in conn.execute(text("SELECT id, lane_id FROM shipments"))}
    assert len(lanes) == 3  # o1's two lanes and o2's one: lanes are per organisation
    assert {f"s{i}": lanes[got[f"s{i}"]] for i in range(len(BACKFILLED))} == {
        f"s{i}": (org, lane) for i, (org, *_, lane) in enumerate(BACKFILLED)
    }
    command.downgrade(alembic_config(engine), "0027")
    with engine.connect() as conn:
        assert "lane_id" not in {c["name"] for c in inspect(conn).get_columns("shipments")}
        assert "tracking_lanes" not in inspect(conn).get_table_names()
        assert conn.execute(text("SELECT count(*) FROM shipments")).scalar() == 4
    engine.dispose()
