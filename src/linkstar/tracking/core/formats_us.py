"""Tracking-number formats of UPS, USPS, FedEx and DHL Express, each with its source.

Every matcher takes an already normalised number (see `numbers.normalise_tracking_number`)
and returns a `Candidate` or None. Formats whose only evidence is a run of digits return None
when the check digit fails, because then nothing points at the carrier at all.
"""

from __future__ import annotations

import re

from linkstar.tracking.core.candidates import (
    CONFIDENT,
    MISTYPED,
    PLAUSIBLE,
    STRONG,
    WEAK,
    Candidate,
    CheckDigit,
)
from linkstar.tracking.core.numbers import (
    fedex_mod11_check_digit,
    gs1_mod10_check_digit,
    has_valid_check_digit,
    mod7_check_digit,
    ups_check_digit,
)

# UPS service codes carried in characters 9-10 of a 1Z number (jkeen couriers/ups.json).
UPS_SERVICES = {
    "01": "Next Day Air",
    "02": "2nd Day Air",
    "03": "Ground",
    "12": "3 Day Select",
    "13": "Next Day Air Saver",
    "15": "Next Day Air Early",
    "22": "Ground - Returns Plus",
    "42": "Ground - Signature Required",
    "66": "Worldwide Express",
    "72": "Ground - Collect on Delivery",
    "90": "Ground - Returns",
}

_UPS = re.compile(r"1Z[A-Z0-9]{16}", re.ASCII)
_IMPB = re.compile(r"9[1-5]\d{18,24}", re.ASCII)
_DIGITS = re.compile(r"\d+", re.ASCII)
_DHL_PIECE = re.compile(r"J(JD|VGL)\d{9,10}", re.ASCII)


def match_ups(n: str) -> Candidate | None:
    """UPS 1Z + 6 shipper + 2 service + 7 package + check digit (mod 10, weights 1,2)."""
    if not _UPS.fullmatch(n):
        return None
    expected = ups_check_digit(n[2:17])
    valid = has_valid_check_digit(n, expected)
    service = UPS_SERVICES.get(n[8:10])
    if not valid:
        reason = f"UPS 1Z structure but check digit is {n[-1]}, expected {expected}"
        return Candidate("ups", "ups_1z", MISTYPED, reason, CheckDigit.INVALID, service)
    reason = "UPS 1Z check digit valid" + (f"; service {n[8:10]} ({service})" if service else "")
    return Candidate("ups", "ups_1z", CONFIDENT, reason, CheckDigit.VALID, service)


def _impb(body: str) -> tuple[bool, int | None]:
    expected = gs1_mod10_check_digit(body[:-1])
    return has_valid_check_digit(body, expected), expected


def match_usps_impb(n: str) -> Candidate | None:
    """USPS IMpb: 9[1-5] + 18-24 digits with a GS1 mod-10 check, optionally 420+ZIP first."""
    if not _DIGITS.fullmatch(n):
        return None
    parses: list[tuple[str, str | None]] = [(n, None)]
    if n.startswith("420"):
        parses = [(n[12:], n[3:12]), (n[8:], n[3:8])]  # ZIP+4 before ZIP5 (34-digit form)
    mistyped: Candidate | None = None
    for body, zip_code in parses:
        if not _IMPB.fullmatch(body):
            continue
        valid, expected = _impb(body)
        prefix = f"420+ZIP {zip_code}; " if zip_code else ""
        if not valid:
            # Another reading of the 420 routing prefix may still be the right one.
            reason = f"{prefix}USPS IMpb shape but check digit is {body[-1]}, expected {expected}"
            mistyped = mistyped or Candidate(
                "usps", "usps_impb", MISTYPED, reason, CheckDigit.INVALID, None, None, zip_code
            )
            continue
        modern = body[:2] != "91" and len(body) in (22, 26)
        reason = f"{prefix}USPS IMpb check digit valid; application identifier {body[:2]}"
        confidence = CONFIDENT if modern else STRONG
        return Candidate(
            "usps", "usps_impb", confidence, reason, CheckDigit.VALID, None, None, zip_code
        )
    return mistyped


def match_usps_20(n: str) -> Candidate | None:
    """Older 20-digit USPS numbers (certified, insured, registered), GS1 mod-10 check."""
    if len(n) != 20 or not _DIGITS.fullmatch(n) or _IMPB.fullmatch(n):
        return None
    body = n[:-1]
    if has_valid_check_digit(n, gs1_mod10_check_digit(body)) or has_valid_check_digit(
        n, gs1_mod10_check_digit("91" + body)
    ):
        reason = "20-digit USPS number, GS1 mod-10 check digit valid (FedEx uses 20 digits too)"
        return Candidate("usps", "usps_20", WEAK, reason, CheckDigit.VALID)
    return None


