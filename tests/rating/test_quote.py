"""Prices of the demo card (tests/rating/cards.py), worked out by hand."""

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkstar.rating.core import (
    INELIGIBLE,
    Ineligible,
    Quote,
    QuoteLine,
    RateCard,
    Reason,
    SurchargeKind,
    compile_card,
    quote,
    quote_all,
    quote_totals,
)
from tests.rating.cards import demo_card, parcel
from tests.rating.strategies import cards, parcels

CARD = compile_card(demo_card())
GROUND, EXPRESS = CARD.service("GND"), CARD.service("EXP")

R = Reason


def lines(*pairs: tuple[str, int]) -> tuple[QuoteLine, ...]:
    return tuple(QuoteLine(code, amount) for code, amount in pairs)


@pytest.mark.parametrize(
    ("changes", "zone", "billable", "expected_lines", "total"),
    [
        # 1.2 kg, 30x20x10 cm = 1.2 kg dimensional; zone 2 bracket ≤ 2 kg = 12.00; residential
        # 3.55; fuel 10 % of 15.55 = 1.555 → 1.56 (half-up).
        ({"residential": True}, "2", 1200,
         [("base", 1200), ("residential", 355), ("fuel", 156)], 1711),
        # 40x30x25 cm = 6 kg dimensional beats 1 kg actual; 5 kg bracket 20.00 + one started
        # 1 kg step of 3.00; fuel 2.30.
        ({"weight_g": 1000, "length_mm": 400, "width_mm": 300, "height_mm": 250}, "2", 6000,
         [("base", 2300), ("fuel", 230)], 2530),
        # 300 g: bracket 7.00 is under the 8.00 minimum; fuel on 8.00.
        ({"weight_g": 300, "length_mm": 100, "width_mm": 100, "height_mm": 50}, "2", 300,
         [("base", 700), ("minimum_charge", 100), ("fuel", 80)], 880),
        # 1,201 g rounds up to 1,300 g (100 g steps): still the ≤ 2 kg bracket.
        ({"weight_g": 1201}, "2", 1300, [("base", 1200), ("fuel", 120)], 1320),
        # 2,001 g → 2,100 g: the ≤ 5 kg bracket.
        ({"weight_g": 2001}, "2", 2100, [("base", 2000), ("fuel", 200)], 2200),
        # Anchorage: zone 9, remote list 995..997.
        ({"dest_postcode": "99501", "weight_g": 800, "length_mm": 200, "width_mm": 150},
         "9", 800, [("base", 2500), ("remote", 800), ("fuel", 330)], 3630),
        # 99950 is on the extended list (999 and 99950), not the remote one.
        ({"dest_postcode": "99950", "weight_g": 800, "length_mm": 200, "width_mm": 150},
         "9", 800, [("base", 2500), ("extended_remote", 1200), ("fuel", 370)], 4070),
        # Peak in December: 5 % of the 12.00 transport charge = 0.60; fuel 10 % of 16.15.
        ({"residential": True, "ship_date": date(2024, 12, 10)}, "2", 1200,
         [("base", 1200), ("residential", 355), ("peak", 60), ("fuel", 162)], 1777),
        # Signature is not subject to fuel: fuel 10 % of 12.00 only.
        ({"signature": True}, "2", 1200,
         [("base", 1200), ("signature", 250), ("fuel", 120)], 1570),
        # From 2025 a fuel override of 12.5 %: 12.5 % of 15.55 = 1.94375 → 1.94.
        ({"residential": True, "ship_date": date(2025, 2, 3)}, "2", 1200,
         [("base", 1200), ("residential", 355), ("fuel", 194)], 1749),
        # 110 cm long: additional handling; 110x20x20 cm = 8.8 kg, 5 kg bracket + 4 steps.
        ({"weight_g": 2000, "length_mm": 1100, "width_mm": 200, "height_mm": 200}, "2", 8800,
         [("base", 3200), ("additional_handling", 1500), ("fuel", 470)], 5170),
        # Additional handling by weight (over 25 kg); 25,001 g → 25,100 g = 5 kg + 21 steps.
        ({"weight_g": 25_001}, "2", 25_100,
         [("base", 8300), ("additional_handling", 1500), ("fuel", 980)], 10_780),
        # Zone match order on the demo chart: exact 10001 → 5, prefix 100 → 7, prefix 94 beats
        # the range 940..949 → 4, everything else → 8.
        ({"dest_postcode": "10001"}, "5", 1200, [("base", 2700), ("fuel", 270)], 2970),
        ({"dest_postcode": "10002"}, "7", 1200, [("base", 1600), ("fuel", 160)], 1760),
        ({"dest_postcode": "94105"}, "4", 1200, [("base", 2500), ("fuel", 250)], 2750),
        ({"dest_postcode": "60601-1234"}, "8", 1200, [("base", 2100), ("fuel", 210)], 2310),
    ],
)  # fmt: skip
def test_ground_quotes(changes, zone, billable, expected_lines, total):
    result = quote(parcel(**changes), GROUND)
    assert isinstance(result, Quote), result
    assert (result.zone, result.billable_weight_g) == (zone, billable)
    assert result.lines == lines(*expected_lines)
    assert result.total == total == sum(line.amount for line in result.lines)
    assert quote_totals(parcel(**changes), [GROUND]) == [total]


def test_express_ddp_fee_on_declared_value():
    # Inches: 30x20x10 cm → 12x8x4 in = 384 in³ = 6,292.6 cm³ → 1,259 g; zone 2 ≤ 2 kg = 20.00;
    # DDP 1.00 + 2 % of 50.00 declared; no fuel on this service.
    result = quote(parcel(ddp=True, declared_value=5000, declared_currency="USD"), EXPRESS)
    assert isinstance(result, Quote)
    assert (result.dimensional_weight_g, result.billable_weight_g) == (1259, 1259)
    assert result.lines == lines(("base", 2000), ("ddp", 200))
    assert result.total == 2200


