"""Country-aware postcode normalisation: a canonical display form and a key for matching.

`normalise_postcode` gives the canonical form of a whole postcode (idempotent) or None when the
text does not fit the country's format. `postcode_key` gives the compact string that zone charts
and surcharge lists match on; with `partial=True` it also accepts the prefixes carriers use in
their sheets (a ZIP3, a Canadian FSA, a British area or outward code, a French département).
Keys of one country compare like the country's own order when they have the same length, which
is what makes prefix and range matching on plain strings correct.
"""

from __future__ import annotations

import functools
import re

# Countries whose postcodes are plain digits, with their length.
DIGIT_POSTCODE_LENGTHS: dict[str, int] = {
    "US": 5,
    "DE": 5,
    "FR": 5,
    "ES": 5,
    "IT": 5,
    "AU": 4,
}
# Spreadsheets drop leading zeros ("02134" becomes 2134): pad back when at most this many were lost.
_MAX_LOST_ZEROS = {"US": 1, "DE": 1, "FR": 1, "ES": 1, "IT": 1, "AU": 1}
# Old one-letter country prefixes still written in front of European postcodes ("D-10115").
_LEGACY_PREFIXES = {"DE": ("D", "DE"), "FR": ("F", "FR"), "ES": ("E", "ES"), "IT": ("I", "IT")}
# Jersey, Guernsey and the Isle of Man use the British format.
_BRITISH_FORMAT = frozenset({"GB", "UK", "GG", "JE", "IM"})

_SEPARATORS = re.compile(r"[\s\-.]+")
_US = re.compile(r"^(\d{4,5})(?:\d{4})?$")
_CA_FULL = re.compile(r"^[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z]\d[ABCEGHJ-NPRSTV-Z]\d$")
_CA_PARTIAL = re.compile(r"^[ABCEGHJ-NPRSTVXY](?:\d(?:[ABCEGHJ-NPRSTV-Z](?:\d(?:[A-Z]\d?)?)?)?)?$")
_GB_FULL = re.compile(r"^([A-Z]{1,2})(\d)([A-Z\d]?)(\d[A-Z]{2})$")
_GB_OUTWARD = re.compile(r"^([A-Z]{1,2})(\d)([A-Z\d]?)$")
_GB_AREA = re.compile(r"^[A-Z]{1,2}$")
_NL = re.compile(r"^(\d{4})([A-Z]{2})?$")
_NL_PARTIAL = re.compile(r"^\d{1,4}$|^\d{4}[A-Z]{1,2}$")
_GENERIC = re.compile(r"^[A-Z0-9]{2,10}$")
_GENERIC_PARTIAL = re.compile(r"^[A-Z0-9]{1,10}$")
_US_MILITARY_ZIP3 = frozenset(
    {*(f"{n:03d}" for n in range(90, 99)), "340", *map(str, range(962, 967))}
)


def normalise_country(country: str) -> str:
    """ISO 3166 alpha-2 in upper case; `UK` becomes `GB`."""
    code = country.strip().upper()
    return "GB" if code == "UK" else code


def _compact(raw: str) -> str:
    return _SEPARATORS.sub("", raw.strip().upper())


def _strip_legacy_prefix(country: str, text: str) -> str:
    for prefix in _LEGACY_PREFIXES.get(country, ()):
        rest = text[len(prefix) :]
        if text.startswith(prefix) and rest.isdigit():
            return rest
    return text


def _digits(country: str, text: str, length: int) -> str | None:
    text = _strip_legacy_prefix(country, text)
    if country == "US":
        match = _US.match(text)
        text = match.group(1) if match else ""
    if not text.isdigit() or not length - _MAX_LOST_ZEROS[country] <= len(text) <= length:
        return None
    return text.zfill(length)


def _gb_parts(text: str) -> tuple[str, str, str, str] | None:
    """Area letters, district digit, district tail (digit, letter or ''), inward code."""
    if text == "GIR0AA":  # Girobank's historic non-geographic postcode, still valid
        return ("GIR", "", "", "0AA")
    match = _GB_FULL.match(text)
    if match is None:
        return None
    area, digit, tail, inward = match.groups()
    return (area, digit, tail, inward)


