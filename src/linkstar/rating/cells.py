"""Cell parsers of the rate card sheets: text in, a typed value out, or ValueError with a reason.

Money is written as a decimal in the service's currency ("12.34") and becomes integer minor
units exactly (Decimal, never float); more decimals than the currency has are refused.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from linkstar.rating.core import percent_to_bp

# ISO 4217 minor-unit exponents that are not 2.
_EXPONENTS = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG"), 0),
    **dict.fromkeys(("RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
}
_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_YES = frozenset({"yes", "y", "true", "1"})
_NO = frozenset({"no", "n", "false", "0"})
_LIST_SPLIT = re.compile(r"[,;\s]+")


def currency_exponent(currency: str) -> int:
    """Digits after the decimal point of an ISO 4217 currency (2 unless listed otherwise)."""
    return _EXPONENTS.get(currency, 2)


def parse_money(text: str, currency: str) -> int:
    """A decimal amount in `currency` → integer minor units, exactly."""
    if not _DECIMAL.match(text):
        raise ValueError(f"{text!r} is not a decimal amount like 12.34")
    exponent = currency_exponent(currency)
    try:
        scaled = Decimal(text).scaleb(exponent)
    except InvalidOperation as exc:  # pragma: no cover - the pattern above rules it out
        raise ValueError(f"{text!r} is not a decimal amount") from exc
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{text!r} has more than {exponent} decimals for {currency}")
    if scaled < 0:
        raise ValueError(f"{text!r} is negative")
    return int(scaled)


def format_money(amount: int, currency: str) -> str:
    """Minor units back to the decimal text of the sheets ("12.34")."""
    exponent = currency_exponent(currency)
    return format(Decimal(amount).scaleb(-exponent), f".{exponent}f")


def parse_int(text: str) -> int:
    """A whole number (no decimals, no separators)."""
    if not _INTEGER.match(text) or len(text) > 19:
        raise ValueError(f"{text!r} is not a whole number")
    return int(text)


def parse_percent(text: str) -> int:
    """A percentage ("12.5") → basis points; finer than 0.01 % is refused."""
    if not _DECIMAL.match(text.rstrip("%").strip()):
        raise ValueError(f"{text!r} is not a percentage like 12.5")
    return percent_to_bp(text)


def parse_date(text: str) -> date:
    """An ISO date (YYYY-MM-DD)."""
    try:
        if len(text) != 10:
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO date (YYYY-MM-DD)") from None


def parse_bool(text: str) -> bool:
    """yes/no (also y/n, true/false, 1/0)."""
    lowered = text.lower()
    if lowered in _YES:
        return True
    if lowered in _NO:
        return False
    raise ValueError(f"{text!r} is not yes or no")


def parse_list(text: str) -> list[str]:
    """Items separated by commas, semicolons or spaces."""
    return [item for item in _LIST_SPLIT.split(text) if item]


def parse_postcode_items(text: str, british: bool) -> list[str | tuple[str, str]]:
    """Postcode prefixes and `from-to` ranges separated by commas or semicolons.

    Spaces separate items too, except for British-format countries where a space belongs to a
    sector ("KW1 5").
    """
    parts = re.split(r"[,;]+" if british else r"[,;\s]+", text)
    items: list[str | tuple[str, str]] = []
    for part in (p.strip() for p in parts):
        if not part:
            continue
        first, dash, last = part.partition("-")
        items.append((first.strip(), last.strip()) if dash else part)
    return items


def parse_days(text: str) -> float:
    """A number of days ("2", "3.5"), at most one decimal place."""
    if not _DECIMAL.match(text.strip()):
        raise ValueError(f"{text!r} is not a number of days like 3 or 3.5")
    value = Decimal(text.strip())
    if value != value.quantize(Decimal("0.1")):
        raise ValueError(f"{text!r}: days are kept to one decimal place")
    return float(value)
