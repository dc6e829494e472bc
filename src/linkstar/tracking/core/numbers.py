"""Tracking-number normalisation and the check-digit algorithms carriers publish.

Every function is pure and total: a wrong length or a non-digit gives `None` or `False`,
never an exception, because the input is whatever a user or a marketplace typed.

Algorithms and their sources (also in docs/formats/tracking.md):

* GS1 mod 10 (USPS IMpb, FedEx Ground 15/22/SmartPost): weights 3, 1, 3, ... from the digit
  next to the check digit, check = (10 - sum mod 10) mod 10. GS1 General Specifications
  section 7.9; USPS Publication 199 (IMpb); vectors from jkeen/tracking_number_data.
* UPS 1Z: the 15 characters between "1Z" and the check digit, letters turned into digits as
  (ASCII code - 63) mod 10 (A=2 ... Z=1 cyclic), weights 1, 2, 1, 2 ... from the left,
  check = (10 - sum mod 10) mod 10. Algorithm::CheckDigits::M10_011 ("UPS") and
  jkeen/tracking_number_data couriers/ups.json.
* UPU S10: weights 8, 6, 4, 2, 3, 5, 9, 7 on the 8 serial digits, c = 11 - sum mod 11,
  then 10 -> 0 and 11 -> 5. UPU S10 technical standard, section on the check digit.
* FedEx mod 11: weights 1, 3, 7, 1, 3, 7 ... from the digit next to the check digit,
  check = sum mod 11 mod 10 (12-digit Express numbers, and the last 14 digits of the 34-digit
  forms). jkeen/tracking_number_data couriers/fedex.json.
* DHL Express: the number without its last digit, mod 7, equals the last digit.
  jkeen/tracking_number_data couriers/dhl.json.
"""

from __future__ import annotations

import re
import unicodedata

_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212\u30fc\uff0d]+")
_MAX_NORMALISATION_ROUNDS = 4


def _normalise_once(text: str) -> str:
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", text).upper())


def normalise_tracking_number(text: str) -> str:
    """Strip spaces and dashes, fold full-width forms (NFKC) and upper-case; idempotent."""
    if text.isascii() and text.isalnum():
        return text.upper()  # the common case: NFKC leaves ASCII alone, nothing to strip
    # Upper-casing can produce characters that NFKC changes again (e.g. Greek with
    # diacritics), so repeat until nothing changes; real tracking numbers settle in one round.
    current = text
    for _ in range(_MAX_NORMALISATION_ROUNDS):
        following = _normalise_once(current)
        if following == current:
            break
        current = following
    return current


def _digits(text: str) -> list[int] | None:
    if not text or not text.isascii() or not text.isdigit():
        return None
    return [int(ch) for ch in text]


def gs1_mod10_check_digit(body: str) -> int | None:
    """GS1 mod-10 check digit of a digit string (weight 3 on the rightmost digit)."""
    digits = _digits(body)
    if digits is None:
        return None
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return (10 - total % 10) % 10


def ups_check_digit(body: str) -> int | None:
    """UPS 1Z check digit of the 15 characters between "1Z" and the check digit."""
    if len(body) != 15 or not body.isascii() or not body.isalnum():
        return None
    total = 0
    for i, ch in enumerate(body.upper()):
        value = int(ch) if ch.isdigit() else (ord(ch) - 63) % 10
        total += value * (2 if i % 2 else 1)
    return (10 - total % 10) % 10


def s10_check_digit(serial: str) -> int | None:
    """UPU S10 check digit of the 8-digit serial number."""
    digits = _digits(serial)
    if digits is None or len(digits) != 8:
        return None
    total = sum(d * w for d, w in zip(digits, (8, 6, 4, 2, 3, 5, 9, 7), strict=True))
    check = 11 - total % 11
    return {10: 0, 11: 5}.get(check, check)


def fedex_mod11_check_digit(body: str) -> int | None:
    """FedEx mod-11 check digit (weights 1, 3, 7 from the right, sum mod 11 mod 10)."""
    digits = _digits(body)
    if digits is None:
        return None
    weights = (1, 3, 7)
    total = sum(d * weights[i % 3] for i, d in enumerate(reversed(digits)))
    return total % 11 % 10


def mod7_check_digit(body: str) -> int | None:
    """DHL Express check digit: the number itself modulo 7."""
    if _digits(body) is None:
        return None
    return int(body) % 7


def has_valid_check_digit(number: str, expected: int | None) -> bool:
    """True when the last character of `number` is the digit `expected`."""
    return expected is not None and number[-1:] == str(expected)