def match_fedex_12(n: str) -> Candidate | None:
    """FedEx Express 12 digits, mod-11 check (weights 1,3,7 from the right)."""
    if len(n) != 12 or not _DIGITS.fullmatch(n):
        return None
    if not has_valid_check_digit(n, fedex_mod11_check_digit(n[:-1])):
        return None
    reason = "12-digit FedEx Express number, mod-11 check digit valid"
    return Candidate("fedex", "fedex_12", PLAUSIBLE, reason, CheckDigit.VALID)


def match_fedex_15(n: str) -> Candidate | None:
    """FedEx Ground / Home Delivery 15 digits, GS1 mod-10 check."""
    if len(n) != 15 or not _DIGITS.fullmatch(n):
        return None
    if not has_valid_check_digit(n, gs1_mod10_check_digit(n[:-1])):
        return None
    reason = "15-digit FedEx Ground number, mod-10 check digit valid"
    return Candidate("fedex", "fedex_15", 0.6, reason, CheckDigit.VALID)


def match_fedex_20(n: str) -> Candidate | None:
    """FedEx SmartPost / Ground Economy 20 digits: an IMpb number without its leading 92."""
    if len(n) != 20 or not _DIGITS.fullmatch(n) or _IMPB.fullmatch(n):
        return None
    if not has_valid_check_digit(n, gs1_mod10_check_digit("92" + n[:-1])):
        return None
    reason = "20-digit FedEx SmartPost number, mod-10 check digit (with 92 prefix) valid"
    return Candidate("fedex", "fedex_20", 0.6, reason, CheckDigit.VALID)


def match_fedex_92(n: str) -> Candidate | None:
    """22-digit IMpb numbers starting 92 are also printed on FedEx Ground Economy labels."""
    if len(n) != 22 or not n.startswith("92") or not _DIGITS.fullmatch(n):
        return None
    if not _impb(n)[0]:
        return None
    reason = "IMpb number starting 92: FedEx Ground Economy (SmartPost) uses it, USPS delivers"
    return Candidate("fedex", "fedex_smartpost_22", WEAK, reason, CheckDigit.VALID)


def match_fedex_96(n: str) -> Candidate | None:
    """FedEx Ground 96 + SCNC + service + 14-digit serial with GS1 mod-10 check (22 digits)."""
    if len(n) != 22 or not n.startswith("96") or not _DIGITS.fullmatch(n):
        return None
    expected = gs1_mod10_check_digit(n[7:21])
    if not has_valid_check_digit(n, expected):
        reason = f"FedEx Ground 96 shape but check digit is {n[-1]}, expected {expected}"
        return Candidate("fedex", "fedex_96", MISTYPED, reason, CheckDigit.INVALID)
    reason = "FedEx Ground 96 (22 digits), check digit valid"
    return Candidate("fedex", "fedex_96", 0.95, reason, CheckDigit.VALID)


def match_fedex_34(n: str) -> Candidate | None:
    """FedEx 34-digit forms (100x Express, 96 Ground GSN): mod-11 check on the last 14."""
    if len(n) != 34 or not _DIGITS.fullmatch(n) or not (n.startswith("100") or n[:2] == "96"):
        return None
    expected = fedex_mod11_check_digit(n[-14:-1])
    if not has_valid_check_digit(n, expected):
        reason = f"FedEx 34-digit shape but check digit is {n[-1]}, expected {expected}"
        return Candidate("fedex", "fedex_34", MISTYPED, reason, CheckDigit.INVALID)
    reason = "FedEx 34-digit barcode, mod-11 check digit valid"
    return Candidate("fedex", "fedex_34", STRONG, reason, CheckDigit.VALID)


def match_dhl_express(n: str) -> Candidate | None:
    """DHL Express waybill: 10 digits (11 on some), the last being the rest mod 7."""
    if len(n) not in (10, 11) or not _DIGITS.fullmatch(n):
        return None
    if not has_valid_check_digit(n, mod7_check_digit(n[:-1])):
        return None
    confidence = 0.5 if len(n) == 10 else 0.35
    reason = f"{len(n)}-digit DHL Express waybill, mod-7 check digit valid"
    return Candidate("dhl_express", "dhl_express", confidence, reason, CheckDigit.VALID)


def match_dhl_piece(n: str) -> Candidate | None:
    """DHL Express piece identifiers JJD... / JVGL... (no check digit)."""
    if not _DHL_PIECE.fullmatch(n):
        return None
    reason = f"DHL Express piece ID prefix {n[:3] if n[1] == 'J' else n[:4]}"
    return Candidate("dhl_express", "dhl_express_piece", 0.8, reason, CheckDigit.ABSENT)
