"""The vectorised pricer gives the scalar pricer's totals and reasons, cell by cell."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linkstar.rating.core import (
    INELIGIBLE,
    Parcel,
    ParcelBatch,
    Quote,
    RateCard,
    compile_card,
    load_usps_zone_chart,
    price_batch,
    quote_all,
    quote_totals,
    reasons_from_bits,
)
from tests.rating.cards import SHIP, demo_card, parcel
from tests.rating.strategies import VOCAB, cards, parcels

CHART = Path(__file__).parents[3] / "shared" / "data" / "usps_zone_chart_2018-06_zip3_ranges.csv.gz"


def batch_of(items: list[Parcel], digits: int = 5, currency: str = "USD") -> ParcelBatch:
    """The parcels as columns (they share origin, destination country and ship date)."""

    def column(read, dtype=np.int64):
        return np.array([read(p) for p in items], dtype=dtype)

    first = items[0]
    return ParcelBatch(
        weight_g=column(lambda p: p.weight_g),
        length_mm=column(lambda p: p.length_mm),
        width_mm=column(lambda p: p.width_mm),
        height_mm=column(lambda p: p.height_mm),
        dest_postcode=column(lambda p: int(p.dest_postcode[:5]) // 10 ** (5 - digits)),
        residential=column(lambda p: p.residential, bool),
        origin_country=first.origin_country,
        origin_postcode=first.origin_postcode,
        dest_country=first.dest_country,
        ship_date=first.ship_date,
        postcode_digits=digits,
        signature=column(lambda p: p.signature, bool),
        ddp=column(lambda p: p.ddp, bool),
        po_box=column(lambda p: p.po_box, bool),
        military=column(lambda p: p.military, bool),
        contents=column(lambda p: sum(1 << i for i, c in enumerate(VOCAB) if c in p.contents)),
        contents_vocab=VOCAB,
        declared_value=column(lambda p: p.declared_value),
        declared_currency=currency,
    )


def assert_same(card: RateCard, items: list[Parcel], digits: int = 5, currency: str = "USD"):
    compiled = compile_card(card)
    batch = batch_of(items, digits, currency)
    matrix = price_batch(batch, compiled.services, reasons=True)
    plain = price_batch(batch, compiled.services)
    assert plain.reasons is None and matrix.reasons is not None
    assert np.array_equal(plain.totals, matrix.totals)
    assert matrix.totals.shape == (len(items), len(compiled.services))
    for i, item in enumerate(items):
        assert quote_totals(item, compiled) == matrix.totals[i].tolist()
        for j, result in enumerate(quote_all(item, compiled)):
            bits = int(matrix.reasons[i, j])
            if isinstance(result, Quote):
                assert (matrix.totals[i, j], bits) == (result.total, 0), (i, j, result)
            else:
                assert matrix.totals[i, j] == INELIGIBLE
                assert reasons_from_bits(bits) == result.reasons, (i, j, result)


many_parcels = st.lists(parcels(), min_size=1, max_size=40)
slow_ok = settings(max_examples=150, suppress_health_check=list(HealthCheck))


@slow_ok
@given(cards(), many_parcels)
def test_vectorised_equals_scalar_on_zip5(card, items):
    items = [replace(p, declared_currency="USD") for p in items]
    assert_same(card, items)


@slow_ok
@given(cards(max_width=3), many_parcels, st.sampled_from(["USD", "EUR"]))
def test_vectorised_equals_scalar_on_zip3(card, items, currency):
    # Charts and lists of at most 3 digits decide on ZIP3s; declared values may be refused.
    items = [replace(p, declared_currency=currency) for p in items]
    assert_same(card, items, digits=3, currency=currency)


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"residential": True},
        {"dest_postcode": "99501", "weight_g": 800},
        {"dest_postcode": "99950", "signature": True, "ddp": True},
        {"weight_g": 25_001, "length_mm": 1100},
        {"weight_g": 31_000, "contents": frozenset({"battery"}), "po_box": True},
        {"dest_postcode": "09001"},
        {"dest_postcode": "10002", "weight_g": 3000},
    ],
)
@pytest.mark.parametrize("ship", [SHIP, SHIP.replace(month=12), SHIP.replace(year=2025)])
def test_vectorised_equals_scalar_on_the_demo_card(changes, ship):
    item = parcel(ship_date=ship, declared_currency="USD", declared_value=4321, **changes)
    assert_same(demo_card(), [item, replace(item, residential=not item.residential)])


def test_origin_or_country_not_served_refuses_the_whole_column():
    compiled = compile_card(demo_card())
    from_new_york = batch_of([parcel(origin_postcode="10001")] * 3)
    matrix = price_batch(from_new_york, compiled.services, reasons=True)
    assert (matrix.totals == INELIGIBLE).all()
    assert [reasons_from_bits(int(b)) for b in matrix.reasons[0]] == [
        ("origin_not_served",),
        ("no_zone",),
    ]


def test_cheapest_service_per_parcel():
    compiled = compile_card(demo_card())
    items = [parcel(), parcel(signature=True), parcel(weight_g=31_000, length_mm=1300)]
    totals = price_batch(batch_of(items), compiled.services).totals
    assert totals.tolist() == [[1320, 2000], [1570, INELIGIBLE], [INELIGIBLE, INELIGIBLE]]
    best = totals.argmin(axis=1)
    assert best.tolist()[:2] == [0, 0]
    assert (totals.min(axis=1) == INELIGIBLE).tolist() == [False, False, True]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"weight_g": np.array([0])}, "weight_g must lie in"),
        ({"length_mm": np.array([-1])}, "length_mm must lie in"),
        ({"dest_postcode": np.array([100_000])}, "dest_postcode must lie in"),
        ({"residential": np.array([True, False])}, "one value per parcel"),
        ({"dest_country": "GB"}, "no all-digit postcodes"),
        ({"postcode_digits": 6}, "no all-digit postcodes"),
        ({"contents": np.array([16])}, "contents must lie in"),
    ],
)
def test_batches_are_checked(changes, message):
    base = batch_of([parcel()])
    with pytest.raises(ValueError, match=message):
        replace(base, **changes)


def test_optional_columns_default_to_false():
    compiled = compile_card(demo_card())
    batch = ParcelBatch(
        weight_g=[1200, 1200],
        length_mm=[300, 300],
        width_mm=[200, 200],
        height_mm=[100, 100],
        dest_postcode=[90210, 9001],
        residential=[True, False],
        origin_country="us",
        origin_postcode="90058",
        dest_country="us",
        ship_date=SHIP,
    )
    totals = price_batch(batch, compiled.services).totals
    # 09001 is a military ZIP: Ground refuses it even without a military column.
    assert totals.tolist() == [[1711, 2000], [INELIGIBLE, 3000]]


def test_real_usps_chart_batch():
    if not CHART.exists():
        pytest.skip(f"{CHART} is absent: the shared data folder beside the checkout is needed")
    card = demo_card()
    usps = load_usps_zone_chart(CHART)
    ground = replace(card.services[0], zone_chart="usps")
    prices = tuple(
        replace(b, zone=zone)
        for b in card.brackets
        if b.service_id == "GND" and b.zone == "8"
        for zone in "123456789"
    )
    acme = tuple(s for s in card.surcharges if s.carrier == "acme")
    real = RateCard((ground,), {"usps": usps}, prices, (), acme)
    rng = np.random.default_rng(3)
    zips = [f"{z:05d}" for z in rng.integers(0, 100_000, 300)] + ["10001", "00001", "96910"]
    weights = rng.integers(1, 6000, len(zips))
    items = [parcel(dest_postcode=z, weight_g=int(w)) for z, w in zip(zips, weights, strict=True)]
    assert_same(real, items)
    compiled = compile_card(real)
    assert quote(parcel(dest_postcode="10001"), compiled) == 2310  # zone 8: 21.00 + fuel


def quote(item: Parcel, compiled) -> int:
    return quote_totals(item, compiled)[0]