def test_declared_value_in_another_currency_is_refused():
    result = quote(parcel(ddp=True, declared_value=5000, declared_currency="EUR"), EXPRESS)
    assert isinstance(result, Ineligible)
    assert result.reasons == (R.currency_mismatch,)
    assert result.details == ("declared value in EUR, not USD",)


def test_express_serves_canada_and_ground_does_not():
    to_toronto = parcel(dest_country="CA", dest_postcode="m5v3l9")
    ground, express = quote_all(to_toronto, CARD)
    assert isinstance(ground, Ineligible) and ground.reasons == (R.destination_not_served,)
    assert isinstance(express, Quote) and (express.zone, express.total) == ("8", 3000)


@pytest.mark.parametrize(
    ("changes", "reasons", "details"),
    [
        ({"weight_g": 31_000}, [R.over_max_weight], ["31000 g > 30000 g"]),
        ({"length_mm": 1300}, [R.over_max_length], ["1300 mm > 1200 mm"]),
        ({"length_mm": 1000, "width_mm": 600, "height_mm": 450},
         [R.over_max_length_plus_girth], ["3100 mm > 3000 mm"]),
        ({"contents": frozenset({"Battery", "book"})}, [R.restricted_contents], ["battery"]),
        ({"po_box": True}, [R.po_box_not_allowed], ["po box not allowed"]),
        ({"dest_postcode": "09001"}, [R.military_not_allowed], ["military not allowed"]),
        ({"military": True}, [R.military_not_allowed], ["military not allowed"]),
        ({"ship_date": date(2023, 12, 31)}, [R.not_effective],
         ["ship date 2023-12-31 outside 2024-01-01..2025-12-31"]),
        ({"dest_postcode": "ABCDE"}, [R.invalid_postcode],
         ["'ABCDE' is not a valid US postcode"]),
        ({"origin_postcode": "10001"}, [R.origin_not_served], ["origin US 10001 not served"]),
        ({"dest_postcode": "10002", "weight_g": 3000}, [R.no_price],
         ["no price for zone 7 at 3000 g"]),
        ({"weight_g": 31_000, "length_mm": 1300, "contents": frozenset({"battery"})},
         [R.over_max_weight, R.over_max_length, R.restricted_contents],
         ["31000 g > 30000 g", "1300 mm > 1200 mm", "battery"]),
    ],
)  # fmt: skip
def test_ground_refusals(changes, reasons, details):
    result = quote(parcel(**changes), GROUND)
    assert isinstance(result, Ineligible)
    assert list(result.reasons) == reasons
    assert list(result.details) == details
    assert result.bits == sum(r.bit for r in reasons)
    assert quote_totals(parcel(**changes), [GROUND]) == [INELIGIBLE]


def test_express_refusals():
    assert quote(parcel(signature=True), EXPRESS).reasons == (R.signature_not_available,)
    # EXP serves every origin, but the chart has no block for New York: no zone.
    from_new_york = quote(parcel(origin_postcode="10001"), EXPRESS)
    assert from_new_york.reasons == (R.no_zone,)
    assert from_new_york.details == ("no zone in chart demo",)
    assert quote(parcel(dest_country="MX", dest_postcode="01000"), EXPRESS).reasons == (
        R.destination_not_served,
    )


def test_a_service_own_row_comes_before_the_carriers():
    card = demo_card()
    own = replace(card.surcharges[1], service_id="GND", amount=500)  # remote, GND only
    compiled = compile_card(RateCard(card.services, card.zone_charts, card.brackets,
                                     card.steps, (*card.surcharges, own)))  # fmt: skip
    result = quote(parcel(dest_postcode="99501", weight_g=800), compiled.service("GND"))
    assert ("remote", 500) in [(line.code, line.amount) for line in result.lines]
    kinds = [s.kind for s in compiled.service("GND").surcharges]
    assert kinds == sorted(kinds, key=list(SurchargeKind).index)


def test_quote_all_matches_quote_and_totals():
    for changes in ({}, {"residential": True}, {"weight_g": 31_000}, {"dest_country": "CA"}):
        p = parcel(**changes)
        each = [quote(p, s) for s in CARD.services]
        assert quote_all(p, CARD) == each
        assert quote_totals(p, CARD) == [
            r.total if isinstance(r, Quote) else INELIGIBLE for r in each
        ]


def _monotone_card(card: RateCard) -> RateCard:
    # A later row of a kind may be dearer than an earlier one with a weight threshold, and a
    # fuel override may lower the rate: cards can be written so that weight makes a parcel
    # cheaper. Keep threshold rows only where no other row of their kind could be displaced.
    kinds = [(s.carrier, s.kind) for s in card.surcharges]
    kept = tuple(
        s
        for s in card.surcharges
        if not s.has_thresholds
        or (kinds.count((s.carrier, s.kind)) == 1 and s.kind is not SurchargeKind.fuel_override)
    )
    return replace(card, surcharges=kept)


@settings(max_examples=200)
@given(cards(), parcels(), st.integers(1, 20_000))
def test_more_weight_is_never_cheaper(card, light, extra):
    compiled = compile_card(_monotone_card(card))
    heavy = replace(light, weight_g=min(light.weight_g + extra, 40_000))
    for a, b in zip(quote_totals(light, compiled), quote_totals(heavy, compiled), strict=True):
        if a != INELIGIBLE and b != INELIGIBLE:
            assert a <= b
