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
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from sqlalchemy.orm import Session

from linkstar.rating import service
from linkstar.rating.core import ZoneChart, load_usps_zone_chart
from linkstar.rating.importer import workbook_from_tables
from linkstar.workspace.core import Principal

log = logging.getLogger(__name__)

USPS_FILE = "usps_zone_chart_2018-06_zip3_ranges.csv.gz"
USPS_CHART = "usps-2018-06"
EFFECTIVE = "2026-01-01"
PEAK = ("2026-10-01", "2027-01-31")
RURAL_SEED = 20_261_122
RURAL_STATES = ("MT", "WY", "ND", "SD", "NE", "NM", "NV", "ID", "KS", "VT", "ME", "WV")
RURAL_COUNT = 600
# Alaska, Hawaii, Puerto Rico and the Virgin Islands, Guam: ZIP3 ranges.
NONCONTIGUOUS = (("995", "999"), ("967", "968"), ("006", "009"), ("969", "969"))
LB = 454

Table = list[dict[str, str]]


@dataclass(frozen=True)
class Ladder:
    """A price ladder: base + per zone step + per lb (steeper in far zones), to `bracket_lb`."""

    base: str
    per_zone: str
    per_lb: str
    zones: tuple[str, ...]
    bracket_lb: int = 20
    ounces: bool = False  # 4/8/12 oz brackets before the first pound
    far: str = "0.12"  # how much each zone adds to the per-lb price

    def price(self, zone_index: int, weight_lb: Decimal) -> str:
        """The bracket price for a zone (0 = nearest) and a weight in pounds."""
        value = (
            Decimal(self.base)
            + Decimal(self.per_zone) * zone_index
            + Decimal(self.per_lb) * (weight_lb - 1) * (1 + Decimal(self.far) * zone_index)
        )
        return str(value.quantize(Decimal("0.01"), ROUND_HALF_UP))

    def per_step(self, zone_index: int) -> str:
        """The price of each further pound beyond the last bracket."""
        value = Decimal(self.per_lb) * (1 + Decimal(self.far) * zone_index)
        return str(value.quantize(Decimal("0.01"), ROUND_HALF_UP))


@dataclass(frozen=True)
class DemoService:
    service_id: str
    name: str
    ladder: Ladder
    max_weight_g: int
    min_charge: str = ""
    restricted: str = ""
    signature: bool = True
    ddp: bool = False
    po_box: bool = False
    military: bool = False
    max_length_mm: int = 2_743
    max_girth_mm: int = 4_191


@dataclass(frozen=True)
class DemoCarrier:
    carrier: str
    currency: str
    chart: str
    origin_country: str
    dest_countries: str
    services: tuple[DemoService, ...]
    origin_postcodes: str = ""
    dim_divisor: str = "5022"
    dim_rounding: str = "up_inch"
    weight_rounding_g: int = LB
    fuel_pct: str = "0"
    surcharges: tuple[dict[str, str], ...] = ()
    uses_usps: bool = True


US_ZONES = tuple(str(z) for z in range(1, 10))
NEAR_ZONES = tuple(str(z) for z in range(1, 6))


def _s(kind: str, amount: str = "", **extra: str) -> dict[str, str]:
    return {"service_id": "*", "kind": kind, "amount": amount, **extra}


def _parcel_surcharges(
    residential: str, remote: str, extended: str, peak: str
) -> tuple[dict[str, str], ...]:
    return (
        _s("residential", residential),
        _s("remote", remote, dest_country="US", postcode_list="us-rural"),
        _s("extended_remote", extended, dest_country="US", postcode_list="us-noncontiguous"),
        _s("oversize", "110.00", over_length_plus_girth_mm="3302"),
        _s(
            "additional_handling",
            "26.50",
            over_weight_g="22680",
            over_length_mm="1219",
            over_second_length_mm="762",
        ),
        _s("signature", "6.95", subject_to_fuel="no"),
        _s("peak", peak, effective_from=PEAK[0], effective_to=PEAK[1]),
    )


