"""Rate card validation: single fields in the dataclasses, tables across in compile_card."""

from dataclasses import replace
from datetime import date

import pytest

from linkstar.kit.errors import InvalidInput
from linkstar.rating.core import (
    PostcodeSet,
    PriceBracket,
    PriceStep,
    RateCard,
    RateCardError,
    Surcharge,
    SurchargeKind,
    compile_card,
)
from linkstar.rating.core.prices import build_price_table
from tests.rating.cards import demo_card, ground


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"currency": "usd"}, "ISO 4217"),
        ({"dest_countries": frozenset()}, "dest_countries"),
        ({"dim_divisor": 0}, "dim_divisor"),
        ({"weight_rounding_g": 0}, "weight_rounding_g"),
        ({"max_weight_g": -1}, "max_weight_g"),
        ({"fuel_bp": -5}, "fuel"),
        ({"min_charge": -1}, "min_charge"),
        ({"effective_from": date(2025, 1, 2), "effective_to": date(2025, 1, 1)}, "after"),
        ({"origin_postcodes": PostcodeSet.parse("CA", ["M5V"])}, "another country"),
    ],
)
def test_service_fields_are_checked(changes, message):
    with pytest.raises(ValueError, match=message):
        ground(**changes)


def test_service_normalises_codes():
    service = ground(dest_countries=frozenset({"us", "uk"}), restricted=frozenset({"Battery"}))
    assert service.dest_countries == {"US", "GB"} and service.restricted == {"battery"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": SurchargeKind.remote}, "needs postcodes"),
        ({"kind": SurchargeKind.oversize}, "threshold"),
        ({"kind": SurchargeKind.fuel_override, "amount": 5}, "percentage, not an amount"),
        ({"kind": SurchargeKind.peak, "amount": -1}, "amount"),
        ({"kind": SurchargeKind.peak, "percent_bp": 100_001}, "percent"),
        ({"kind": SurchargeKind.peak, "over_weight_g": 0}, "over_weight_g"),
    ],
)
def test_surcharge_fields_are_checked(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Surcharge("acme", None, **kwargs)


def test_price_table_brackets_and_steps():
    brackets = [PriceBracket("S", "1", w, p) for w, p in [(500, 700), (1000, 900), (5000, 2000)]]
    steps = [PriceStep("S", "1", 5000, 1000, 300), PriceStep("S", "1", 10_000, 5000, 1000)]
    table, problem = build_price_table(brackets, steps)
    assert problem is None
    prices = {
        w: table.price(w) for w in (1, 500, 501, 1000, 5000, 5001, 6000, 10_000, 10_001, 20_000)
    }
    assert prices == {
        1: 700, 500: 700, 501: 900, 1000: 900, 5000: 2000,
        5001: 2300, 6000: 2300,  # one started 1 kg step
        10_000: 3500,  # 5 steps of 1 kg
        10_001: 4500, 20_000: 5500,  # then 5 kg steps on top of the price at 10 kg
    }  # fmt: skip


def test_price_table_of_steps_only():
    table, problem = build_price_table([], [PriceStep("S", "1", 0, 500, 150)])
    assert problem is None
    assert [table.price(w) for w in (1, 500, 501, 1500)] == [150, 150, 300, 450]
    assert build_price_table([PriceBracket("S", "1", 500, 700)], [])[0].price(501) is None


@pytest.mark.parametrize(
    ("brackets", "steps", "problem"),
    [
        ([(500, 900), (1000, 700)], [], "price falls from 900 at 500 g to 700 at 501 g"),
        ([(500, 900)], [(600, 100, 10)], "no price at from_weight_g 600"),
        ([(500, 900), (1000, 1000)], [(500, 100, 1)], "price falls"),
    ],
)
def test_price_tables_that_cannot_be_used(brackets, steps, problem):
    _, found = build_price_table(
        [PriceBracket("S", "1", w, p) for w, p in brackets],
        [PriceStep("S", "1", *s) for s in steps],
    )
    assert found is not None and found.startswith(problem)


def test_compile_reports_every_problem_at_once():
    card = demo_card()
    bad = RateCard(
        services=(*card.services, card.services[0], replace(card.services[1], service_id="X",
                                                             zone_chart="nowhere")),
        zone_charts=card.zone_charts,
        brackets=(
            *card.brackets,
            PriceBracket("NOPE", "2", 500, 1),
            PriceBracket("GND", "6", 500, 1),  # zone 6 is not on the demo chart
            PriceBracket("GND", "2", 500, 1),  # duplicate weight
            PriceBracket("GND", "3", 500, 900),
            PriceBracket("GND", "3", 1000, 800),  # cheaper for more weight
        ),
        steps=card.steps,
        surcharges=(
            *card.surcharges,
            Surcharge("acme", "NOPE", SurchargeKind.peak, amount=1),
            Surcharge("nobody", None, SurchargeKind.peak, amount=1),
        ),
    )  # fmt: skip
    with pytest.raises(RateCardError) as error:
        compile_card(bad)
    found = [(p.table, p.row, p.field) for p in error.value.problems]
    assert found == [
        ("services", 2, "service_id"),
        ("services", 3, "zone_chart"),
        ("prices", 20, "service_id"),
        ("prices", 21, "zone"),
        ("prices", 22, "zone"),
        ("surcharges", 8, "service_id"),
        ("surcharges", 9, "carrier"),
        ("prices", 23, "price"),
    ]
    assert error.value.problems[-1].message == (
        "GND zone 3: price falls from 900 at 500 g to 800 at 501 g"
    )
    assert isinstance(error.value, InvalidInput)
    assert "8 problem(s)" in error.value.message


def test_carrier_wide_amounts_need_one_currency():
    card = demo_card()
    euro = replace(card.services[0], service_id="GND-EU", currency="EUR")
    with pytest.raises(RateCardError, match="several currencies"):
        compile_card(replace(card, services=(*card.services, euro)))
