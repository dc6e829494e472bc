"""Tracking feeds routing: lane statistics become reliability rows, and a disrupted carrier is
suspended for routing so that a routed, unshipped order falls back to another carrier."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from linkstar.db.uow import unit_of_work
from linkstar.kit.clock import utcnow
from linkstar.orders import flow
from linkstar.rating import routing
from linkstar.rating import service as cards
from linkstar.rating.models import RoutingSuspension, ServiceLaneStat
from linkstar.rating.sheets import read_folder
from linkstar.tracking import feedback, statistics
from linkstar.tracking.ingest import ingest
from linkstar.tracking.models import LaneTransitStat, Shipment
from linkstar.tracking.sweep import sweep
from tests.inventory.seed import add_store
from tests.orders import pipeline_seed as seed
from tests.rating.importing import broken_copy
from tests.tracking.store import ATTEMPT, DELIVERED, PICKED_UP, T0, update, usps


@pytest.fixture
def ready(sessions, tenant, tmp_path):
    store = add_store(sessions, tenant.principal)
    prepared = seed.prepare(sessions, tenant.principal, store, stock=5)
    # A second carrier on the same lanes at the same prices: either one is the other's fallback.
    usps_card = broken_copy(
        tmp_path / "usps-card",
        {
            "services.csv": [
                ("WCP-GND,westcoast,WestCoast Parcel Ground,USD,wcp-west", "USPS-GA,usps,"
                 "USPS Ground Advantage,USD,usps-west"),
                ("WCP-2DAY,westcoast,WestCoast Parcel 2-Day,USD,wcp-west", "USPS-PM,usps,"
                 "USPS Priority Mail,USD,usps-west"),
            ]
        },
    )  # fmt: skip
    for name in ("zones.csv", "prices.csv", "surcharges.csv", "price_steps.csv"):
        path = usps_card / name
        text = path.read_text().replace("wcp-west", "usps-west").replace("westcoast", "usps")
        path.write_text(text.replace("WCP-GND", "USPS-GA").replace("WCP-2DAY", "USPS-PM"))
    with unit_of_work(sessions) as s:
        cards.import_workbook(s, tenant.principal, read_folder(usps_card))
    return prepared


def _ingest(sessions, org_id, updates, **columns):
    with unit_of_work(sessions) as s:
        ingest(s, org_id, updates)
    with unit_of_work(sessions) as s:
        for row in s.scalars(select(Shipment).where(Shipment.organisation_id == org_id)):
            for name, value in columns.items():
                setattr(row, name, value)


def test_a_disrupted_carrier_reroutes_the_routed_order_with_fallback(sessions, tenant, ready):
    (order_id,) = seed.import_orders(sessions, ready, seed.make_order("D-1"))
    with unit_of_work(sessions) as s:
        flow.allocate_orders(s, ready.actor)
        flow.route_orders(s, ready.actor)
    first = seed.events(sessions, order_id)[-2][1]
    chosen = first["carrier"]
    (other,) = {"westcoast", "usps"} - {chosen}
    now = utcnow()
    hours = (now - T0).total_seconds() / 3600 - 2  # twelve failed attempts two hours ago
    burst = [update(f"BURST{i:03d}", usps(ATTEMPT, hours)) for i in range(12)]
    _ingest(sessions, tenant.org.id, burst, carrier=chosen)
    with unit_of_work(sessions) as s:
        report = sweep(s, tenant.org.id, now=now)
    assert report.suspended == [f"{chosen}/*"]
    with sessions() as s:
        (stop,) = s.scalars(select(RoutingSuspension)).all()
        assert (stop.carrier, stop.service_id, stop.source) == (chosen, None, "tracking")
        assert (stop.starts, stop.ends) == (now.date(), (now + timedelta(hours=48)).date())
    kind, detail = seed.events(sessions, order_id)[-1]
    assert kind == "rerouted"
    assert (detail["carrier"], detail["fallback"]) == (other, True)
    assert detail["service_id"] == {"usps": "USPS-GA", "westcoast": "WCP-GND"}[other]
    assert seed.order(sessions, order_id).state == "routed"
    with sessions() as s:
        latest = routing.explain(s, ready.actor, order_id)
        assert (latest.id, latest.fallback) == (detail["decision_id"], True)
    with unit_of_work(sessions) as s:  # the next sweep extends; it suspends nothing new
        assert sweep(s, tenant.org.id, now=now + timedelta(hours=1)).suspended == [f"{chosen}/*"]
    with sessions() as s:
        assert len(s.scalars(select(RoutingSuspension)).all()) == 1
    assert seed.kinds(sessions, order_id).count("rerouted") == 1


def test_lane_statistics_become_routing_reliability_rows(sessions, tenant, ready):
    updates = []
    for i in range(30):
        days = 2 + (i % 3)  # 2, 3 or 4 days
        updates.append(update(f"LANE{i:03d}", usps(PICKED_UP, i), usps(DELIVERED, i + 24 * days)))
    extra = [update("OTHER001", usps(PICKED_UP, 0), usps(DELIVERED, 48))]
    _ingest(sessions, tenant.org.id, updates, carrier="westcoast", carrier_service="WCP-GND",
            warehouse_id=ready.warehouses["US-CA-ONT"], dest_country="US",
            dest_postcode="94043")  # fmt: skip
    with unit_of_work(sessions) as s:
        for row in s.scalars(select(Shipment)):
            row.promised_by = row.first_scan_at + timedelta(days=3)
    _ingest(sessions, tenant.org.id, extra)  # a carrier no rate card names: not published
    with unit_of_work(sessions) as s:
        for row in s.scalars(select(Shipment).where(Shipment.tracking_number == "OTHER001")):
            row.carrier, row.dest_country = "acme-post", "US"
    with unit_of_work(sessions) as s:
        statistics.refresh(s, tenant.org.id, now=T0 + timedelta(days=10))
    with sessions() as s:
        rows = {
            (r.service_id, r.origin, r.dest_country, r.postcode_prefix): r
            for r in s.scalars(select(ServiceLaneStat))
        }
    assert sorted(rows) == [
        ("WCP-GND", "*", "US", ""),
        ("WCP-GND", "US-CA-ONT", "US", "940"),
    ]
    lane = rows[("WCP-GND", "US-CA-ONT", "US", "940")]
    assert (lane.carrier, lane.n, lane.delivered, lane.on_time) == ("westcoast", 30, 30, 20)
    assert (lane.transit_p50_days, lane.transit_p90_days) == (3.0, 4.0)
    with unit_of_work(sessions) as s:  # a second refresh updates the same rows
        statistics.refresh(s, tenant.org.id, now=T0 + timedelta(days=10))
    with sessions() as s:
        assert len(s.scalars(select(ServiceLaneStat)).all()) == 2


def _lane_stat(org_id, **values):
    base = {"level": "lane", "carrier": "westcoast", "carrier_service": "WCP-GND", "origin": "",
            "dest_country": "US", "postcode_prefix": "940", "shipments": 40, "delivered": 38,
            "p50_days": 2.5, "p90_days": 4.0, "p95_days": 5.5, "on_time_rate": 0.8,
            "success_rate": 0.95, "gap_p95_hours": None, "confidence": 0.9}  # fmt: skip
    return LaneTransitStat(organisation_id=org_id, **{**base, **values})


def _published(sessions):
    with sessions() as s:
        return sorted(
            (r.service_id, r.carrier, r.origin, r.dest_country, r.postcode_prefix, r.n,
             r.delivered, r.on_time, r.transit_p50_days, r.transit_p90_days, r.transit_p95_days)
            for r in s.scalars(select(ServiceLaneStat))
        )  # fmt: skip


def test_published_figures_are_exactly_the_lane_statistics_mapped(sessions, tenant, ready):
    org_id = tenant.org.id
    ontario = ready.warehouses["US-CA-ONT"]
    with unit_of_work(sessions) as s:
        prior = feedback.service_index(s, org_id).service("usps", "USPS Ground Advantage")
        assert prior is not None
        s.add_all([
            _lane_stat(org_id, origin=ontario),
            # the same routing key under the service's name: the larger lane wins
            _lane_stat(org_id, carrier="WestCoast", carrier_service="westcoast parcel ground",
                       origin=ontario, shipments=10, delivered=10),
            # no promises: the service's on-time prior; times below the floor are raised
            _lane_stat(org_id, carrier="usps", carrier_service="usps ground advantage",
                       origin="", postcode_prefix="100", shipments=7, delivered=9,
                       on_time_rate=None, p50_days=0.0, p90_days=0.0, p95_days=0.0),
            _lane_stat(org_id, level="country", origin=ontario, postcode_prefix="9"),
            _lane_stat(org_id, carrier="acme-post"),  # no rate card names it: not published
        ])  # fmt: skip
    with unit_of_work(sessions) as s:
        assert feedback.publish_lane_stats(s, org_id) == 3
    on_time = round((0.95 if prior.prior_on_time_bp is None else prior.prior_on_time_bp / 1e4) * 7)
    assert _published(sessions) == [
        ("USPS-GA", "usps", "*", "US", "100", 7, 7, min(7, on_time), 0.01, 0.01, 0.01),
        ("WCP-GND", "westcoast", "*", "US", "", 40, 38, 32, 2.5, 4.0, 5.5),
        ("WCP-GND", "westcoast", "US-CA-ONT", "US", "940", 40, 38, 32, 2.5, 4.0, 5.5),
    ]
    with unit_of_work(sessions) as s:  # a refresh rewrites the figures of the same rows
        for row in s.scalars(select(LaneTransitStat).where(LaneTransitStat.shipments == 40)):
            row.shipments, row.on_time_rate, row.p95_days = 50, 0.5, 6.0
    with unit_of_work(sessions) as s:
        assert feedback.publish_lane_stats(s, org_id) == 3
    assert _published(sessions)[1:] == [
        ("WCP-GND", "westcoast", "*", "US", "", 50, 38, 25, 2.5, 4.0, 6.0),
        ("WCP-GND", "westcoast", "US-CA-ONT", "US", "940", 50, 38, 25, 2.5, 4.0, 6.0),
    ]
    with unit_of_work(sessions) as s:
        assert feedback.publish_lane_stats(s, "another-organisation") == 0
    assert len(_published(sessions)) == 3
