"""The address checker's fast paths give exactly what the general code gives.

`e164` reads "+1 NXX NXX XXXX" without `phonenumbers.parse` and asks the calling code's main
region first; `clean` returns printable ASCII that is already clean as it is. Both are checked
against the general way on generated input (Hypothesis) and on the shapes seen in real exports.
"""

from __future__ import annotations

import unicodedata

import phonenumbers
from hypothesis import given, settings
from hypothesis import strategies as st

from linkstar.addresses import reviews
from linkstar.addresses.core import text
from linkstar.addresses.core.contact import e164


def _e164_general(phone: str, country: str) -> str | None:
    if not phone or len(phone) > 40:
        return None
    try:
        number = phonenumbers.parse(phone, country or None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _clean_general(value: str) -> tuple[str, bool]:
    if not value or (len(value) <= text.MAX_FIELD and value.isascii() and value.isalnum()):
        return value, False
    too_long = len(value) > text.MAX_FIELD
    window = value[: text._RAW_WINDOW]
    if not window.isascii():
        window = unicodedata.normalize("NFKC", window)
    out = text._SPACE.sub(" ", text._strip_controls(window)).strip(" ,;")
    out = text._SPACE_PUNCT.sub(r"\1 ", out).strip(" ,;")
    if len(out) > text.MAX_FIELD:
        out = out[: text.MAX_FIELD].rstrip(" ,;")
        too_long = True
    if not out.isascii():
        out = text._SPACE.sub(" ", text._strip_controls(unicodedata.normalize("NFKC", out)))
        out = out.strip(" ,;")
    return out, too_long


_digits = st.text(alphabet="0123456789", min_size=3, max_size=4)
_sep = st.sampled_from(["", " ", "-", ".", "  ", "/", ")"])
_phones = st.builds(
    lambda pre, a, s1, b, s2, c, tail: f"{pre}{a}{s1}{b}{s2}{c}{tail}",
    st.sampled_from(["+1", "+1 ", "+1-", "+1.", "+ 1", "1", "+11", "", "+1 (", "+44 ", "+7"]),
    _digits,
    _sep,
    _digits,
    _sep,
    _digits,
    st.sampled_from(["", "", " ", "\n", " x12", "#"]),
)
_regions = st.sampled_from(["US", "CA", "GB", "JM", "PR", "DE", ""])


@settings(max_examples=1000)
@given(_phones, _regions)
def test_e164_fast_path_agrees_with_phonenumbers(phone: str, country: str) -> None:
    assert e164(phone, country) == _e164_general(phone, country)


@settings(max_examples=300)
@given(st.text(max_size=40), _regions)
def test_e164_agrees_on_any_text(phone: str, country: str) -> None:
    assert e164(phone, country) == _e164_general(phone, country)


def test_e164_known_numbers() -> None:
    assert e164("+1 212 736 5000", "US") == "+12127365000"
    assert e164("+1 (416) 869-1234", "US") == "+14168691234"  # Canadian: valid under +1
    assert e164("+1 876 929 1234", "") == "+18769291234"  # Jamaica
    assert e164("+1 212 555 0000", "US") == _e164_general("+1 212 555 0000", "US")
    assert e164("+44 20 7946 0018", "GB") == "+442079460018"


@settings(max_examples=1000)
@given(st.text(alphabet=st.sampled_from(list("ab Z9,;.-#\t\u00e9\u00a0 ")), max_size=30))
def test_clean_fast_path_agrees_with_the_general_steps(value: str) -> None:
    assert text.clean(value) == _clean_general(value)


@settings(max_examples=300)
@given(st.text(max_size=250))
def test_clean_agrees_on_any_text(value: str) -> None:
    assert text.clean(value) == _clean_general(value)


def _usable_ref_general(ref: str) -> bool:
    return (
        0 < len(ref) <= 200
        and ref == ref.strip()
        and not any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in ref)
    )


@given(st.text(st.characters(max_codepoint=0x2100), max_size=210))
def test_usable_ref_agrees_with_the_character_by_character_test(ref: str) -> None:
    assert reviews.usable_ref(ref) is _usable_ref_general(ref)
    for c in ("\x00", "\x1f", "\x7f", "\x9f", "\xa0"):
        assert reviews.usable_ref(f"a{c}b") is _usable_ref_general(f"a{c}b")
