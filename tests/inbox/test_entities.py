"""Entities: exact values, types and spans."""

import pytest

from linkstar.inbox.core.entities import MAX_REFERENCES, extract_entities, reference_candidates


def found(text):
    return [(e.type, e.value) for e in extract_entities(text)]


def test_amazon_ebay_shopify_and_generic_order_ids():
    assert found("Amazon order 112-3456789-1234567 please") == [("order_id", "112-3456789-1234567")]
    assert found("eBay order 12-34567-89012 not here") == [("order_id", "12-34567-89012")]
    assert found("Shopify order #1001 is late") == [("order_id", "#1001")]
    assert found("cancel purchase 732201349959") == [("order_id", "732201349959")]
    assert found("pedido nº 45871 no llegó") == [("order_id", "45871")]
    assert found("Bestellnummer: AB-99812") == [("order_id", "AB-99812")]
    assert found("订单号 778899") == [("order_id", "778899")]


def test_order_id_details_and_span():
    text = "Order 112-3456789-1234567 is late"
    (entity,) = extract_entities(text)
    assert entity.detail == {"format": "amazon"}
    assert text[entity.start : entity.end] == "112-3456789-1234567"


@pytest.mark.parametrize(
    ("text", "number", "carrier"),
    [
        ("UPS says 1Z5R89390357567127 is stuck", "1Z5R89390357567127", "ups"),
        ("USPS tracking 9400111201080805483016", "9400111201080805483016", "usps"),
        ("China Post LX123456785CN never arrived", "LX123456785CN", "china_post"),
    ],
)
def test_tracking_numbers_use_the_tracking_detector(text, number, carrier):
    (entity,) = [e for e in extract_entities(text) if e.type == "tracking_number"]
    assert entity.value == number
    assert entity.detail["carrier"] == carrier


def test_a_weak_tracking_shape_needs_a_tracking_word():
    assert found("my number is 986578788855") == []
    assert found("tracking 986578788855 shows nothing") == [("tracking_number", "986578788855")]


def test_quantities_with_units():
    assert found("We need 500 pcs") == [("quantity", "500")]
    assert found("about 2,000 units per month") == [("quantity", "2000")]
    assert found("Wir brauchen 1.000 Stück") == [("quantity", "1000")]
    assert found("我们需要500件") == [("quantity", "500")]


def test_prices_with_currency_and_per_unit():
    (price,) = extract_entities("Can you do $3.20 per unit?")
    assert (price.type, price.value, price.detail) == (
        "price",
        "3.20",
        {"currency": "USD", "per_unit": True},
    )
    (price,) = extract_entities("Le prix: 3,20 € l'unité")
    assert (price.value, price.detail["currency"], price.detail["per_unit"]) == (
        "3.20",
        "EUR",
        True,
    )
    (price,) = extract_entities("total 1.299,50 EUR")
    assert (price.value, price.detail["per_unit"]) == ("1299.50", False)
    (price,) = extract_entities("Ofereço R$ 45")
    assert (price.value, price.detail["currency"]) == ("45.00", "BRL")


def test_skus_and_asins():
    assert found("SKU: MUG-CER-350 is out of stock") == [("sku", "MUG-CER-350")]
    assert found("ASIN B08N5WRWNW question") == [("sku", "B08N5WRWNW")]
    assert found("型号：AB-123") == [("sku", "AB-123")]


def test_emails_and_phones():
    assert found("write to Ann.B@Example.com") == [("email", "ann.b@example.com")]
    assert found("call me at +44 20 7946 0958") == [("phone", "+442079460958")]
    assert found("call 212-555-0187") == [("phone", "+12125550187")]


def test_everything_in_one_message_in_order():
    text = (
        "Order 112-3456789-1234567: we want 2,000 units of SKU AB-1234 at $3.20 per unit, "
        "reply to buyer@shop.de"
    )
    assert found(text) == [
        ("order_id", "112-3456789-1234567"),
        ("quantity", "2000"),
        ("sku", "AB-1234"),
        ("price", "3.20"),
        ("email", "buyer@shop.de"),
    ]


def test_nothing_in_plain_text():
    assert extract_entities("Hello, is this available in blue?") == ()


def test_reference_candidates_are_any_long_token_with_a_digit():
    text = (
        "Re: LSUPS00001234\nparcel ls-dhl-0000-0077 (order 112-3456789-1234567), ABCDEFGHIJ 1234567"
    )
    assert reference_candidates(text) == ("LSUPS00001234", "LSDHL00000077", "11234567891234567")
    many = " ".join(f"N{i:08d}" for i in range(MAX_REFERENCES + 5))
    assert len(reference_candidates(many)) == MAX_REFERENCES
    assert reference_candidates("x" * 70 + "1") == ()  # longer than a stored number can be
