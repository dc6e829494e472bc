# ruff: noqa: E501  (the outcome table reads best one case per block)
"""Exact outcomes of `check` on real-looking addresses (invented people at real places)."""

import pytest

from linkstar.addresses.core import AddressInput, Flag, Verdict, check

V, C, R, X = Verdict.VALID, Verdict.CORRECTED, Verdict.NEEDS_REVIEW, Verdict.INVALID

# (case, input fields, verdict, reason codes, normalised fields expected)
CASES = [
    (
        "us_clean",
        dict(name="maria gonzalez", line1="1450 north lake shore drive", line2="apt #12b",
             city="Chicago", state="IL", postcode="60610", country="US", phone="(312) 555-0187",
             email="Maria@Example.COM"),
        V, [],
        dict(name="Maria Gonzalez", line1="1450 N LAKE SHORE DR", line2="APT 12B", city="CHICAGO",
             phone="+13125550187", email="Maria@example.com"),
    ),
    ("us_zip4", dict(line1="1600 Amphitheatre Parkway", city="Mountain View", state="CA",
                     postcode="940431351", country="US"),
     V, [], dict(line1="1600 AMPHITHEATRE PKWY", postcode="94043-1351")),
    ("us_acceptable_city", dict(line1="100 Main St", city="Hollywood", state="CA", postcode="90028",
                                country="US"), V, [], dict(city="HOLLYWOOD")),
    ("us_state_name", dict(line1="200 Congress Avenue", city="Austin", state="Texas",
                           postcode="78701", country="usa"), V, [], dict(state="TX", country="US")),
    ("us_saint_spelling", dict(line1="1 Market St", city="St. Louis", state="MO", postcode="63101",
                               country="US"), V, ["city_spelling"], dict(city="SAINT LOUIS")),
    ("us_unacceptable_city", dict(line1="1 Calle Sol", city="Bda Caban", state="PR",
                                  postcode="00603", country="US"),
     C, ["city_unacceptable"], dict(city="AGUADILLA")),
    ("us_city_typo", dict(line1="915 W. 42nd St.", city="New Yrok", state="NY", postcode="10036",
                          country="US"), C, ["city_corrected"],
     dict(line1="915 W 42ND ST", city="NEW YORK")),
    ("us_zip_lost_zero", dict(line1="88 Elm Street", city="Boston", state="MA", postcode="2134",
                              country="US"), C, ["zip_zero_padded"], dict(postcode="02134")),
    ("us_state_from_zip", dict(line1="1 Main St", city="", state="", postcode="78701", country="US"),
     C, ["state_from_zip", "city_from_zip"], dict(city="AUSTIN", state="TX")),
    ("us_wrong_state_right_city", dict(line1="1 Pike St", city="Seattle", state="OR",
                                       postcode="98101", country="US"),
     C, ["state_corrected"], dict(state="WA")),
    ("us_bad_state_code", dict(line1="200 Congress Ave", city="Austin", state="XX",
                               postcode="78701", country="US"), C, ["state_corrected"],
     dict(state="TX")),
    ("us_zip_of_other_city", dict(line1="1 Main St", city="Dallas", state="TX", postcode="78701",
                                  country="US"), R, ["zip_city_mismatch"], dict(city="DALLAS")),
    ("us_zip_other_state_city", dict(line1="500 Main Street", city="Springfield", state="MO",
                                     postcode="62701", country="US"),
     R, ["zip_state_mismatch"], dict(state="MO")),
    ("us_zip_unknown", dict(line1="1 Main St", city="Austin", state="TX", postcode="78790",
                            country="US"), R, ["zip_unknown"], {}),
    ("us_zip_format", dict(line1="1 Main St", city="Austin", state="TX", postcode="787O1",
                           country="US"), X, ["postcode_format"], {}),
    ("us_missing_line1", dict(city="Austin", state="TX", postcode="78701", country="US"),
     X, ["missing_field"], {}),
    ("us_zip_po_box_only", dict(line1="10 Elm St", city="Portland", state="OR", postcode="97208",
                                country="US"), R, ["zip_po_box_only"], {}),
    ("us_country_inferred", dict(line1="77 Massachusetts Ave", city="Cambridge", state="MA",
                                 postcode="02139", phone="617-555-0177"),
     C, ["country_inferred"], dict(country="US", line1="77 MASSACHUSETTS AVE", phone="+16175550177")),
    ("po_box", dict(line1="P.O. Box 123", city="Austin", state="TX", postcode="78767", country="US"),
     R, ["po_box_held"], dict(line1="PO BOX 123")),
    ("po_box_words", dict(line1="Post Office Box 77", city="Austin", state="TX", postcode="78767",
                          country="US"), R, ["po_box_held"], dict(line1="PO BOX 77")),
    ("po_box_de", dict(line1="Postfach 10 12 34", city="Berlin", postcode="10117", country="DE"),
     R, ["po_box_held"], {}),
    ("apo", dict(name="SGT Marcus Hill", line1="PSC 1234 Box 5678", city="APO", state="AE",
                 postcode="09001", country="US"), V, ["military"], dict(line1="PSC 1234 BOX 5678")),
    ("fpo", dict(line1="Unit 100100 Box 4000", city="FPO", state="AP", postcode="96349",
                 country="US"), V, ["military"], {}),
    ("dpo", dict(line1="Unit 8400 Box 2000", city="DPO", state="AE", postcode="09498", country="US"),
     V, ["military"], {}),
    ("apo_civil_state", dict(line1="PSC 3 Box 100", city="APO", state="NY", postcode="09001",
                             country="US"), C, ["state_corrected", "military"], dict(state="AE")),
    ("military_state_civil_city", dict(line1="PSC 3 Box 100", city="Frankfurt", state="AE",
                                       postcode="09001", country="US"),
     R, ["zip_city_mismatch", "military", "military_mismatch"], {}),
    ("forwarder_keyword_suite", dict(name="Ana Silva", company="MyUS.com", line1="4299 Express Lane",
                                     line2="Suite 123456", city="Sarasota", state="FL",
                                     postcode="34249", country="US"),
     R, ["forwarder_risk"], dict(line2="STE 123456")),
    ("forwarder_suite_hub", dict(name="Wei Zhang", line1="4000 NE 122nd Ave", line2="Suite 123456",
                                 city="Portland", state="OR", postcode="97230", country="US"),
     R, ["forwarder_risk"], {}),
    ("hub_zip_alone_is_fine", dict(line1="18 Boulden Cir", city="New Castle", state="DE",
                                   postcode="19720", country="US"), V, [], {}),
    ("junk_test", dict(name="Test User", line1="asdf", city="asdf", state="NY", postcode="10001",
                       country="US"), X, ["zip_city_mismatch", "junk", "junk", "junk"], {}),
    ("junk_repeat", dict(name="aaaaaaa", line1="1 Main St", city="Austin", state="TX",
                         postcode="78701", country="US"), X, ["junk"], {}),
    ("junk_walk", dict(name="Qwerty Uiop", line1="1 Main St", city="Austin", state="TX",
                       postcode="78701", country="US"), X, ["junk"], {}),
    ("real_names_not_junk", dict(name="Liberty Dougherty", line1="12 Van Wert Ave",
                                 city="Liberty", state="MO", postcode="64068", country="US"),
     V, [], {}),
    ("gb", dict(name="emma thompson", line1="221B Baker Street", city="London", postcode="nw16xe",
                country="UK", phone="020 7946 0958"),
     V, [], dict(postcode="NW1 6XE", country="GB", phone="+442079460958", name="Emma Thompson")),
    ("gb_us_zip", dict(line1="221B Baker Street", city="London", postcode="12345", country="GB"),
     X, ["postcode_format"], {}),
    ("de", dict(line1="Unter den Linden 77", city="Berlin", postcode="10117", country="Germany"),
     V, [], dict(country="DE", line1="Unter den Linden 77")),
    ("de_short_postcode", dict(line1="Hauptstr. 5", city="Berlin", postcode="1011", country="DE"),
     X, ["postcode_format"], {}),
    ("fr", dict(line1="15 rue de Rivoli", city="paris", postcode="75 001", country="FR"),
     V, [], dict(postcode="75001", city="PARIS")),
    ("au", dict(line1="42 George St", city="Sydney", state="new south wales", postcode="2000",
                country="AU"), V, [], dict(state="NSW")),
    ("au_missing_state", dict(line1="42 George St", city="Sydney", postcode="2000", country="AU"),
     X, ["missing_field"], {}),
    ("jp", dict(line1="1-1 Chiyoda", city="Chiyoda-ku", state="Tokyo", postcode="1000001",
                country="JP", phone="03-1234-5678"),
     V, [], dict(state="東京都", postcode="100-0001", phone="+81312345678")),
    ("cn", dict(line1="208 Tianhe Rd", city="Guangzhou", state="Guangdong", postcode="510620",
                country="CN", phone="020 8888 8888"), V, [], dict(state="广东省")),
    ("cn_without_phone", dict(line1="208 Tianhe Rd", city="Guangzhou", state="GD",
                              postcode="510620", country="CN"), R, ["phone_missing"], {}),
    ("cn_unknown_province", dict(line1="208 Tianhe Rd", city="Guangzhou", state="Atlantis",
                                 postcode="510620", country="CN", phone="+86 20 8888 8888"),
     R, ["subdivision_unknown"], {}),
    ("mx", dict(line1="Av. Paseo de la Reforma 222", city="Ciudad de México", state="CDMX",
                postcode="06600", country="MX", phone="55 1234 5678"),
     V, [], dict(phone="+525512345678")),
    ("ca", dict(line1="1200 rue Sainte-Catherine O", city="Montréal", state="Quebec",
                postcode="h3b1k9", country="CA"), V, [], dict(state="QC", postcode="H3B 1K9")),
    ("ca_with_us_zip", dict(line1="1 Front St", city="Toronto", state="ON", postcode="90210",
                            country="CA"), X, ["postcode_format"], {}),
    ("no_country", dict(line1="1 Main St", city="Toronto"), X, ["missing_country"], {}),
    ("unknown_country", dict(line1="1 Main St", city="X", country="Narnia"),
     X, ["unknown_country"], {}),
    ("bad_phone_is_info", dict(line1="1 Main St", city="Austin", state="TX", postcode="78701",
                               country="US", phone="12"), V, ["phone_invalid"], dict(phone="12")),
    ("bad_email_is_info", dict(line1="1 Main St", city="Austin", state="TX", postcode="78701",
                               country="US", email="a@@b"), V, ["email_invalid"], {}),
    ("long_field", dict(line1="1 Main St " + "x" * 300, city="Austin", state="TX",
                        postcode="78701", country="US"), X, ["field_too_long", "junk"], {}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("fields", "verdict", "codes", "expected"),
    [pytest.param(f, v, c, e, id=name) for name, f, v, c, e in CASES],
)
def test_check_outcome(fields, verdict, codes, expected):
    result = check(AddressInput(**fields))
    assert list(result.reason_codes) == codes, [r.message for r in result.reasons]
    assert result.verdict == verdict
    for name, value in expected.items():
        assert getattr(result.normalised, name) == value, name
    assert result.original == AddressInput(**fields)


def test_suggestions_for_a_zip_of_another_city():
    result = check(
        AddressInput(line1="1 Main St", city="Dallas", state="TX", postcode="78701", country="US")
    )
    assert ("city", "AUSTIN", False) in [(s.field, s.value, s.applied) for s in result.suggestions]
    assert any(s.field == "postcode" and s.value.startswith("752") for s in result.suggestions)


def test_wrong_country_for_the_postcode_suggests_the_right_one():
    result = check(
        AddressInput(
            line1="350 5th Ave", city="New York", state="NY", postcode="10118", country="CA"
        )
    )
    assert result.verdict == Verdict.INVALID and "postcode_format" in result.reason_codes
    assert ("country", "US", False) in [(s.field, s.value, s.applied) for s in result.suggestions]


def test_corrections_are_listed_as_applied_with_differences():
    result = check(
        AddressInput(
            line1="88 Elm Street", city="boston", state="MA", postcode="2134", country="US"
        )
    )
    assert [(s.field, s.value, s.applied) for s in result.suggestions] == [
        ("postcode", "02134", True)
    ]
    diffs = {d.field: (d.original, d.normalised) for d in result.differences}
    assert diffs["postcode"] == ("2134", "02134")
    assert diffs["line1"] == ("88 Elm Street", "88 ELM ST")


@pytest.mark.parametrize(
    ("fields", "flags"),
    [
        (dict(line1="P.O. Box 1", city="Austin", state="TX", postcode="78767", country="US"),
         {Flag.PO_BOX, Flag.ZIP_PO_BOX_ONLY}),
        (dict(line1="PSC 1234 Box 5678", city="APO", state="AE", postcode="09001", country="US"),
         {Flag.MILITARY}),
        (dict(company="Acme Corp", line1="500 Main St", line2="Suite 200", city="Austin",
              state="TX", postcode="78701", country="US"), {Flag.COMMERCIAL}),
        (dict(line1="500 Main St", line2="Apt 2", city="Austin", state="TX", postcode="78701",
              country="US"), {Flag.RESIDENTIAL}),
    ],
)  # fmt: skip
def test_flags(fields, flags):
    assert set(check(AddressInput(**fields)).flags) == flags


def test_residential_confidence_and_evidence():
    home = check(
        AddressInput(
            line1="500 Main St",
            line2="Apt 2",
            city="Austin",
            state="TX",
            postcode="78701",
            country="US",
        )
    )
    office = check(
        AddressInput(
            company="Acme Corp",
            line1="500 Main St",
            line2="Suite 200",
            city="Austin",
            state="TX",
            postcode="78701",
            country="US",
        )
    )
    assert home.residential_confidence > 0.8 > 0.2 > office.residential_confidence
    assert "company_name" in office.residential_evidence
    assert "commercial_unit:STE" in office.residential_evidence


def test_forwarder_evidence():
    result = check(
        AddressInput(
            name="Wei Zhang",
            line1="4000 NE 122nd Ave",
            line2="Suite 123456",
            city="Portland",
            state="OR",
            postcode="97230",
            country="US",
        )
    )
    assert result.forwarder_score == 60
    assert result.forwarder_evidence == ("long_suite:123456", "hub_zip:97230")
    assert Flag.FORWARDER in result.flags


def test_components_from_usaddress():
    result = check(
        AddressInput(
            line1="123 north main street apt 4b",
            city="Springfield",
            state="IL",
            postcode="62704",
            country="US",
        )
    )
    parts = dict(result.components)
    assert parts["AddressNumber"] == "123"
    assert parts["StreetNamePreDirectional"] == "N"
    assert parts["StreetName"] == "MAIN"
    assert parts["StreetNamePostType"] == "ST"
    assert parts["OccupancyIdentifier"] == "4B"
    assert (
        check(
            AddressInput(line1="1 Rue X", city="Paris", postcode="75001", country="FR")
        ).components
        == ()
    )
