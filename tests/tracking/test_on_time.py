"""The scorecards' on-time trend: per carrier and rolling week, delivered shipments with a
promise and those that arrived by it; nothing else counts, nor another workspace's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from linkstar.db.uow import unit_of_work
from linkstar.tracking.models import Shipment
from linkstar.tracking.on_time import WeekCount, on_time_trend

NOW = datetime(2026, 12, 6, 12, tzinfo=UTC)


def _shipment(org_id, n, carrier, status, delivered_days=None, promised_days=None):
    delivered = NOW - timedelta(days=delivered_days) if delivered_days is not None else None
    return Shipment(
        organisation_id=org_id, tracking_number=f"OT{n:04d}", carrier=carrier, status=status,
        delivered_at=delivered, status_since=delivered or NOW - timedelta(days=1),
        promised_by=NOW - timedelta(days=promised_days) if promised_days is not None else None,
        event_count=1, unmapped_count=0, source="test",
    )  # fmt: skip


def test_on_time_counts_promised_deliveries_per_carrier_and_week(sessions, tenant, make_tenant):
    other = make_tenant("Other Org")
    with unit_of_work(sessions) as s:
        s.add_all([
            _shipment(tenant.org.id, 1, "ups", "delivered", 1, 2),  # late, this week
            _shipment(tenant.org.id, 2, "ups", "delivered", 2, 0),  # on time, this week
            _shipment(tenant.org.id, 3, "ups", "delivered", 10, 9),  # on time, the week before
            _shipment(tenant.org.id, 4, "ups", "delivered", 100, 99),  # too old
            _shipment(tenant.org.id, 5, "usps", "delivered", 3),  # no promise
            _shipment(tenant.org.id, 6, "fedex", "in_transit", None, 1),  # not delivered
            _shipment(other.org.id, 7, "ups", "delivered", 1, 2),  # another workspace's
        ])  # fmt: skip
    with sessions() as s:
        trend = on_time_trend(s, tenant.principal, NOW, weeks=12)
    assert trend.week_starts[0] == NOW - timedelta(weeks=12)
    assert trend.week_starts[-1] == NOW - timedelta(weeks=1)
    assert [carrier for carrier, _ in trend.carriers] == ["ups"]
    weeks = trend.carriers[0][1]
    assert weeks[11] == WeekCount(2, 1) and weeks[11].rate == 0.5
    assert weeks[10] == WeekCount(1, 1)
    assert weeks[:10] == [WeekCount(0, 0)] * 10 and weeks[0].rate is None