CARRIERS: tuple[DemoCarrier, ...] = (
    DemoCarrier(
        "uspost",
        "USD",
        USPS_CHART,
        "US",
        "US",
        (
            DemoService(
                "USNP-GA",
                "US National Post Ground Advantage",
                Ladder("5.40", "0.38", "0.92", US_ZONES, 20, ounces=True),
                31_751,
                po_box=True,
                military=True,
            ),
            DemoService(
                "USNP-ECO",
                "US National Post Parcel Economy",
                Ladder("4.95", "0.31", "0.84", US_ZONES, 20),
                31_751,
                restricted="battery",
                po_box=True,
            ),
            DemoService(
                "USNP-PRI",
                "US National Post Priority",
                Ladder("8.70", "0.82", "1.55", US_ZONES, 30),
                31_751,
                restricted="battery",
                po_box=True,
                military=True,
            ),
            DemoService(
                "USNP-EXP",
                "US National Post Priority Express",
                Ladder("28.75", "2.10", "3.20", US_ZONES, 30),
                31_751,
                restricted="battery liquid",
                po_box=True,
                military=True,
            ),
        ),
        dim_divisor="5997",
        surcharges=(_s("peak", "0.30", effective_from=PEAK[0], effective_to=PEAK[1]),),
    ),
    DemoCarrier(
        "parcelnet",
        "USD",
        USPS_CHART,
        "US",
        "US",
        (
            DemoService(
                "PN-GND",
                "ParcelNet Ground",
                Ladder("10.20", "0.55", "0.88", US_ZONES),
                68_039,
                min_charge="10.20",
            ),
            DemoService(
                "PN-3DS",
                "ParcelNet 3 Day Select",
                Ladder("19.80", "1.45", "1.70", US_ZONES),
                68_039,
                restricted="battery",
            ),
            DemoService(
                "PN-2DA",
                "ParcelNet 2nd Day Air",
                Ladder("24.60", "2.05", "2.35", US_ZONES),
                68_039,
                restricted="battery liquid",
            ),
        ),
        fuel_pct="15.5",
        surcharges=_parcel_surcharges("5.45", "3.95", "10.90", "0.45"),
    ),
    DemoCarrier(
        "swiftship",
        "USD",
        USPS_CHART,
        "US",
        "US",
        (
            DemoService(
                "SW-HOME",
                "SwiftShip Home Delivery",
                Ladder("9.95", "0.52", "0.86", US_ZONES),
                68_039,
            ),
            DemoService(
                "SW-SAVER",
                "SwiftShip Express Saver",
                Ladder("18.40", "1.35", "1.62", US_ZONES),
                68_039,
                restricted="battery",
            ),
            DemoService(
                "SW-2DAY",
                "SwiftShip 2Day",
                Ladder("23.90", "1.98", "2.28", US_ZONES),
                68_039,
                restricted="battery liquid",
            ),
        ),
        fuel_pct="16.25",
        surcharges=_parcel_surcharges("5.60", "4.10", "11.25", "0.50"),
    ),
    DemoCarrier(
        "onwest",
        "USD",
        USPS_CHART,
        "US",
        "US",
        (
            DemoService(
                "OW-GND",
                "OnWest Regional Ground",
                Ladder("6.85", "0.60", "0.70", NEAR_ZONES),
                22_680,
            ),
            DemoService(
                "OW-NEXT",
                "OnWest Overnight",
                Ladder("11.40", "1.10", "1.05", NEAR_ZONES),
                22_680,
                restricted="battery",
            ),
        ),
        origin_postcodes="900-935",
        dim_divisor="5000",
        dim_rounding="up_cm",
        fuel_pct="12",
        surcharges=(
            _s("residential", "2.95"),
            _s("remote", "3.25", dest_country="US", postcode_list="us-rural"),
            _s("peak", "0.35", effective_from=PEAK[0], effective_to=PEAK[1]),
        ),
    ),
    DemoCarrier(
        "eastline",
        "USD",
        USPS_CHART,
        "US",
        "US",
        (
            DemoService(
                "EL-GND",
                "EastLine Ground",
                Ladder("6.60", "0.58", "0.68", NEAR_ZONES),
                22_680,
            ),
            DemoService(
                "EL-NEXT",
                "EastLine Next Day",
                Ladder("10.95", "1.05", "1.00", NEAR_ZONES),
                22_680,
                restricted="battery",
            ),
        ),
        origin_postcodes="070-089",
        dim_divisor="5000",
        dim_rounding="up_cm",
        fuel_pct="11.5",
        surcharges=(
            _s("residential", "2.85"),
            _s("remote", "3.15", dest_country="US", postcode_list="us-rural"),
            _s("peak", "0.35", effective_from=PEAK[0], effective_to=PEAK[1]),
        ),
    ),
    DemoCarrier(
        "sinous",
        "USD",
        "sinous-zones",
        "CN",
        "US",
        (
            DemoService(
                "SU-ECO",
                "SinoUS Economy Line (DDP)",
                Ladder("4.20", "0.40", "3.10", ("1", "2", "3"), 4),
                30_000,
                restricted="battery liquid powder magnet",
                ddp=True,
                signature=False,
                po_box=True,
                max_length_mm=1_200,
                max_girth_mm=2_700,
            ),
            DemoService(
                "SU-PRI",
                "SinoUS Priority Line (DDP)",
                Ladder("7.60", "0.65", "4.80", ("1", "2", "3"), 4),
                30_000,
                restricted="liquid powder",
                ddp=True,
                po_box=True,
                max_length_mm=1_200,
                max_girth_mm=2_700,
            ),
        ),
        origin_postcodes="518",
        dim_divisor="6000",
        dim_rounding="up_cm",
        weight_rounding_g=LB,
        surcharges=(
            _s("ddp", "1.50"),
            _s("extended_remote", "8.00", dest_country="US", postcode_list="us-noncontiguous"),
            _s("peak", "0.60", effective_from=PEAK[0], effective_to=PEAK[1]),
        ),
        uses_usps=False,
    ),
    DemoCarrier(
        "ukpost",
        "GBP",
        "uk-domestic",
        "GB",
        "GB",
        (
            DemoService(
                "UKP-T48",
                "UK National Post Tracked 48",
                Ladder("3.35", "0.90", "0.32", ("MAIN", "NI", "HIGH", "ISL"), 20),
                20_000,
                po_box=True,
                max_length_mm=1_000,
                max_girth_mm=3_000,
            ),
            DemoService(
                "UKP-T24",
                "UK National Post Tracked 24",
                Ladder("4.25", "1.10", "0.40", ("MAIN", "NI", "HIGH", "ISL"), 20),
                20_000,
                po_box=True,
                max_length_mm=1_000,
                max_girth_mm=3_000,
            ),
        ),
        dim_divisor="",
        weight_rounding_g=1,
        surcharges=(_s("peak", "0.20", effective_from=PEAK[0], effective_to=PEAK[1]),),
        uses_usps=False,
    ),
    DemoCarrier(
        "parcelhop",
        "GBP",
        "uk-domestic",
        "GB",
        "GB",
        (
            DemoService(
                "PH-NEXT",
                "ParcelHop Next Day",
                Ladder("5.90", "2.40", "0.45", ("MAIN", "NI", "HIGH", "ISL"), 30),
                30_000,
                restricted="battery",
                max_length_mm=1_500,
                max_girth_mm=3_000,
            ),
            DemoService(
                "PH-48",
                "ParcelHop 48 Hour",
                Ladder("4.40", "2.10", "0.38", ("MAIN", "NI", "HIGH", "ISL"), 30),
                30_000,
                max_length_mm=1_500,
                max_girth_mm=3_000,
            ),
            DemoService(
                "PH-72",
                "ParcelHop Economy 72",
                Ladder("3.70", "1.90", "0.33", ("MAIN", "NI", "HIGH"), 30),
                30_000,
                max_length_mm=1_200,
                max_girth_mm=2_500,
            ),
        ),
        dim_divisor="5000",
        dim_rounding="up_cm",
        weight_rounding_g=500,
        fuel_pct="8.5",
        surcharges=(
            _s("remote", "4.50", dest_country="GB", postcode_list="uk-highlands"),
            _s("peak", "0.40", effective_from=PEAK[0], effective_to=PEAK[1]),
        ),
        uses_usps=False,
    ),
)

# Highlands and islands that UK couriers surcharge (areas and outward codes).
UK_HIGHLANDS = ("IV", "KW", "PH17", "PH18", "PH19", "PH20", "PA20", "PA80", "HS", "ZE")


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
            }
        )
    return rows


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
