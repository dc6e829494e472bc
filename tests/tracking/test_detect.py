"""Carrier detection from the number alone: real formats, computed check digits, typos."""

from __future__ import annotations

import pytest

from linkstar.tracking.core import FORMATS, CheckDigit, best_carrier, detect_carriers
from linkstar.tracking.core.numbers import (
    fedex_mod11_check_digit,
    gs1_mod10_check_digit,
    mod7_check_digit,
    normalise_tracking_number,
    s10_check_digit,
    ups_check_digit,
)
from tests.tracking.factories import dhl_express, fedex_12, fedex_96, impb, s10, ups, wrong_check

HIGH = 0.8  # "detected with high confidence"
FULL_WIDTH = "".join(chr(ord(ch) + 0xFEE0) for ch in "RR123456785CN")  # U+FF21.. forms


def top(number: str):
    candidates = detect_carriers(number)
    assert candidates, f"nothing detected for {number!r}"
    return candidates[0]


# --- check-digit algorithms against published vectors --------------------------------------


@pytest.mark.parametrize(
    ("body", "check"),
    [
        ("591580685558773", 6),  # CPAN Algorithm::CheckDigits::M10_011 example
        ("5R8939035756712", 7),
        ("879E93034683444", 0),
        ("999AA1012345678", 4),  # the sample number printed in UPS developer guides
    ],
)
def test_ups_check_digit(body, check):
    assert ups_check_digit(body) == check


@pytest.mark.parametrize(
    ("serial", "check"),
    [("00071759", 5), ("47110815", 1), ("12345678", 5), ("00071758", 1), ("96633102", 0)],
)
def test_s10_check_digit_including_the_10_and_11_rules(serial, check):
    assert s10_check_digit(serial) == check


def test_s10_remainder_rules_map_10_to_0_and_11_to_5():
    # weights 8,6,4,2,3,5,9,7: sum 1 -> 11-1 = 10 -> 0 ; sum 0 -> 11 -> 5
    assert s10_check_digit("00000000") == 5
    assert s10_check_digit("00000001") == 4  # 7 -> 11-7
    assert s10_check_digit("00000010") == 2  # 9 -> 11-9


@pytest.mark.parametrize(
    "number",
    ["9400111201080805483016", "9361289878700317633795", "9505511069605048600624"],
)
def test_gs1_mod10_on_impb_numbers(number):
    assert gs1_mod10_check_digit(number[:-1]) == int(number[-1])


@pytest.mark.parametrize("number", ["986578788855", "477179081230", "799531274483"])
def test_fedex_mod11(number):
    assert fedex_mod11_check_digit(number[:-1]) == int(number[-1])


def test_mod7_and_garbage_inputs_give_none():
    assert mod7_check_digit("331881002") == 5
    assert gs1_mod10_check_digit("12a4") is None
    assert gs1_mod10_check_digit("") is None
    assert ups_check_digit("SHORT") is None
    assert s10_check_digit("١٢٣٤٥٦٧٨") is None  # Arabic-Indic digits are not ASCII digits
    assert fedex_mod11_check_digit("x") is None


# --- input normalisation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("1z 591580 68 5558 7736", "1Z5915806855587736"),
        ("rr-123-456-785-gb", "RR123456785GB"),
        ("\t9400 1112 0108 0805 4830 16\n", "9400111201080805483016"),
        (FULL_WIDTH, "RR123456785CN"),  # as typed on a Chinese input method
        ("LP00\u2013724622449605", "LP00724622449605"),  # en dash
    ],
)
def test_normalise_strips_spaces_dashes_and_upper_cases(raw, normalised):
    assert normalise_tracking_number(raw) == normalised


# --- every documented format detects its own example -----------------------------------------


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.id)
def test_every_format_detects_its_example_and_names_a_source(fmt):
    assert fmt.source and fmt.pattern and fmt.check
    assert fmt.id in [c.format_id for c in detect_carriers(fmt.example)]


# --- real-format numbers ---------------------------------------------------------------------

