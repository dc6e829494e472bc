"""UPU S10 postal numbers and the main China-to-world lines, each with its source.

S10 (`XX123456789YY`) is the one international format with a check digit: two letters of
service indicator, eight serial digits, a check digit, and the ISO 3166-1 alpha-2 code of the
issuing postal operator. The private lines (YunExpress, 4PX, Yanwen, Cainiao, DHL eCommerce)
publish no check digit, so they are recognised by prefix and length only.
"""

from __future__ import annotations

import re

from linkstar.tracking.core.candidates import (
    CONFIDENT,
    LIKELY,
    MISTYPED,
    WEAK,
    Candidate,
    CheckDigit,
)
from linkstar.tracking.core.countries import country_name, is_iso_country
from linkstar.tracking.core.numbers import has_valid_check_digit, s10_check_digit

# Service indicator (first letter, or an exact pair) -> service type, UPU S10 annex.
S10_SERVICES_BY_LETTER = {
    "E": "EMS",
    "L": "letter post express",
    "M": "letter post M-bag",
    "R": "registered letter post",
    "U": "letter post (bar-coded, other)",
    "V": "insured letter post",
    "C": "parcel post",
    "H": "e-commerce parcel",
    "B": "domestic or bilateral",
    "D": "domestic or bilateral",
    "N": "domestic or bilateral",
    "P": "domestic or bilateral",
    "Z": "domestic or bilateral",
}
S10_SERVICE_PAIRS = {f"Q{c}": "international business reply (IBRS)" for c in "ABCDEFGHIJKLM"}
S10_SERVICE_PAIRS |= {f"A{c}": "domestic or bilateral" for c in "VWXYZ"}
S10_SERVICE_PAIRS |= {"GA": "domestic or bilateral", "GD": "domestic or bilateral"}
S10_RESERVED_LETTERS = frozenset("JKSTW")  # reserved by the UPU, never issued

# Issuing country -> our carrier code for the designated postal operator.
POSTAL_OPERATORS = {
    "US": "usps",
    "CN": "china_post",
    "GB": "royal_mail",
    "DE": "deutsche_post",
    "FR": "la_poste",
    "CA": "canada_post",
    "AU": "australia_post",
    "JP": "japan_post",
    "HK": "hongkong_post",
    "SG": "singpost",
    "NL": "postnl",
    "ES": "correos",
    "IT": "poste_italiane",
    "KR": "korea_post",
    "TW": "chunghwa_post",
    "IN": "india_post",
    "BR": "correios",
    "MX": "correos_de_mexico",
    "NZ": "nz_post",
    "CH": "swiss_post",
    "AT": "austrian_post",
    "BE": "bpost",
    "PL": "poczta_polska",
    "SE": "postnord",
    "DK": "postnord",
}

_S10 = re.compile(r"([A-Z]{2})(\d{8})(\d)([A-Z]{2})", re.ASCII)
_YANWEN = re.compile(r"[A-Z]{2}\d{9}YW", re.ASCII)
_YUNEXPRESS = re.compile(r"YT\d{16}", re.ASCII)
_4PX = re.compile(r"4PX\d{10,16}(CN)?", re.ASCII)
_CAINIAO_LP = re.compile(r"LP\d{12,16}", re.ASCII)
_CAINIAO_CN = re.compile(r"CN([A-Z]{2})[A-Z]{2}\d{8,12}", re.ASCII)
_DHL_ECOMMERCE = re.compile(r"(GM|LX|RX|UV|CN|SG|TH|IN|HK|MY)\d{10,39}", re.ASCII)


def s10_service(indicator: str) -> str | None:
    """The S10 service type of a two-letter service indicator, or None when unassigned."""
    return S10_SERVICE_PAIRS.get(indicator) or S10_SERVICES_BY_LETTER.get(indicator[:1])


