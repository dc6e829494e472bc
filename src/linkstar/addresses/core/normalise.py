"""Normalisation: the same address written the standard way, nothing added and nothing guessed."""

from __future__ import annotations

import re
from functools import lru_cache

import pycountry

from linkstar.addresses.core import us
from linkstar.addresses.core.contact import e164
from linkstar.addresses.core.intl import country_rules, standard_postcode
from linkstar.addresses.core.model import FIELDS, AddressInput
from linkstar.addresses.core.text import clean, fix_case, fold

_COUNTRY_ALIASES = {
    "UK": "GB",
    "USA": "US",
    "U S A": "US",
    "U S": "US",
    "UNITED STATES": "US",
    "UNITED STATES OF AMERICA": "US",
    "AMERICA": "US",
    "GREAT BRITAIN": "GB",
    "ENGLAND": "GB",
    "SCOTLAND": "GB",
    "WALES": "GB",
    "NORTHERN IRELAND": "GB",
    "DEUTSCHLAND": "DE",
    "MEXIQUE": "MX",
    "MEXICO": "MX",
    "CHINA": "CN",
    "中国": "CN",
    "日本": "JP",
    "KOREA": "KR",
    "SOUTH KOREA": "KR",
    "RUSSIA": "RU",
}
_CITY_PUNCT = re.compile(r"[.,;:]+")
_SPACED_ZIP = re.compile(r"^\d{5}\s+\d{4}$")


@lru_cache(maxsize=4096)
def country_code(value: str) -> str:
    """ISO alpha-2 code for a code or an English name; empty when unknown."""
    if not value:
        return ""
    key = fold(value) if value.isascii() else value.strip().upper()
    if len(key) == 2 and key.isalpha() and key.isascii():
        key = "GB" if key == "UK" else key
        return key if pycountry.countries.get(alpha_2=key) else ""
    if key in _COUNTRY_ALIASES:
        return _COUNTRY_ALIASES[key]
    if len(key) == 3 and key.isalpha() and key.isascii():
        found = pycountry.countries.get(alpha_3=key)
        return str(found.alpha_2) if found else ""
    try:
        return str(pycountry.countries.lookup(value.strip()).alpha_2)
    except LookupError:
        return ""


def cleaned(address: AddressInput) -> tuple[dict[str, str], list[str]]:
    """Every field through `clean`, and the fields that were too long."""
    parts: dict[str, str] = {}
    too_long: list[str] = []
    for name in FIELDS:
        value, cut = clean(getattr(address, name))
        parts[name] = value
        if cut:
            too_long.append(name)
    return parts, too_long


def normalise_parts(parts: dict[str, str]) -> dict[str, str]:
    """Standard case, abbreviations and postcode form for the country in `parts['country']`."""
    out = dict(parts)
    code = country_code(parts["country"]) or parts["country"].upper()
    out["country"] = code
    out["name"] = fix_case(parts["name"])
    out["company"] = fix_case(parts["company"])
    out["email"] = _email(parts["email"])
    if code == "US":
        out["line1"] = us.standard_line(parts["line1"])
        out["line2"] = us.standard_line2(parts["line2"])
        out["city"] = " ".join(_CITY_PUNCT.sub(" ", parts["city"].upper()).split())
        out["state"] = parts["state"].upper()
        postcode = parts["postcode"]
        out["postcode"] = us.standard_zip(postcode)[0] if len(postcode) <= 12 else postcode
        if _SPACED_ZIP.match(out["postcode"]):
            out["postcode"] = "-".join(out["postcode"].split())
    else:
        rules = country_rules(code) if len(code) == 2 else None
        upper = rules.upper if rules else frozenset()
        for name in ("line1", "line2", "city", "state"):
            out[name] = parts[name].upper() if name in upper else fix_case(parts[name])
        out["postcode"] = standard_postcode(code, parts["postcode"])
    rules = country_rules(code) if len(code) == 2 else None
    if rules and out["state"]:
        out["state"] = rules.area(out["state"]) or out["state"]
    phone = e164(parts["phone"], code if len(code) == 2 else "")
    if phone:
        out["phone"] = phone
    for name, value in out.items():
        if value != parts[name]:
            out[name] = clean(value)[0]
    return out


def normalise(address: AddressInput) -> AddressInput:
    """The address with every field cleaned and written the standard way (idempotent)."""
    return AddressInput(**normalise_parts(cleaned(address)[0]))


def _email(value: str) -> str:
    local, at, domain = value.replace(" ", "").rpartition("@")
    return f"{local}@{domain.lower()}" if at else value