VALID = [
    # (number, carrier, format_id, minimum confidence)
    ("1Z5R89390357567127", "ups", "ups_1z", 0.95),
    ("1Z879E930346834440", "ups", "ups_1z", 0.95),
    ("1Z410E7W0392751591", "ups", "ups_1z", 0.95),
    ("1Z 999 AA1 01 2345 6784", "ups", "ups_1z", 0.95),
    (ups("4V3E70", "03", "1234567"), "ups", "ups_1z", 0.95),
    (ups("A1B2C3", "66", "ZZ00001"), "ups", "ups_1z", 0.95),
    ("9400111201080805483016", "usps", "usps_impb", 0.95),
    ("9361289878700317633795", "usps", "usps_impb", 0.95),
    ("9505511069605048600624", "usps", "usps_impb", 0.95),
    ("9205590164917312751089", "usps", "usps_impb", 0.95),
    ("92748931507708513018050063", "usps", "usps_impb", 0.95),
    ("9101123456789000000013", "usps", "usps_impb", 0.85),
    (impb("940011189922385548371"), "usps", "usps_impb", 0.95),
    ("420 22153 9101026837331000039521", "usps", "usps_impb", 0.85),
    ("4201002334249200190132607600833457", "usps", "usps_impb", 0.95),
    ("42090210" + impb("940010899999999999999"), "usps", "usps_impb", 0.95),
    ("EA123456785US", "usps", "upu_s10", 0.95),
    ("03071790000523483741", "usps", "usps_20", 0.4),
    ("986578788855", "fedex", "fedex_12", 0.6),
    ("790535312317", "fedex", "fedex_12", 0.6),
    (fedex_12("77712345678"), "fedex", "fedex_12", 0.6),
    ("041441760228964", "fedex", "fedex_15", 0.55),
    ("122816215025810", "fedex", "fedex_15", 0.55),  # FedEx sandbox, delivered
    ("61292701078443410536", "fedex", "fedex_20", 0.55),  # FedEx sandbox, SmartPost
    ("9611020987654312345672", "fedex", "fedex_96", 0.9),
    (fedex_96("11020", "12345670000001"), "fedex", "fedex_96", 0.9),
    ("1001921334250001000300779017972697", "fedex", "fedex_34", 0.85),
    ("9622001900000000000000776632517510", "fedex", "fedex_34", 0.85),
    ("3318810025", "dhl_express", "dhl_express", 0.45),
    ("8487135506", "dhl_express", "dhl_express", 0.45),
    (dhl_express("123456789"), "dhl_express", "dhl_express", 0.45),
    ("JJD0099999999", "dhl_express", "dhl_express_piece", 0.75),
    ("GM2951173225174494", "dhl_ecommerce", "dhl_ecommerce", 0.8),
    ("GM295117494011169042", "dhl_ecommerce", "dhl_ecommerce", 0.8),
    ("RR123456785GB", "royal_mail", "upu_s10", 0.95),
    ("EB000717595HK", "hongkong_post", "upu_s10", 0.95),
    ("EE471108151FR", "la_poste", "upu_s10", 0.95),
    (s10("LX", "31254601", "CN"), "china_post", "upu_s10", 0.95),
    (s10("UH", "00000001", "CN"), "china_post", "upu_s10", 0.95),
    (s10("CP", "80047158", "DE"), "deutsche_post", "upu_s10", 0.95),
    (s10("RB", "12345678", "BR"), "correios", "upu_s10", 0.95),
    (s10("EE", "12345678", "PE"), "post_pe", "upu_s10", 0.95),
    ("YT2229521272164446", "yunexpress", "yunexpress_yt", 0.85),
    ("UG123456785YW", "yanwen", "yanwen_yw", 0.85),
    ("UH987654321YW", "yanwen", "yanwen_yw", 0.85),
    ("LT123456789YW", "yanwen", "yanwen_yw", 0.75),
    ("4PX3001234567890CN", "4px", "4px", 0.8),
    ("4PX3000987654321", "4px", "4px", 0.8),
    ("LP00724622449605", "cainiao", "cainiao_lp", 0.8),
    ("LP00432912345678", "cainiao", "cainiao_lp", 0.8),
    ("CNUSUP00016597663", "cainiao", "cainiao_cn", 0.55),
]


@pytest.mark.parametrize(("number", "carrier", "format_id", "minimum"), VALID)
def test_real_format_numbers_are_detected_first(number, carrier, format_id, minimum):
    best = top(number)
    assert (best.carrier, best.format_id) == (carrier, format_id), detect_carriers(number)
    assert best.confidence >= minimum
    assert best.reason


