"""SKU mapping: store over channel scope, identity fallback, bundle explosion to the cent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from linkstar.kit.errors import InvalidInput
from linkstar.orders.core.skus import (
    Component,
    InputLine,
    SkuMap,
    SkuMapping,
    components_from_text,
    explode,
)

SKUS = SkuMap(
    [
        SkuMapping("MUG-1", "HP-85123A", channel="amazon"),
        SkuMapping("MUG-1", "HP-85099B", store_id="st-2"),
        SkuMapping(
            "KIT-3",
            components=(Component("HP-A", 1), Component("HP-B", 1), Component("HP-C", 1)),
            channel="amazon",
        ),
    ]
)


def line(sku: str, qty: int = 1, price: str = "10.00") -> InputLine:
    return InputLine("L1", sku, qty, Decimal(price), "title")


def test_store_mapping_wins_over_channel_mapping():
    assert explode([line("MUG-1")], "st-1", "amazon", SKUS)[0][0].master_sku == "HP-85123A"
    assert explode([line("MUG-1")], "st-2", "amazon", SKUS)[0][0].master_sku == "HP-85099B"
    assert explode([line("MUG-1")], "st-3", "shopify", SKUS)[0][0].master_sku == "MUG-1"


def test_unmapped_skus_are_their_own_master_and_reported_once():
    lines, unmapped = explode([line("NEW-9"), line("NEW-9"), line("MUG-1")], "s", "amazon", SKUS)
    assert [x.master_sku for x in lines] == ["NEW-9", "NEW-9", "HP-85123A"]
    assert unmapped == ["NEW-9"]


def test_bundle_price_is_shared_to_the_cent_and_adds_up():
    lines, _ = explode([line("KIT-3", qty=2, price="10.00")], "s", "amazon", SKUS)
    assert [(x.master_sku, x.quantity, x.component_of) for x in lines] == [
        ("HP-A", 2, "KIT-3"),
        ("HP-B", 2, "KIT-3"),
        ("HP-C", 2, "KIT-3"),
    ]
    assert [x.unit_price for x in lines] == [Decimal("3.33"), Decimal("3.33"), Decimal("3.34")]
    assert sum(x.unit_price for x in lines) == Decimal("10.00")


def test_component_quantities_multiply():
    skus = SkuMap([SkuMapping("TWIN", components=(Component("HP-X", 2),), channel="tiktok")])
    (only,), _ = explode([line("TWIN", qty=3, price="9.00")], "s", "tiktok", skus)
    assert (only.master_sku, only.quantity, only.unit_price) == ("HP-X", 6, Decimal("4.5000"))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"master_sku": "X", "store_id": "s", "channel": "amazon"}, "not both"),
        ({"master_sku": "X"}, "not both"),
        ({"store_id": "s"}, "master_sku or bundle"),
        ({"master_sku": "X", "components": (Component("Y", 1),), "store_id": "s"}, "not both"),
        ({"components": (Component("Y", 0),), "store_id": "s"}, "at least 1"),
        ({"components": (Component("Y", 1), Component("Y", 2)), "store_id": "s"}, "twice"),
        ({"master_sku": " ", "store_id": "s"}, "must not be empty"),
    ],
)
def test_bad_mappings_are_refused(kwargs, message):
    with pytest.raises(InvalidInput, match=message):
        SkuMapping("SKU", **kwargs)


def test_components_from_csv_text():
    assert components_from_text("HP-A*2| HP-B |") == (Component("HP-A", 2), Component("HP-B", 1))
    with pytest.raises(InvalidInput, match="whole number"):
        components_from_text("HP-A*two")
