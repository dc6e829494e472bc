"""Demo tracking history: four months of parcels from the CA, NJ and UK warehouses.

Carriers and services are the demo rate cards' (`demo.carriers`). Their events use the real code
lists of the public carriers they imitate (the US posts and regionals speak USPS codes, the UK
carriers DHL's), so every event goes through the real mapping tables. Included: failed
attempts, customs holds on cross-border parcels, returns to sender (back at the warehouse some
days later), a few parcels that stop scanning, parcels in flight today, and one disrupted
carrier (swiftship, whose parcels of the last seven days stall after pick-up: enough of them
that the burst rule suspends it whatever the weekday or holiday of loading). Seeded RNG, times
relative to the day of loading; ingested through the bulk path, then
the lane statistics and the exception sweep run once.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import bindparam, update
from sqlalchemy.orm import Session

from linkstar.kit.clock import utcnow
from linkstar.tracking import statistics
from linkstar.tracking.core.epochs import second_of
from linkstar.tracking.core.events import TrackingEvent, event_from_raw
from linkstar.tracking.core.updates import TrackingUpdate
from linkstar.tracking.ingest import ingest
from linkstar.tracking.models import Shipment
from linkstar.tracking.sweep import sweep

SEED = 20261204
DAYS = 120
PER_DAY = 24  # about 2,900 parcels, 20,000 events


@dataclass(frozen=True)
class Lane:
    warehouse: str  # warehouse code
    carrier: str
    service: str
    vocabulary: str  # the public code list the carrier's feed uses
    dest_country: str
    postcodes: tuple[str, ...]
    days: float  # median door-to-door transit
    spread: float  # log-normal sigma
    weight: float


US_WEST = ("900", "941", "980", "850", "891", "972", "606", "752")
US_EAST = ("100", "021", "191", "303", "331", "606", "441", "282")
UK = ("SW1", "M1 ", "B1 ", "LS1", "G1 ", "CF1", "EH1", "BS1")
LANES = (
    Lane("US-CA-ONT", "uspost", "USNP-GA", "usps", "US", US_WEST, 3.2, 0.35, 0.22),
    Lane("US-CA-ONT", "onwest", "ONW-GND", "usps", "US", US_WEST[:5], 2.1, 0.25, 0.14),
    Lane("US-CA-ONT", "swiftship", "SWS-2D", "usps", "US", US_WEST + US_EAST, 2.4, 0.3, 0.25),
    Lane("US-NJ-EDI", "parcelnet", "PN-GROUND", "usps", "US", US_EAST, 2.8, 0.4, 0.16),
    Lane("US-NJ-EDI", "eastline", "EL-NEXT", "usps", "US", US_EAST[:5], 1.6, 0.3, 0.10),
    Lane("US-NJ-EDI", "uspost", "USNP-GA", "usps", "CA", ("M5V", "H2X", "K1A"), 6.5, 0.35, 0.08),
    Lane("UK-NN-DAV", "ukpost", "UKP-48", "dhl", "GB", UK, 2.2, 0.3, 0.16),
    Lane("UK-NN-DAV", "parcelhop", "PH-STD", "dhl", "GB", UK, 2.9, 0.4, 0.08),
)
DISRUPTED = "swiftship"

USPS = {
    "label": ("MA", "Shipping Label Created, USPS Awaiting Item"),
    "pickup": ("03", "USPS picked up item"),
    "arrived": ("07", "Arrived at USPS Regional Facility"),
    "processed": ("10", "Processed Through USPS Facility"),
    "departed": ("EF", "Departed USPS Regional Facility"),
    "customs": ("", "Held in Customs"),
    "released": ("", "Released by Customs"),
    "out": ("OF", "Out for Delivery"),
    "attempt": ("02", "Notice Left (No Authorized Recipient Available)"),
    "address": ("05", "Undeliverable as Addressed"),
    "returning": ("09", "Return to Sender"),
    "returned": ("01", "Delivered, To Original Sender"),
    "delivered": ("01", "Delivered, In/At Mailbox"),
}
DHL = {
    "label": ("pre-transit", "Shipment information received"),
    "pickup": ("transit", "Shipment picked up"),
    "arrived": ("transit", "Arrived at Sort Facility"),
    "processed": ("transit", "Processed at Facility"),
    "departed": ("transit", "Departed Facility"),
    "customs": ("failure", "Clearance delay - held by customs"),
    "released": ("transit", "Customs clearance processing complete"),
    "out": ("transit", "With delivery courier"),
    "attempt": ("failure", "Recipient not available"),
    "address": ("failure", "Address incorrect"),
    "returning": ("transit", "Being returned to shipper"),
    "returned": ("delivered", "Returned to shipper"),
    "delivered": ("delivered", "Delivered"),
}
CITY = {"US": ("ONTARIO", "CA"), "GB": ("DAVENTRY", "")}


@dataclass(frozen=True)
class TrackingDemo:
    shipments: int
    events: int
    exceptions_opened: int
    lanes: int


def _journey(
    rng: random.Random, lane: Lane, start: datetime, now: datetime, disrupted_since: datetime
) -> tuple[list[tuple[str, datetime]], bool]:
    """(step, time) pairs of one parcel, cut at `now`; and whether it ends delivered."""
    transit = rng.lognormvariate(0, lane.spread) * lane.days
    steps: list[tuple[str, float]] = [("label", -0.2), ("pickup", 0.0)]
    hops = rng.randint(2, 4)
    for i in range(hops):
        at = transit * (0.15 + 0.6 * i / hops)
        steps += [("arrived", at), ("processed", at + 0.05), ("departed", at + 0.15)]
    roll = rng.random()
    end = transit
    cross_border = lane.dest_country != lane.warehouse[:2].replace("UK", "GB")
    if cross_border and rng.random() < 0.4:  # customs holds many cross-border parcels
        hold = rng.uniform(2.0, 7.0)
        steps += [("customs", transit * 0.8), ("released", transit * 0.8 + hold)]
        end += hold
    if roll < 0.06:
        redeliver = rng.uniform(1.0, 3.0)  # the buyer rearranges delivery, or the carrier retries
        steps += [("out", end - 0.4), ("attempt", end - 0.1), ("out", end + redeliver - 0.1)]
        end += redeliver
    elif roll < 0.08:
        # back at the warehouse some days later (a return is not a successful delivery)
        back = end + 1.0 + rng.uniform(3.0, 8.0)
        steps += [("out", end - 0.4), ("address", end - 0.1), ("returning", end + 1.0),
                  ("returned", back)]  # fmt: skip
        return _until(steps, start, now), False
    elif roll < 0.085:  # lost: scans stop after the first hop
        return _until(steps[:5], start, now), False
    else:
        steps.append(("out", end - 0.3))
    steps.append(("delivered", end))
    timed = [(s, start + timedelta(days=d)) for s, d in sorted(steps, key=lambda p: p[1])]
    if lane.carrier == DISRUPTED and start >= disrupted_since:
        # The disruption: parcels stop moving after pick-up at the hub.
        timed = timed[:3]
    kept = [(s, t) for s, t in timed if t < now]
    return kept, bool(kept) and kept[-1][0] == "delivered"


def _until(
    steps: list[tuple[str, float]], start: datetime, now: datetime
) -> list[tuple[str, datetime]]:
    timed = [(s, start + timedelta(days=d)) for s, d in sorted(steps, key=lambda p: p[1])]
    return [(s, t) for s, t in timed if t < now]


def load_tracking(
    session: Session,
    organisation_id: str,
    warehouse_ids: dict[str, str],
    *,
    now: datetime | None = None,
) -> TrackingDemo:
    """Generate and ingest the demo history, then refresh statistics and sweep once."""
    rng = random.Random(SEED)
    now = now or utcnow()
    today = datetime.combine(now.date(), time(0), tzinfo=now.tzinfo)
    disrupted_since = today - timedelta(days=7)
    updates: list[TrackingUpdate] = []
    facts: dict[str, tuple[Lane, str, datetime]] = {}
    weights = [lane.weight for lane in LANES]
    serial = 0
    for day in range(DAYS, 0, -1):
        ship_day = today - timedelta(days=day)
        for _ in range(rng.randint(PER_DAY - 6, PER_DAY + 6)):
            lane = rng.choices(LANES, weights)[0]
            serial += 1
            number = f"LS{lane.carrier[:3].upper()}{serial:08d}"
            start = ship_day + timedelta(hours=rng.uniform(13, 20))
            steps, _delivered = _journey(rng, lane, start, now, disrupted_since)
            codes = USPS if lane.vocabulary == "usps" else DHL
            city, state = CITY["GB" if lane.vocabulary == "dhl" else "US"]
            events: list[TrackingEvent] = [
                event_from_raw(
                    carrier=lane.carrier,
                    code_source=lane.vocabulary,
                    event_time=at,
                    raw_code=codes[step][0],
                    raw_description=codes[step][1],
                    city=city if step in {"label", "pickup"} else None,
                    state=state or None if step in {"label", "pickup"} else None,
                    country=lane.dest_country if step not in {"label", "pickup"} else None,
                )
                for step, at in steps
            ]
            promise = start + timedelta(days=round(lane.days * 1.5 + 1))
            updates.append(
                TrackingUpdate(number, lane.carrier, tuple(events), "demo", lane.service, None)
            )
            prefix = rng.choice(lane.postcodes)
            facts[number] = (lane, f"{prefix}{rng.randint(10, 99)}".strip(), promise)
    report = ingest(session, organisation_id, updates, now=now)
    table = Shipment.__table__
    rows = [
        {
            "b_number": number,
            "wh": warehouse_ids.get(lane.warehouse),
            "country": lane.dest_country,
            "postcode": postcode,
            "promise": promise,
            "promise_s": second_of(promise),
            "svc": lane.service,
        }
        for number, (lane, postcode, promise) in facts.items()
    ]
    stmt = (
        update(table)  # type: ignore[arg-type]
        .where(table.c.organisation_id == organisation_id)
        .where(table.c.tracking_number == bindparam("b_number"))
        .values(
            warehouse_id=bindparam("wh"),
            dest_country=bindparam("country"),
            dest_postcode=bindparam("postcode"),
            promised_by=bindparam("promise"),
            promised_s=bindparam("promise_s"),  # its epoch column (tracking.core.epochs)
            carrier_service=bindparam("svc"),
            lane_id=None,  # a new lane: assigned by the refresh below
        )
    )
    session.connection().execute(stmt, rows)
    stats = statistics.refresh(session, organisation_id, now=now)
    swept = sweep(session, organisation_id, now=now)
    return TrackingDemo(
        shipments=report.shipments_created,
        events=report.events_inserted,
        exceptions_opened=sum(swept.opened.values()),
        lanes=stats.lanes,
    )