CHECKED = [row for row in VALID if row[2] not in {"4px", "yunexpress_yt", "yanwen_yw"}]
CHECKED = [r for r in CHECKED if not r[2].startswith(("cainiao", "dhl_ecommerce", "dhl_express_p"))]


@pytest.mark.parametrize(("number", "carrier", "format_id", "minimum"), CHECKED)
def test_a_wrong_check_digit_is_never_detected_with_high_confidence(
    number, carrier, format_id, minimum
):
    number = normalise_tracking_number(number)
    position = -3 if format_id == "upu_s10" else -1
    bad = wrong_check(number, position)
    for candidate in detect_carriers(bad):
        if candidate.carrier == carrier:
            assert candidate.confidence < 0.5, candidate
            if candidate.format_id == format_id:
                assert candidate.check_digit is CheckDigit.INVALID
                assert "check digit" in candidate.reason


@pytest.mark.parametrize("digit", "0123456789")
def test_every_wrong_ups_check_digit_is_flagged_as_a_typo(digit):
    valid = "1Z5R89390357567127"
    number = valid[:-1] + digit
    best = top(number)
    if digit == "7":
        assert best.confidence >= 0.95
    else:
        assert best.confidence <= 0.2
        assert best.check_digit is CheckDigit.INVALID
        assert "expected 7" in best.reason


def test_s10_reason_names_check_origin_and_service():
    best = top("RR123456785CN")
    assert best.reason.startswith("S10 check digit valid; origin CN (China)")
    assert best.origin_country == "CN"
    assert best.service == "registered letter post"
    assert best.check_digit is CheckDigit.VALID


@pytest.mark.parametrize(
    ("number", "service"),
    [
        (s10("EA", "12345678", "US"), "EMS"),
        (s10("CP", "12345678", "US"), "parcel post"),
        (s10("LX", "12345678", "CN"), "letter post express"),
        (s10("RR", "12345678", "CN"), "registered letter post"),
        (s10("UH", "12345678", "CN"), "letter post (bar-coded, other)"),
        (s10("VV", "12345678", "FR"), "insured letter post"),
        (s10("HA", "12345678", "CN"), "e-commerce parcel"),
        (s10("QA", "12345678", "GB"), "international business reply (IBRS)"),
    ],
)
def test_s10_service_indicator_maps_to_service_type(number, service):
    assert top(number).service == service


def test_s10_reserved_indicator_and_non_iso_suffix_lower_the_confidence():
    reserved = top(s10("SA", "12345678", "US"))
    assert reserved.confidence <= 0.6 and "reserved" in reserved.reason
    not_a_country = top(s10("RR", "12345678", "ZZ"))
    assert not_a_country.carrier == "upu_s10"
    assert not_a_country.origin_country is None
    assert not_a_country.confidence <= 0.5


def test_impb_starting_92_is_usps_first_and_fedex_second():
    carriers = [c.carrier for c in detect_carriers("9261292700768711948021")]
    assert carriers == ["usps", "fedex"]


def test_420_zip_prefix_reports_the_destination_zip():
    best = top("420 22153 9101026837331000039521")
    assert best.destination_postcode == "22153"
    assert top("4201002334249200190132607600833457").destination_postcode == "100233424"


def test_candidates_are_ranked_and_one_per_carrier():
    candidates = detect_carriers("9261292700768711948021")
    assert [c.confidence for c in candidates] == sorted(
        (c.confidence for c in candidates), reverse=True
    )
    assert len({c.carrier for c in candidates}) == len(candidates)


@pytest.mark.parametrize(
    "text",
    ["", "   ", "hello world", "123", "ORDER-1001", "X" * 80, "1" * 10_000, "647719948679"],
)
def test_unrecognised_input_gives_no_candidates(text):
    assert detect_carriers(text) == ()


def test_min_confidence_filters_and_best_carrier_only_answers_when_sure():
    assert detect_carriers("3318810025", min_confidence=0.8) == ()
    assert best_carrier("3318810025") is None
    best = best_carrier("RR123456785GB")
    assert best is not None and best.carrier == "royal_mail"


def test_non_ascii_digits_are_not_tracking_numbers():
    arabic_indic = "".join(chr(0x0660 + int(d)) for d in "123456785")
    assert detect_carriers(f"RR{arabic_indic}CN") == ()
    assert detect_carriers(arabic_indic + "0") == ()
