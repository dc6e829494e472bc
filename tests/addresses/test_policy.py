"""The policy is data: validated, JSON round-trip, and it changes verdicts as documented."""

import json

import pytest

from linkstar.addresses.core import AddressInput, Policy, Severity, Verdict, check
from linkstar.kit.errors import InvalidInput

APO = AddressInput(
    line1="PSC 1234 Box 5678", city="APO", state="AE", postcode="09001", country="US"
)
PO_BOX = AddressInput(line1="PO Box 123", city="Austin", state="TX", postcode="78767", country="US")
TYPO = AddressInput(
    line1="915 W 42nd St", city="New Yrok", state="NY", postcode="10036", country="US"
)
HUB = AddressInput(
    line1="4000 NE 122nd Ave",
    line2="Suite 123456",
    city="Portland",
    state="OR",
    postcode="97230",
    country="US",
)
JUNK = AddressInput(
    name="asdf", line1="1 Main St", city="Austin", state="TX", postcode="78701", country="US"
)


def test_json_round_trip():
    policy = Policy(
        block_military=True,
        forwarder_hold_score=40,
        severity_overrides={"email_invalid": Severity.REVIEW},
    )
    text = json.dumps(policy.to_dict())
    assert Policy.from_json(text) == policy


def test_defaults_from_empty_object():
    assert Policy.from_json("{}") == Policy()


@pytest.mark.parametrize(
    "text",
    ['[]', '{"nope": 1}', '{"block_military": "yes"}', '{"forwarder_hold_score": 500}',
     '{"require_phone_countries": ["China"]}', '{"forwarder_hub_zips": ["1234"]}',
     '{"severity_overrides": {"junk": "fatal"}}', 'not json', '{"forwarder_keywords": "x"}'],
)  # fmt: skip
def test_bad_policies_are_refused(text):
    with pytest.raises(InvalidInput):
        Policy.from_json(text)


def test_block_military():
    assert check(APO).verdict == Verdict.VALID
    result = check(APO, Policy(block_military=True))
    assert result.verdict == Verdict.INVALID and result.reason_codes == ("military_blocked",)


def test_po_box_allowed_for_postal_services():
    assert check(PO_BOX).verdict == Verdict.NEEDS_REVIEW
    assert check(PO_BOX, postal_service=True).verdict == Verdict.VALID
    assert check(PO_BOX, Policy(hold_po_box_unless_postal=False)).verdict == Verdict.VALID


def test_corrections_held_when_not_auto_applied():
    result = check(TYPO, Policy(auto_apply_corrections=False))
    assert result.verdict == Verdict.NEEDS_REVIEW
    assert result.normalised.city == "NEW YROK"
    assert [(s.field, s.value, s.applied) for s in result.suggestions] == [
        ("city", "NEW YORK", False)
    ]


def test_forwarder_thresholds():
    assert check(HUB).verdict == Verdict.NEEDS_REVIEW
    assert check(HUB, Policy(forwarder_hold_score=70)).verdict == Verdict.VALID
    assert check(HUB, Policy(forwarder_block_score=60)).verdict == Verdict.INVALID
    assert check(HUB, Policy(forwarder_hub_zips=())).forwarder_score == 30


def test_junk_to_review_and_severity_overrides():
    assert check(JUNK).verdict == Verdict.INVALID
    assert check(JUNK, Policy(junk_is_invalid=False)).verdict == Verdict.NEEDS_REVIEW
    assert check(JUNK, Policy(severity_overrides={"junk": Severity.INFO})).verdict == Verdict.VALID


def test_phone_required_countries():
    cn = AddressInput(
        line1="208 Tianhe Rd", city="Guangzhou", state="GD", postcode="510620", country="CN"
    )
    assert check(cn).reason_codes == ("phone_missing",)
    assert check(cn, Policy(require_phone_countries=())).verdict == Verdict.VALID
    bad = AddressInput(
        line1="1 Main St", city="Austin", state="TX", postcode="78701", country="US", phone="12"
    )
    assert check(bad, Policy(review_invalid_phone=True)).verdict == Verdict.NEEDS_REVIEW


def test_severity_overrides_of_the_wrong_type_are_refused_not_crashed():
    # A list is unhashable: it used to raise TypeError instead of InvalidInput.
    for value in ([], {}, 3, None):
        with pytest.raises(InvalidInput):
            Policy.from_dict({"severity_overrides": {"zip_unknown": value}})
