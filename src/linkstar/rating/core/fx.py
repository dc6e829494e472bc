"""Currency conversion through the seller's FX table: rates by date, crossed via a base currency.

A rate says what one unit of a currency is worth in the base currency (USD base: GBP 1.27 means
£1 = $1.27), effective from its date until the next rate of that currency. Conversion is exact
(Decimal) and rounds half-up to a minor unit of the target currency. For ranking, a float factor
per (currency pair, day) is derived once, so the scalar and vectorised choosers use the same one.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

# ISO 4217 minor-unit exponents that are not 2 (the currencies sellers meet).
_EXPONENTS = {"JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "BHD": 3, "KWD": 3, "JOD": 3}


def exponent(currency: str) -> int:
    """Digits of the minor unit of a currency (2 unless listed)."""
    return _EXPONENTS.get(currency, 2)


class FxError(ValueError):
    """A rate is missing or malformed."""


@dataclass(frozen=True, slots=True)
class FxRate:
    """One row of the table: `rate_to_base` base units per unit of `currency` from `effective`."""

    currency: str
    rate_to_base: Decimal
    effective_date: date

    def __post_init__(self) -> None:
        code = self.currency.strip().upper()
        if len(code) != 3 or not code.isalpha():
            raise FxError(f"{self.currency!r} is not an ISO 4217 code")
        object.__setattr__(self, "currency", code)
        rate = Decimal(self.rate_to_base)
        if not rate.is_finite() or rate <= 0 or rate > Decimal(10) ** 9:
            raise FxError(f"rate of {code} must be a positive number, not {self.rate_to_base}")
        object.__setattr__(self, "rate_to_base", rate)


class FxTable:
    """The rates of one organisation, looked up by currency and day."""

    def __init__(self, base: str, rates: Iterable[FxRate] = ()) -> None:
        self.base = base.upper()
        by_currency: dict[str, list[FxRate]] = {}
        for rate in rates:
            if rate.currency == self.base:
                if rate.rate_to_base != 1:
                    raise FxError(f"the base currency {self.base} must have rate 1")
                continue
            by_currency.setdefault(rate.currency, []).append(rate)
        self._days: dict[str, list[date]] = {}
        self._rates: dict[str, list[Decimal]] = {}
        for currency, rows in by_currency.items():
            rows.sort(key=lambda r: r.effective_date)
            days = [r.effective_date for r in rows]
            if len(set(days)) != len(days):
                raise FxError(f"{currency} has two rates on one date")
            self._days[currency] = days
            self._rates[currency] = [r.rate_to_base for r in rows]

    @property
    def currencies(self) -> tuple[str, ...]:
        """The base and every currency with a rate."""
        return (self.base, *sorted(self._days))

    def rate(self, currency: str, day: date) -> Decimal:
        """Base units per unit of `currency` on `day` (the latest rate effective by then)."""
        if currency == self.base:
            return Decimal(1)
        days = self._days.get(currency)
        if days is None:
            raise FxError(f"no FX rate for {currency}")
        i = bisect_right(days, day)
        if i == 0:
            raise FxError(f"no FX rate for {currency} on or before {day}")
        return self._rates[currency][i - 1]

    def cross(self, source: str, target: str, day: date) -> Decimal:
        """Units of `target` per unit of `source` on `day`."""
        if source == target:
            return Decimal(1)
        return self.rate(source, day) / self.rate(target, day)

    def convert(self, amount: int, source: str, target: str, day: date) -> int:
        """`amount` minor units of `source` in minor units of `target`, rounded half-up."""
        if source == target:
            return amount
        major = Decimal(amount).scaleb(-exponent(source)) * self.cross(source, target, day)
        return int(major.scaleb(exponent(target)).quantize(Decimal(1), rounding=ROUND_HALF_UP))

    def factor(self, source: str, target: str, day: date) -> float:
        """Minor units of `target` per minor unit of `source`, as a float (for ranking only)."""
        if source == target:
            return 1.0
        scale = Decimal(10) ** (exponent(target) - exponent(source))
        return float(self.cross(source, target, day) * scale)


def identity_table(base: str) -> FxTable:
    """A table with only the base currency (every other currency is an error)."""
    return FxTable(base)
