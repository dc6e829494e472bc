"""The statistics' scan gaps: the p95 of hours between consecutive events of the parcels
delivered within the last 30 days, per lane, read from the finished shipments' covering index
with the exact bound (a delivery in the bound's own second is compared to the microsecond)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from linkstar.db.bulk import insert_rows
from linkstar.db.uow import unit_of_work
from linkstar.tracking.core.epochs import with_epochs
from linkstar.tracking.models import Shipment, TrackingEventRow
from linkstar.tracking.statistics import GAP_LOOKBACK_DAYS, lane_gap_p95

NOW = datetime(2026, 12, 10, 12, 0, 0, 250_000, tzinfo=UTC)
BOUND = NOW - timedelta(days=GAP_LOOKBACK_DAYS)
LANE = "usps\x1fGround\x1fwh-ca\x1fUS\x1f100"


def _parcel(org_id: str, n: int, delivered: datetime, gap_hours: float, status: str = "delivered"):
    """A shipment on LANE delivered at `delivered`, and its three events `gap_hours` apart."""
    shipment = with_epochs({
        "id": f"{org_id[:8]}{n:024d}", "organisation_id": org_id, "tracking_number": f"GP{n:08d}",
        "carrier": "usps", "carrier_service": "Ground", "warehouse_id": "wh-ca",
        "dest_country": "US", "dest_postcode": "10001", "status": status,
        "status_since": delivered, "last_event_at": delivered, "first_scan_at": delivered,
        "delivered_at": delivered, "event_count": 3, "unmapped_count": 0, "source": "api",
        "public_token": f"t{org_id}{n:08d}", "created_at": NOW, "updated_at": NOW,
    })  # fmt: skip
    events = [
        {"organisation_id": org_id, "shipment_id": shipment["id"], "fingerprint": n * 10 + k,
         "event_time": delivered - timedelta(hours=gap_hours * (2 - k)), "carrier": "usps",
         "raw_code": "X", "raw_description": "x", "status": "in_transit", "source": "api",
         "received_at": NOW}
        for k in range(3)
    ]  # fmt: skip
    return shipment, events


def _store(sessions, parcels) -> None:
    with unit_of_work(sessions) as s:
        insert_rows(s.connection(), Shipment.__table__, [p[0] for p in parcels])
        insert_rows(s.connection(), TrackingEventRow.__table__, [e for p in parcels for e in p[1]])


def test_gaps_count_deliveries_from_the_exact_bound_on(sessions, tenant, make_tenant):
    org = tenant.org.id
    other = make_tenant("Other Co").org.id
    inside = [_parcel(org, n, NOW - timedelta(days=n), 10.0) for n in range(1, 10)]
    at_bound = _parcel(org, 10, BOUND, 10.0)  # in: delivered at the bound itself
    # out, though in the bound's second: 1 µs before it; and returned parcels are not delivered
    before = _parcel(org, 11, BOUND - timedelta(microseconds=1), 1000.0)
    returned = _parcel(org, 12, NOW - timedelta(days=1), 1000.0, status="returned")
    foreign = [_parcel(other, n, NOW - timedelta(days=1), 1000.0) for n in range(20, 32)]
    _store(sessions, [*inside, before, returned, *foreign])
    with sessions() as s:  # 9 parcels in: 18 gaps, fewer than the 20 a p95 needs
        assert lane_gap_p95(s, org, NOW) == {}
    _store(sessions, [at_bound])
    with sessions() as s:  # 20 gaps of 10 hours; the other workspace's own
        assert lane_gap_p95(s, org, NOW) == {LANE: 10.0}
        assert lane_gap_p95(s, other, NOW) == {LANE: 1000.0}
