import pytest
from hypothesis import given
from hypothesis import strategies as st

from linkstar.rating.core import is_military_postcode, normalise_postcode, postcode_key
from linkstar.rating.core.postcodes import DIGIT_POSTCODE_LENGTHS, normalise_country

COUNTRIES = ["US", "CA", "GB", "DE", "FR", "ES", "IT", "AU", "NL", "JP", "BR"]


@pytest.mark.parametrize(
    ("country", "raw", "canonical", "key"),
    [
        ("US", "90210", "90210", "90210"),
        ("US", "90210-1234", "90210", "90210"),  # ZIP+4 matches on its 5 digits
        ("US", "902101234", "90210", "90210"),
        ("US", " 02134 ", "02134", "02134"),
        ("US", "2134", "02134", "02134"),  # a spreadsheet ate the leading zero
        ("US", "12", None, None),
        ("US", "9021O", None, None),  # letter O, not zero
        ("CA", "m5v3l9", "M5V 3L9", "M5V3L9"),
        ("CA", "M5V-3L9", "M5V 3L9", "M5V3L9"),
        ("CA", "D5V 3L9", None, None),  # D is never used in Canadian postcodes
        ("GB", "sw1a1aa", "SW1A 1AA", "SW01A1AA"),
        ("GB", "  SW1A   1AA ", "SW1A 1AA", "SW01A1AA"),
        ("UK", "cr2 6xh", "CR2 6XH", "CR026XH"),
        ("GB", "W1A 0AX", "W1A 0AX", "W_01A0AX"),
        ("GB", "M1 1AE", "M1 1AE", "M_011AE"),
        ("GB", "KW15 1AB", "KW15 1AB", "KW151AB"),
        ("GB", "GIR 0AA", "GIR 0AA", "GIR0AA"),
        ("GB", "SW1A", None, None),  # an outward code alone is not a postcode
        ("JE", "je2 3ab", "JE2 3AB", "JE023AB"),  # Jersey uses the British format
        ("DE", "D-10115", "10115", "10115"),
        ("FR", "75 001", "75001", "75001"),
        ("FR", "1000", "01000", "01000"),
        ("ES", "E-28001", "28001", "28001"),
        ("IT", "00184", "00184", "00184"),
        ("AU", "800", "0800", "0800"),
        ("AU", "20000", None, None),
        ("NL", "1234ab", "1234 AB", "1234AB"),
        ("NL", "1234", "1234", "1234"),
        ("JP", "100-0001", "1000001", "1000001"),  # generic: letters and digits, no separators
        ("BR", "!!", None, None),
    ],
)
def test_normalise_and_key(country, raw, canonical, key):
    assert normalise_postcode(country, raw) == canonical
    assert postcode_key(country, raw) == key


@pytest.mark.parametrize(
    ("country", "raw", "key"),
    [
        ("US", "005", "005"),  # ZIP3 from a zone chart
        ("US", "1234", "1234"),  # a 4-digit prefix, as written (no zero padding for patterns)
        ("US", "12345-6789", "12345"),
        ("CA", "m5v", "M5V"),  # forward sortation area
        ("CA", "M", "M"),
        ("GB", "KW", "KW"),  # postcode area
        ("GB", "e", "E_"),  # area E: padded so that it is not a prefix of EC
        ("GB", "KW1", "KW01"),  # outward code: padded so that it is not a prefix of KW15
        ("GB", "KW15", "KW15"),
        ("GB", "SW1A", "SW01A"),
        ("GB", "KW1 5", "KW015"),  # postcode sector
        ("GB", "KW1 5A", None),
        ("FR", "75", "75"),  # département
        ("DE", "D-10", "10"),
        ("NL", "1234 A", "1234A"),
        ("US", "123456", None),
        ("US", "", None),
    ],
)
def test_partial_keys_for_patterns(country, raw, key):
    assert postcode_key(country, raw, partial=True) == key


def test_british_keys_keep_outward_codes_apart():
    def key(raw, partial=False):
        return postcode_key("GB", raw, partial=partial)

    assert key("KW15 1AB").startswith(key("KW15", True))
    assert not key("KW15 1AB").startswith(key("KW1", True))
    assert key("KW1 5AB").startswith(key("KW1", True))
    assert key("KW1 5AB").startswith(key("KW1 5", True))
    assert not key("EC1A 1BB").startswith(key("E", True))
    assert key("E1 6AN").startswith(key("E", True))
    assert key("SW1A 1AA").startswith(key("SW1", True))  # SW1A is a sub-district of SW1
    # Ranges of outward codes compare like the codes: KW2 sorts before KW10.
    assert key("KW1", True) < key("KW2", True) < key("KW10", True) < key("KW17", True)


@pytest.mark.parametrize(
    ("country", "postcode", "military"),
    [
        ("US", "09001", True),  # APO AE
        ("US", "34001", True),  # APO AA
        ("US", "96201", True),  # APO AP
        ("US", "96701", False),  # Hawaii
        ("US", "10001", False),
        ("DE", "09001", False),
    ],
)
def test_military_postcodes(country, postcode, military):
    assert is_military_postcode(country, postcode_key(country, postcode) or "") is military


def test_country_codes_are_normalised():
    assert normalise_country(" gb ") == "GB"
    assert normalise_country("uk") == "GB"


postcode_text = st.text(alphabet="0123456789ABCDEFGHJKLMNPRSTVWXYZabc -.", max_size=12)
realistic = st.one_of(
    st.from_regex(r"\A\d{5}(-\d{4})?\Z"),
    st.from_regex(r"\A[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\Z"),
    st.from_regex(r"\A[ABCEGHJ-NPRSTVXY]\d[A-Z] ?\d[A-Z]\d\Z"),
    st.from_regex(r"\A\d{4} ?[A-Z]{2}\Z"),
    st.from_regex(r"\A\d{3,5}\Z"),
    postcode_text,
)


@given(st.sampled_from(COUNTRIES), realistic)
def test_normalisation_is_idempotent(country, raw):
    canonical = normalise_postcode(country, raw)
    if canonical is not None:
        assert normalise_postcode(country, canonical) == canonical
        assert postcode_key(country, canonical) == postcode_key(country, raw)
        # A whole postcode read as a pattern is the same key (an exact match).
        assert postcode_key(country, canonical, partial=True) == postcode_key(country, raw)
    else:
        assert postcode_key(country, raw) is None


@given(st.sampled_from(sorted(DIGIT_POSTCODE_LENGTHS)), st.integers(0, 99_999))
def test_digit_keys_sort_like_numbers(country, number):
    width = DIGIT_POSTCODE_LENGTHS[country]
    number %= 10**width
    key = postcode_key(country, f"{number:0{width}d}")
    assert key is not None and len(key) == width and int(key) == number
