"""Property tests: `check` answers every input with a verdict; normalisation is idempotent."""

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linkstar.addresses.core import FIELDS, AddressInput, Verdict, check, normalise
from linkstar.addresses.core.text import clean
from linkstar.addresses.core.us import standard_line, standard_line2

any_text = st.text(max_size=60)
address_text = st.one_of(
    any_text,
    st.sampled_from(["", " ", "US", "usa", "GB", "CN", "JP", "XX", "AE", "APO", "PO Box 1", "#",
                     "\u202e", "\x00", "🙂", "\uff21\uff30\uff2f", "10001", "2134", "SW1A 1AA",
                     "Suite 123456",
                     "asdf", "New York", "NY", "+1 212 555 0100", "a@b.co", "ß", "İ", "ǅ"]),
    st.text(alphabet="0123456789- ", max_size=12),
    st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zs", "Mn", "Lo"]), max_size=20),
)  # fmt: skip
addresses = st.builds(AddressInput, **{name: address_text for name in FIELDS})

FUZZ = settings(
    max_examples=int(os.environ.get("ADDRESS_FUZZ_EXAMPLES", "400")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@FUZZ
@given(addresses)
def test_check_never_raises(address):
    result = check(address)
    assert isinstance(result.verdict, Verdict)
    assert "check_failed" not in result.reason_codes, result.reasons
    assert result.original == address


@FUZZ
@given(st.dictionaries(st.sampled_from(FIELDS), st.text(), max_size=len(FIELDS)))
def test_check_any_field_combination(fields):
    result = check(AddressInput(**fields))
    assert "check_failed" not in result.reason_codes, result.reasons


@settings(max_examples=20)
@given(st.sampled_from(FIELDS), st.integers(min_value=10_000, max_value=1_000_000))
def test_megabyte_fields(name, size):
    result = check(AddressInput(**{name: "9" * size, "country": "US"}))
    assert "field_too_long" in result.reason_codes or name == "country"
    assert result.verdict == Verdict.INVALID


@FUZZ
@given(addresses)
def test_normalise_is_idempotent(address):
    once = normalise(address)
    assert normalise(once) == once


STREET_VOCABULARY = [
    "100",
    "N",
    "North",
    "st",
    "Street",
    "Apt",
    "#",
    "4B",
    "Suite",
    "PO",
    "Box",
    "P.O.",
    "PSC",
    "Unit",
    "Lot",
    "Key",
    "NW",
    "Avenue",
    "Floor",
    "Rear",
    ",",
]
street_words = st.lists(
    st.one_of(st.sampled_from(STREET_VOCABULARY), st.text(max_size=8)), max_size=8
).map(" ".join)


@FUZZ
@given(street_words)
def test_pub28_lines_are_idempotent(line):
    once = standard_line(line)
    assert standard_line(once) == once
    assert standard_line2(standard_line2(line)) == standard_line2(line)


@FUZZ
@given(st.text())
def test_clean_is_idempotent(text):
    once, _ = clean(text)
    assert clean(once)[0] == once
