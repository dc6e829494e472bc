"""Demo rate cards: 8 carriers, 21 services, US cards on the real USPS zone chart.

Every card is built as text tables and goes through the same importer as a seller's upload, so
the demo proves the import path too. Prices are invented but shaped like real 2026 retail
cards (zone and weight ladders, fuel, residential, rural and non-contiguous surcharges, a peak
season from October to January). Deterministic: rural ZIPs are drawn from the `zipcodes`
package with a fixed seed. Without the USPS chart file the US cards are skipped (one log line).
"""

from __future__ import annotations

import functools
import logging
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy.orm import Session

from linkstar.demo.carrier_model import LB, DemoCarrier, Ladder
from linkstar.demo.carriers import CARRIERS, EFFECTIVE, PRIORS, UK_HIGHLANDS, USPS_CHART
from linkstar.rating import service
from linkstar.rating.core import ZoneChart, load_usps_zone_chart
from linkstar.rating.importer import workbook_from_tables
from linkstar.workspace.core import Principal

log = logging.getLogger(__name__)
Table = list[dict[str, str]]  # rows of one text table, as an upload's CSV would give them

USPS_FILE = "usps_zone_chart_2018-06_zip3_ranges.csv.gz"
RURAL_SEED = 20_261_122
RURAL_STATES = ("MT", "WY", "ND", "SD", "NE", "NM", "NV", "ID", "KS", "VT", "ME", "WV")
RURAL_COUNT = 600
# Alaska, Hawaii, Puerto Rico and the Virgin Islands, Guam: ZIP3 ranges.
NONCONTIGUOUS = (("995", "999"), ("967", "968"), ("006", "009"), ("969", "969"))


def _weights(ladder: Ladder) -> list[tuple[int, Decimal]]:
    """(bracket max in grams, weight in lb used for the price)."""
    out = (
        [(113, Decimal("0.25")), (227, Decimal("0.5")), (340, Decimal("0.75"))]
        if ladder.ounces
        else []
    )
    out += [(n * LB, Decimal(n)) for n in range(1, ladder.bracket_lb + 1)]
    return out


def _services_table(carrier: DemoCarrier) -> Table:
    rows = []
    for s in carrier.services:
        rows.append(
            {
                "service_id": s.service_id,
                "carrier": carrier.carrier,
                "service_name": s.name,
                "currency": carrier.currency,
                "zone_chart": carrier.chart,
                "origin_country": carrier.origin_country,
                "origin_postcodes": carrier.origin_postcodes,
                "dest_countries": carrier.dest_countries,
                "dim_divisor": carrier.dim_divisor,
                "dim_rounding": carrier.dim_rounding,
                "weight_rounding_g": str(carrier.weight_rounding_g),
                "max_weight_g": str(s.max_weight_g),
                "max_length_mm": str(s.max_length_mm),
                "max_length_plus_girth_mm": str(s.max_girth_mm),
                "fuel_pct": carrier.fuel_pct,
                "min_charge": s.min_charge,
                "restricted": s.restricted,
                "ddp": "yes" if s.ddp else "no",
                "po_box": "yes" if s.po_box else "no",
                "military": "yes" if s.military else "no",
                "signature_available": "yes" if s.signature else "no",
                "effective_from": EFFECTIVE,
                **_priors(s.service_id),
            }
        )
    return rows


def _priors(service_id: str) -> dict[str, str]:
    p50, p90, on_time, success = PRIORS.get(service_id, ("", "", "", ""))
    return {
        "transit_days_p50": p50,
        "transit_days_p90": p90,
        "prior_on_time_pct": on_time,
        "prior_success_pct": success,
    }


def _price_tables(carrier: DemoCarrier) -> tuple[Table, Table]:
    prices: Table = []
    steps: Table = []
    for s in carrier.services:
        ladder = s.ladder
        for index, zone in enumerate(ladder.zones):
            weights = _weights(ladder)
            for grams, lb in weights:
                prices.append(
                    {
                        "service_id": s.service_id,
                        "zone": zone,
                        "max_weight_g": str(grams),
                        "price": ladder.price(index, lb),
                    }
                )
            steps.append(
                {
                    "service_id": s.service_id,
                    "zone": zone,
                    "from_weight_g": str(weights[-1][0]),
                    "step_g": str(LB),
                    "price_per_step": ladder.per_step(index),
                }
            )
    return prices, steps


