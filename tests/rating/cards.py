"""A small rate card whose prices the tests work out by hand."""

from __future__ import annotations

from datetime import date

from linkstar.rating.core import (
    DimRounding,
    Parcel,
    PercentOf,
    PostcodeSet,
    PriceBracket,
    PriceStep,
    RateCard,
    Service,
    Surcharge,
    SurchargeKind,
    ZoneChart,
    ZoneRow,
)

SHIP = date(2024, 6, 3)


def demo_chart() -> ZoneChart:
    """Origin 900-908 (Los Angeles); one row of each kind so that the match order shows."""
    rows = [
        ("US", "", "", "8"),  # everything else
        ("US", "900", "935", "2"),  # range
        ("US", "940", "949", "3"),  # range, beaten by the prefix "94"
        ("US", "94", "", "4"),  # prefix
        ("US", "100", "", "7"),  # prefix
        ("US", "10001", "", "5"),  # exact
        ("US", "995", "999", "9"),  # Alaska
        ("CA", "", "", "8"),
    ]
    return ZoneChart.from_rows("demo", "US", [ZoneRow("900", "908", *row) for row in rows])


def ground(**changes: object) -> Service:
    """The hand-priced ground service (change any field by keyword)."""
    fields: dict[str, object] = {
        "service_id": "GND",
        "carrier": "acme",
        "name": "Acme Ground",
        "currency": "USD",
        "zone_chart": "demo",
        "origin_country": "US",
        "origin_postcodes": PostcodeSet.parse("US", [("900", "908")]),
        "dest_countries": frozenset({"US"}),
        "dim_divisor": 5000,
        "dim_rounding": DimRounding.up_cm,
        "weight_rounding_g": 100,
        "max_weight_g": 30_000,
        "max_length_mm": 1_200,
        "max_length_plus_girth_mm": 3_000,
        "fuel_bp": 1_000,
        "min_charge": 800,
        "restricted": frozenset({"battery"}),
        "po_box": False,
        "military": False,
        "signature_available": True,
        "effective_from": date(2024, 1, 1),
        "effective_to": date(2025, 12, 31),
    }
    fields.update(changes)
    return Service(**fields)  # type: ignore[arg-type]


def express() -> Service:
    """A second carrier's DDP-capable service, with inch rounding and no dimensional limits."""
    return Service(
        service_id="EXP",
        carrier="swift",
        name="Swift Express DDP",
        currency="USD",
        zone_chart="demo",
        origin_country="US",
        dest_countries=frozenset({"US", "CA"}),
        dim_divisor=5000,
        dim_rounding=DimRounding.up_inch,
        ddp=True,
        signature_available=False,
    )


def _brackets(service_id: str, zone: str, pairs: list[tuple[int, int]]) -> list[PriceBracket]:
    return [PriceBracket(service_id, zone, w, p) for w, p in pairs]


BRACKETS = [
    *_brackets("GND", "2", [(500, 700), (1000, 900), (2000, 1200), (5000, 2000)]),
    *_brackets("GND", "4", [(1000, 1000), (5000, 2500)]),
    *_brackets("GND", "5", [(1000, 1100), (5000, 2700)]),
    *_brackets("GND", "7", [(1000, 1300), (2000, 1600)]),  # no steps: 3 kg has no price
    *_brackets("GND", "8", [(500, 1100), (1000, 1500), (2000, 2100), (5000, 3500)]),
    *_brackets("GND", "9", [(1000, 2500), (5000, 4000)]),
    *_brackets("EXP", "8", [(2000, 3000), (10_000, 6000)]),
    *_brackets("EXP", "2", [(2000, 2000), (10_000, 4000)]),
]
STEPS = [PriceStep("GND", "2", 5000, 1000, 300), PriceStep("GND", "8", 5000, 1000, 450)]

SURCHARGES = [
    Surcharge("acme", "GND", SurchargeKind.residential, amount=355),
    Surcharge(
        "acme",
        None,
        SurchargeKind.remote,
        dest=PostcodeSet.parse("US", [("995", "997")]),
        amount=800,
    ),
    Surcharge(
        "acme",
        None,
        SurchargeKind.extended_remote,
        dest=PostcodeSet.parse("US", ["999", "99950"]),
        amount=1_200,
    ),
    Surcharge(
        "acme",
        "GND",
        SurchargeKind.additional_handling,
        amount=1_500,
        over_length_mm=1_000,
        over_weight_g=25_000,
    ),
    Surcharge("acme", "GND", SurchargeKind.signature, amount=250, subject_to_fuel=False),
    Surcharge(
        "acme",
        None,
        SurchargeKind.peak,
        percent_bp=500,
        effective_from=date(2024, 12, 1),
        effective_to=date(2024, 12, 31),
    ),
    Surcharge(
        "acme",
        None,
        SurchargeKind.fuel_override,
        percent_bp=1_250,
        effective_from=date(2025, 1, 1),
    ),
    Surcharge(
        "swift",
        "EXP",
        SurchargeKind.ddp,
        amount=100,
        percent_bp=200,
        applies_to=PercentOf.declared_value,
        subject_to_fuel=False,
    ),
]


def demo_card(**ground_changes: object) -> RateCard:
    """The demo card: GND (acme) and EXP (swift) on the demo chart."""
    return RateCard(
        services=(ground(**ground_changes), express()),
        zone_charts={"demo": demo_chart()},
        brackets=tuple(BRACKETS),
        steps=tuple(STEPS),
        surcharges=tuple(SURCHARGES),
    )


def parcel(**changes: object) -> Parcel:
    """A 1.2 kg, 30x20x10 cm parcel from Los Angeles to Beverly Hills (zone 2)."""
    fields: dict[str, object] = {
        "weight_g": 1_200,
        "length_mm": 300,
        "width_mm": 200,
        "height_mm": 100,
        "origin_country": "US",
        "origin_postcode": "90058",
        "dest_country": "US",
        "dest_postcode": "90210",
        "ship_date": SHIP,
    }
    fields.update(changes)
    return Parcel(**fields)  # type: ignore[arg-type]
