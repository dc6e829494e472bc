"""One cell of an order export read as an amount or a time (no mapping, no row: `files.py`
names the row and column of a cell these cannot read)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation

_SYMBOLS = str.maketrans("", "", "$€£¥₹ \u00a0")


def read_amount(text: str, decimal_comma: bool) -> Decimal | None:
    """An amount with currency symbols, thousands separators and `(1.00)` negatives
    (`decimal_comma`: `1.234,50`); None when the text is not a finite amount."""
    try:
        value = Decimal(text)
        if value.is_finite():  # NaN and Infinity fall through to the cleaning below
            return value
    except InvalidOperation:
        pass
    cleaned = text.translate(_SYMBOLS)
    cleaned = (
        cleaned.replace(".", "").replace(",", ".") if decimal_comma else cleaned.replace(",", "")
    )
    negative = cleaned.startswith("(") and cleaned.endswith(")")
    try:
        amount = Decimal(cleaned.strip("()"))
    except InvalidOperation:
        return None
    if not amount.is_finite():
        return None
    return -amount if negative else amount


def read_time(text: str, date_formats: Sequence[str]) -> datetime | None:
    """ISO 8601 (a trailing Z is UTC), then each strptime format; None when none reads it."""
    try:
        return datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        pass
    for fmt in date_formats:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None