@functools.cache
def rural_zips() -> tuple[str, ...]:
    """A deterministic sample of rural ZIP5s (standard ZIPs of sparsely populated states)."""
    import zipcodes

    pool = sorted(
        record["zip_code"]
        for record in zipcodes.list_all()
        if record["state"] in RURAL_STATES and record["zip_code_type"] == "STANDARD"
    )
    return tuple(sorted(random.Random(RURAL_SEED).sample(pool, min(RURAL_COUNT, len(pool)))))


def _lists(carrier: DemoCarrier, rural: tuple[str, ...]) -> Table:
    names = {row.get("postcode_list") for row in carrier.surcharges}
    rows: Table = []
    if "us-rural" in names:
        rows += [{"list": "us-rural", "postcode_from": z} for z in rural]
    if "us-noncontiguous" in names:
        rows += [
            {"list": "us-noncontiguous", "postcode_from": lo, "postcode_to": hi}
            for lo, hi in NONCONTIGUOUS
        ]
    if "uk-highlands" in names:
        rows += [{"list": "uk-highlands", "postcode_from": code} for code in UK_HIGHLANDS]
    return rows


def _zones(carrier: DemoCarrier) -> Table:
    if carrier.chart == "sinous-zones":
        spans = (("800", "999", "1"), ("400", "799", "2"), ("000", "399", "3"))
        return [
            {
                "zone_chart": carrier.chart,
                "origin_postcode_from": "518",
                "dest_country": "US",
                "dest_postcode_from": lo,
                "dest_postcode_to": hi,
                "zone": zone,
            }
            for lo, hi, zone in spans
        ]
    if carrier.chart == "uk-domestic":
        zones = [("", "MAIN"), ("BT", "NI")] + [(c, "HIGH") for c in ("IV", "KW", "PH", "PA")]
        zones += [(c, "ISL") for c in ("HS", "ZE", "KW15", "KW16", "KW17")]
        return [
            {
                "zone_chart": carrier.chart,
                "dest_country": "GB",
                "dest_postcode_from": prefix,
                "zone": zone,
            }
            for prefix, zone in zones
        ]
    return []


def card_tables(carrier: DemoCarrier, rural: tuple[str, ...]) -> dict[str, Table]:
    """The text tables of one demo carrier's card, as a seller would upload them."""
    prices, steps = _price_tables(carrier)
    tables = {
        "services": _services_table(carrier),
        "prices": prices,
        "price_steps": steps,
        "surcharges": [{**row, "carrier": carrier.carrier} for row in carrier.surcharges],
        "postcode_lists": _lists(carrier, rural),
    }
    zones = _zones(carrier)
    if zones:
        tables["zones"] = zones
    return {
        name: [{k: v for k, v in row.items() if v} for row in rows] for name, rows in tables.items()
    }


def _usps_rows(chart: ZoneChart) -> list[list[str]]:
    return [
        [e.origin.first, e.origin.last, e.dest_country, e.dest.first, e.dest.last, e.zone]
        for e in chart.entries
    ]


@dataclass(frozen=True)
class RatingDemo:
    carriers: int
    services: int
    skipped: str | None  # the one-line reason US cards were skipped


def load_rate_cards(session: Session, actor: Principal, data_dir: Path) -> RatingDemo:
    """Import the demo carriers' cards; US cards need the USPS chart under `data_dir`."""
    usps_path = data_dir / USPS_FILE
    skipped = None
    carriers: Iterable[DemoCarrier] = CARRIERS
    if usps_path.is_file():
        chart = load_usps_zone_chart(usps_path, USPS_CHART)
        service.store_zone_chart(session, actor, chart, _usps_rows(chart), USPS_FILE)
    else:
        skipped = f"demo: {usps_path} not found, US rate cards skipped"
        log.warning(skipped)
        carriers = [c for c in CARRIERS if not c.uses_usps]
    rural = rural_zips()
    count = services = 0
    for carrier in carriers:
        book = workbook_from_tables(f"demo-{carrier.carrier}.csv", card_tables(carrier, rural))
        service.import_workbook(session, actor, book, effective_from=date.fromisoformat(EFFECTIVE))
        count += 1
        services += len(carrier.services)
    return RatingDemo(count, services, skipped)
