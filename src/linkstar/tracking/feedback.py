"""What tracking tells routing: lane reliability and disrupted carriers.

Tracking and rating name carriers and services differently: a shipment says carrier "usps",
carrier_service "Ground" (as the label or the carrier feed wrote it); a rate card says carrier
"usps", service_id "USPS-GA", name "USPS Ground Advantage". The mapping, used both ways:

- carrier: the tracking carrier code equals the rate card's carrier, ignoring case;
- service: the tracking carrier_service equals the card's service_id or its service name,
  ignoring case; a lane without a carrier_service maps to the carrier's service only when the
  carrier has exactly one service in force (otherwise it cannot be told apart and is skipped);
- origin: the tracking origin (a warehouse id) becomes the warehouse code routing matches on;
  no origin, and the carrier-country rows, become "*" (every origin);
- figures: n = shipments, delivered as counted, transit p50/p90/p95 as measured (at least
  0.01 day), on_time = on_time_rate x n; a lane without promises keeps the service's declared
  on-time prior (on_time = prior x n, so the shrunk rate equals the prior).

Rows are upserted on every refresh, never deleted: a lane with no recent shipments keeps its
last figures. Cards are read as in force today. Never commits.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from linkstar.kit.clock import utcnow
from linkstar.orders.suspensions import suspend_and_reroute
from linkstar.rating import routing_setup
from linkstar.rating import service as cards
from linkstar.rating.core.model import Service
from linkstar.rating.core.reliability import ANY_ORIGIN, DEFAULT_ON_TIME
from linkstar.tracking.models import LaneTransitStat, TrackingSuspension
from linkstar.workspace.core import system_principal
from linkstar.workspace.models import Warehouse

log = logging.getLogger(__name__)
MIN_DAYS = 0.01


@dataclass(frozen=True)
class ServiceIndex:
    """The services in force, findable from tracking's names."""

    carriers: dict[str, str]  # lower-case carrier → the card's spelling
    by_key: dict[tuple[str, str], Service]  # (carrier, id or name), lower case
    only: dict[str, Service]  # carrier → its one service, when it has exactly one

    def service(self, carrier: str, carrier_service: str) -> Service | None:
        c = carrier.strip().lower()
        if carrier_service.strip():
            return self.by_key.get((c, carrier_service.strip().lower()))
        return self.only.get(c)


def service_index(session: Session, organisation_id: str) -> ServiceIndex:
    actor = system_principal(organisation_id, "tracking")
    carriers: dict[str, str] = {}
    by_key: dict[tuple[str, str], Service] = {}
    per_carrier: dict[str, list[Service]] = {}
    for row in cards.cards_in_force(session, actor, utcnow().date()):
        for compiled in cards.compiled_card(session, row).services:
            s = compiled.service
            c = s.carrier.lower()
            carriers[c] = s.carrier
            by_key[(c, s.service_id.lower())] = s
            by_key.setdefault((c, s.name.lower()), s)
            per_carrier.setdefault(c, []).append(s)
    only = {c: found[0] for c, found in per_carrier.items() if len(found) == 1}
    return ServiceIndex(carriers, by_key, only)


def publish_lane_stats(session: Session, organisation_id: str) -> int:
    """Copy the freshly computed lane_transit_stats into routing's reliability rows: one read
    of their columns and one upsert (`routing_setup.upsert_lane_stats`), no ORM object."""
    t = LaneTransitStat
    stats = session.execute(
        select(
            t.level, t.carrier, t.carrier_service, t.origin, t.dest_country, t.postcode_prefix,
            t.shipments, t.delivered, t.on_time_rate, t.p50_days, t.p90_days, t.p95_days,
        ).where(t.organisation_id == organisation_id)
    ).all()  # fmt: skip
    if not stats:
        return 0
    index = service_index(session, organisation_id)
    codes = dict(
        session.execute(
            select(Warehouse.id, Warehouse.code).where(Warehouse.organisation_id == organisation_id)
        ).all()
    )
    rows = []
    for stat in stats:
        found = index.service(stat.carrier, stat.carrier_service)
        if found is None:
            continue
        n = stat.shipments
        prior = DEFAULT_ON_TIME if found.prior_on_time_bp is None else found.prior_on_time_bp / 1e4
        rate = prior if stat.on_time_rate is None else stat.on_time_rate
        p50 = max(MIN_DAYS, stat.p50_days)
        p90 = max(p50, stat.p90_days)
        rows.append(
            {
                "service_id": found.service_id,
                "carrier": found.carrier,
                "origin": codes.get(stat.origin, ANY_ORIGIN) if stat.level == "lane" else "*",
                "dest_country": stat.dest_country,
                "postcode_prefix": stat.postcode_prefix if stat.level == "lane" else "",
                "n": n,
                "delivered": min(stat.delivered, n),
                "on_time": min(n, round(rate * n)),
                "transit_p50_days": p50,
                "transit_p90_days": p90,
                "transit_p95_days": max(p90, stat.p95_days),
            }
        )
    return routing_setup.upsert_lane_stats(session, organisation_id, _dedupe(rows))


def _dedupe(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    # Two tracking lanes (say "" and "Ground") may map to one routing key: keep the larger one.
    best: dict[tuple[object, ...], dict[str, object]] = {}
    for row in rows:
        key = (row["service_id"], row["origin"], row["dest_country"], row["postcode_prefix"])
        held = best.get(key)
        if held is None or int(str(row["n"])) > int(str(held["n"])):
            best[key] = row
    return list(best.values())


def suspend_for_routing(
    session: Session, organisation_id: str, suspensions: Sequence[TrackingSuspension]
) -> list[str]:
    """A routing suspension (source "tracking") per new disruption of a carrier routing knows;
    the unshipped orders that had chosen it are re-routed. Returns the routing suspension ids."""
    if not suspensions:
        return []
    index = service_index(session, organisation_id)
    actor = system_principal(organisation_id, "tracking disruption")
    made = []
    for stop in suspensions:
        carrier = index.carriers.get(stop.carrier.lower())
        if carrier is None:
            log.info("disruption on %s: no rate card names this carrier", stop.carrier)
            continue
        outcome = suspend_and_reroute(
            session,
            actor,
            carrier=carrier,
            dest_countries=[stop.dest_country] if stop.dest_country else [],
            starts=stop.since.date(),
            ends=stop.until.date(),
            reason=stop.reason,
            source="tracking",
        )
        made.append(outcome.suspension.id)
    return made
