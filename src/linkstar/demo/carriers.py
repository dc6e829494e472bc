"""The demo carrier catalogue as data: carriers, services, weight ladders and surcharges.

Prices are invented but shaped like real 2026 retail cards; `linkstar.demo.rating` turns this
catalogue into importable tables. The shapes (Ladder, DemoService, DemoCarrier) are
`demo.carrier_model`.
"""

from __future__ import annotations

from linkstar.demo.carrier_model import LB, DemoCarrier, DemoService, Ladder

USPS_CHART = "usps-2018-06"
EFFECTIVE = "2026-01-01"
PEAK = ("2026-10-01", "2027-01-31")


PRIORS: dict[str, tuple[str, str, str, str]] = {
    "USNP-GA": ("3", "5", "92", "98.6"),
    "USNP-ECO": ("5", "8", "88", "98.2"),
    "USNP-PRI": ("2", "3", "93", "99.0"),
    "USNP-EXP": ("1", "2", "96", "99.4"),
    "PN-GND": ("3", "5", "95", "99.3"),
    "PN-3DS": ("3", "3.5", "96", "99.4"),
    "PN-2DA": ("2", "2.5", "97", "99.5"),
    "SW-HOME": ("3", "5", "94", "99.2"),
    "SW-SAVER": ("4", "7", "90", "98.8"),
    "SW-2DAY": ("2", "2.5", "96", "99.5"),
    "OW-GND": ("2", "3", "93", "98.9"),
    "OW-NEXT": ("1", "1.5", "95", "99.2"),
    "EL-GND": ("2", "3", "91", "98.5"),
    "EL-NEXT": ("1", "1.5", "94", "99.0"),
    "SU-ECO": ("5", "9", "85", "97.5"),
    "SU-PRI": ("3", "5", "90", "98.4"),
    "UKP-T48": ("2", "3", "93", "99.1"),
    "UKP-T24": ("1", "2", "94", "99.2"),
    "PH-NEXT": ("1", "2", "92", "98.8"),
    "PH-48": ("2", "3", "93", "99.0"),
    "PH-72": ("3", "4", "92", "99.0"),
}

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