def match_s10(n: str) -> Candidate | None:
    """UPU S10: 2 letters + 8 digits + check digit (mod 11) + issuing country."""
    found = _S10.fullmatch(n)
    if found is None or found.group(4) == "YW":  # YW is Yanwen's own suffix, not a country
        return None
    indicator, serial, _, country = found.groups()
    expected = s10_check_digit(serial)
    service = s10_service(indicator)
    iso = is_iso_country(country)
    carrier = POSTAL_OPERATORS.get(country, f"post_{country.lower()}") if iso else "upu_s10"
    origin = country if iso else None
    if not has_valid_check_digit(n[:11], expected):
        reason = f"S10 shape but check digit is {n[10]}, expected {expected}"
        return Candidate(carrier, "upu_s10", MISTYPED, reason, CheckDigit.INVALID, service, origin)
    parts = ["S10 check digit valid"]
    confidence = CONFIDENT
    if iso:
        parts.append(f"origin {country} ({country_name(country)})")
    else:
        parts.append(f"suffix {country} is not an ISO 3166 country code")
        confidence = 0.5
    if indicator[0] in S10_RESERVED_LETTERS:
        parts.append(f"service indicator {indicator} is reserved by the UPU")
        confidence = min(confidence, 0.6)
    elif service is None:
        parts.append(f"service indicator {indicator} is not assigned")
        confidence = min(confidence, LIKELY)
    else:
        parts.append(f"service {indicator} ({service})")
    return Candidate(
        carrier, "upu_s10", confidence, "; ".join(parts), CheckDigit.VALID, service, origin
    )


def match_yanwen(n: str) -> Candidate | None:
    """Yanwen: S10-shaped numbers ending in the operator suffix YW (UG.../UH... most often)."""
    if not _YANWEN.fullmatch(n):
        return None
    confidence = 0.9 if n[0] == "U" else 0.8
    reason = f"S10-shaped number with Yanwen suffix YW, prefix {n[:2]}"
    return Candidate(
        "yanwen", "yanwen_yw", confidence, reason, CheckDigit.ABSENT, s10_service(n[:2])
    )


def match_yunexpress(n: str) -> Candidate | None:
    """YunExpress: YT + 16 digits."""
    if not _YUNEXPRESS.fullmatch(n):
        return None
    return Candidate(
        "yunexpress", "yunexpress_yt", 0.9, "YunExpress YT + 16 digits", CheckDigit.ABSENT
    )


def match_4px(n: str) -> Candidate | None:
    """4PX: the literal prefix 4PX + 10-16 digits, optionally ending CN."""
    if not _4PX.fullmatch(n):
        return None
    return Candidate("4px", "4px", LIKELY, "4PX prefix + digits", CheckDigit.ABSENT, None, "CN")


def match_cainiao_lp(n: str) -> Candidate | None:
    """Cainiao: LP + 12-16 digits (AliExpress economy lines)."""
    if not _CAINIAO_LP.fullmatch(n):
        return None
    reason = "Cainiao LP + digits (AliExpress economy lines)"
    return Candidate("cainiao", "cainiao_lp", LIKELY, reason, CheckDigit.ABSENT, None, "CN")


def match_cainiao_cn(n: str) -> Candidate | None:
    """Cainiao: CN + destination country + 2 service letters + 8-12 digits (CNUSUP...)."""
    found = _CAINIAO_CN.fullmatch(n)
    if found is None or not is_iso_country(found.group(1)):
        return None
    reason = f"Cainiao CN + destination {found.group(1)} + service letters + digits"
    return Candidate("cainiao", "cainiao_cn", 0.6, reason, CheckDigit.ABSENT, None, "CN")


def match_dhl_ecommerce(n: str) -> Candidate | None:
    """DHL eCommerce: GM (and a few Asian prefixes) followed by 10-39 digits."""
    found = _DHL_ECOMMERCE.fullmatch(n)
    if found is None:
        return None
    prefix = found.group(1)
    confidence = LIKELY if prefix == "GM" else WEAK
    reason = f"DHL eCommerce prefix {prefix} + {len(n) - 2} digits"
    return Candidate("dhl_ecommerce", "dhl_ecommerce", confidence, reason, CheckDigit.ABSENT)