def normalise_postcode(country: str, raw: str) -> str | None:
    """The canonical form of a whole postcode (idempotent), or None when it cannot be one."""
    country = normalise_country(country)
    text = _compact(raw)
    if country in DIGIT_POSTCODE_LENGTHS:
        return _digits(country, text, DIGIT_POSTCODE_LENGTHS[country])
    if country == "CA":
        return f"{text[:3]} {text[3:]}" if _CA_FULL.match(text) else None
    if country in _BRITISH_FORMAT:
        parts = _gb_parts(text)
        return None if parts is None else f"{text[:-3]} {text[-3:]}"
    if country == "NL":
        match = _NL.match(text)
        if match is None:
            return None
        digits, letters = match.groups()
        return f"{digits} {letters}" if letters else digits
    return text if _GENERIC.match(text) else None


def _gb_outward_key(area: str, digit: str, tail: str) -> str:
    # Pad the area to two characters and the district to two digits, so that "E1" cannot be a
    # prefix of "EC1A" nor "KW1" a prefix of "KW15", and "KW2" sorts before "KW10" in ranges.
    if tail.isdigit():
        return f"{area:_<2}{digit}{tail}"
    return f"{area:_<2}0{digit}{tail}"


def _gb_key(text: str, partial: bool) -> str | None:
    parts = _gb_parts(text)
    if parts is not None:
        area, digit, tail, inward = parts
        return "GIR" + inward if area == "GIR" else _gb_outward_key(area, digit, tail) + inward
    if not partial:
        return None
    if _GB_AREA.match(text):
        return f"{text:_<2}"
    # An outward code, optionally followed by the sector digit: "KW15", "SW1A", "KW1 5".
    outward, _, sector = text.partition(" ")
    match = _GB_OUTWARD.match(outward)
    if match is None or sector not in ("", *"0123456789"):
        return None
    return _gb_outward_key(*match.groups()) + sector


# Pure, and the same warehouse and destination postcodes come back again and again.
@functools.lru_cache(maxsize=65_536)
def postcode_key(country: str, raw: str, *, partial: bool = False) -> str | None:
    """The compact key used for matching; `partial` also accepts the prefixes used in rate sheets.

    British partial patterns keep their space: "KW15" is an outward code, "KW1 5" a sector.
    """
    country = normalise_country(country)
    if country in _BRITISH_FORMAT:
        spaced = " ".join(raw.strip().upper().split())
        key = _gb_key(spaced.replace(" ", ""), partial=False)
        return key if key is not None or not partial else _gb_key(spaced, partial=True)
    text = _compact(raw)
    if partial and country in DIGIT_POSTCODE_LENGTHS:
        # A pattern is taken as written: "1234" in a sheet is a 4-digit prefix, not ZIP 01234.
        text = _strip_legacy_prefix(country, text)
        if country == "US" and len(text) == 9:
            text = text[:5]
        ok = text.isdigit() and len(text) <= DIGIT_POSTCODE_LENGTHS[country]
        return text if ok else None
    full = normalise_postcode(country, text)
    if full is not None:
        return full.replace(" ", "")
    if not partial:
        return None
    if country == "CA":
        return text if _CA_PARTIAL.match(text) else None
    if country == "NL":
        return text if _NL_PARTIAL.match(text) else None
    return text if _GENERIC_PARTIAL.match(text) else None


def is_military_postcode(country: str, key: str) -> bool:
    """True for US military (APO/FPO/DPO) ZIPs: 090-098 (AE), 340 (AA), 962-966 (AP)."""
    return normalise_country(country) == "US" and key[:3] in _US_MILITARY_ZIP3


def us_military_zip3() -> frozenset[int]:
    """The ZIP3s of US military mail, as integers (for vectorised checks)."""
    return frozenset(int(z) for z in _US_MILITARY_ZIP3)
