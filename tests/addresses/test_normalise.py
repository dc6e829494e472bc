"""Normalisation: USPS Publication 28 lines, ZIPs, postcodes, text hygiene, countries."""

import pytest

from linkstar.addresses.core import AddressInput, normalise
from linkstar.addresses.core.intl import standard_postcode
from linkstar.addresses.core.normalise import country_code
from linkstar.addresses.core.pub28 import DIRECTIONALS, SUFFIXES, UNITS
from linkstar.addresses.core.text import clean, fix_case
from linkstar.addresses.core.us import standard_line, standard_line2, standard_zip


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("123 north main street apt. #4b", "123 N MAIN ST APT 4B"),
        ("4500 W. Sunset Boulevard, Suite 200", "4500 W SUNSET BLVD STE 200"),
        ("1600 Pennsylvania Avenue Northwest", "1600 PENNSYLVANIA AVE NW"),
        ("100 North Street", "100 NORTH ST"),
        ("100 North Main", "100 N MAIN"),
        ("350 Fifth Avenue Floor 3", "350 FIFTH AVE FL 3"),
        ("2200 Mission College Blvd Bldg 5", "2200 MISSION COLLEGE BLVD BLDG 5"),
        ("77 Massachusetts Avenue Room 10-250", "77 MASSACHUSETTS AVE RM 10-250"),
        ("500 Main St #12", "500 MAIN ST # 12"),
        ("500 Main St Apt #12", "500 MAIN ST APT 12"),
        ("12 Oak Hollow Circle", "12 OAK HOLLOW CIR"),
        ("9 Sunrise Parkway", "9 SUNRISE PKWY"),
        ("31 Ocean Hwy", "31 OCEAN HWY"),
        ("8 Canyon Crossing", "8 CANYON XING"),
        ("5 Elm Terrace Lot 7", "5 ELM TER LOT 7"),
        ("1 Infinite Loop", "1 INFINITE LOOP"),
        ("42 Court Street South", "42 COURT ST S"),
        ("P.O. Box 1234", "PO BOX 1234"),
        ("Post Office Box 9", "PO BOX 9"),
        ("POB 77", "PO BOX 77"),
        ("PSC 1234 Box 5678", "PSC 1234 BOX 5678"),
        ("Unit 2050 Box 4190", "UNIT 2050 BOX 4190"),
        ("", ""),
    ],
)
def test_pub28_lines(raw, expected):
    assert standard_line(raw) == expected
    assert standard_line(expected) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("suite #200", "STE 200"), ("#12", "# 12"), ("apartment 3", "APT 3"), ("c/o Bob", "C/O BOB")],
)
def test_second_lines(raw, expected):
    assert standard_line2(raw) == expected


def test_tables_map_standard_forms_to_themselves():
    for table in (SUFFIXES, UNITS, DIRECTIONALS):
        assert all(table[v] == v for v in table.values())
    assert SUFFIXES["AVENUE"] == "AVE" and SUFFIXES["BOULEVARD"] == "BLVD"
    assert UNITS["SUITE"] == "STE" and DIRECTIONALS["NORTHWEST"] == "NW"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("94043", ("94043", "")), ("94043-1351", ("94043-1351", "")),
     ("940431351", ("94043-1351", "")), ("94043 1351", ("94043-1351", "")),
     ("2134", ("02134", "zip_zero_padded")), ("ABCDE", ("ABCDE", ""))],
)  # fmt: skip
def test_zip(raw, expected):
    assert standard_zip(raw) == expected


@pytest.mark.parametrize(
    ("country", "raw", "expected"),
    [("GB", "sw1a1aa", "SW1A 1AA"), ("GB", "ec1y 8sy", "EC1Y 8SY"), ("CA", "k1a0b1", "K1A 0B1"),
     ("JP", "1000001", "100-0001"), ("BR", "01310100", "01310-100"), ("NL", "1234ab", "1234 AB"),
     ("FR", "75 001", "75001"), ("DE", "10117", "10117"), ("PL", "00950", "00-950")],
)  # fmt: skip
def test_postcodes(country, raw, expected):
    assert standard_postcode(country, raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("  a \t b\n", "a b"), ("x\x00y", "xy"), ("\uff21\uff22\uff23", "ABC"), ("\u202eevil", "evil"),
     ("a\u200bb", "ab"), ("Straße", "Straße"), (" , x ,", "x")],
)  # fmt: skip
def test_clean(raw, expected):
    assert clean(raw) == (expected, False)


def test_clean_cuts_megabyte_fields():
    text, too_long = clean("a" * 1_000_000)
    assert too_long and len(text) == 200


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("JOHN SMITH", "John Smith"), ("mary o'brien", "Mary O'Brien"), ("McDonald", "McDonald"),
     ("joe's diner", "Joe's Diner"), ("123", "123")],
)  # fmt: skip
def test_fix_case(raw, expected):
    assert fix_case(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("us", "US"), ("USA", "US"), ("United States", "US"), ("uk", "GB"), ("Germany", "DE"),
     ("DEU", "DE"), ("中国", "CN"), ("Narnia", ""), ("", "")],
)  # fmt: skip
def test_country_codes(raw, expected):
    assert country_code(raw) == expected


def test_normalise_keeps_what_it_cannot_improve():
    address = AddressInput(
        id="7",
        line1="Hauptstraße 5",
        city="Berlin",
        postcode="10115",
        country="DE",
        phone="not a phone",
    )
    result = normalise(address)
    assert result.id == "7" and result.line1 == "Hauptstraße 5" and result.phone == "not a phone"
    assert normalise(result) == result
