"""The rate card model: services, price brackets and steps, surcharges (frozen dataclasses).

Units follow DESIGN.md: money in integer minor units of the service's currency, percentages in
basis points, weights in grams, lengths in millimetres, dates as `date` (a rate applies on a
ship date d when effective_from ≤ d ≤ effective_to, both inclusive, None = open). Field values
are checked where a single field can be wrong; checks across tables live in `tables.compile_card`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from linkstar.rating.core.matching import PostcodeSet
from linkstar.rating.core.measures import DimRounding
from linkstar.rating.core.money import MAX_AMOUNT, MAX_BP
from linkstar.rating.core.postcodes import normalise_country
from linkstar.rating.core.zones import ZoneChart


class SurchargeKind(StrEnum):
    """What a surcharge is for; the order of the members is the order lines are applied."""

    residential = "residential"
    remote = "remote"
    extended_remote = "extended_remote"
    oversize = "oversize"
    additional_handling = "additional_handling"
    signature = "signature"
    ddp = "ddp"
    peak = "peak"
    fuel_override = "fuel_override"


class PercentOf(StrEnum):
    """What a surcharge's percentage is taken of (the `applies_to` column)."""

    base = "base"  # the transport charge after the minimum charge
    subtotal = "subtotal"  # base plus the surcharge lines applied before this one
    declared_value = "declared_value"  # the parcel's declared value (same currency required)


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


def _check_dates(start: date | None, end: date | None) -> None:
    _check(start is None or end is None or start <= end, "effective_from is after effective_to")


def in_effect(start: date | None, end: date | None, day: date) -> bool:
    """Whether `day` lies in the inclusive [start, end] window (None = open)."""
    return (start is None or start <= day) and (end is None or day <= end)


def _optional_positive(value: int | None, name: str) -> None:
    _check(value is None or value > 0, f"{name} must be positive when given")


@dataclass(frozen=True, slots=True)
class Service:
    """One carrier service and its rules; `zone_chart` names a chart of the rate card."""

    service_id: str
    carrier: str
    name: str
    currency: str
    zone_chart: str
    origin_country: str
    dest_countries: frozenset[str]
    # Empty = every origin postcode.
    origin_postcodes: PostcodeSet = field(default_factory=PostcodeSet)
    dim_divisor: int | None = None  # cm³ per kg; None = no dimensional weight
    dim_rounding: DimRounding = DimRounding.exact
    weight_rounding_g: int = 1
    max_weight_g: int | None = None  # on the actual weight
    max_length_mm: int | None = None  # longest side
    max_length_plus_girth_mm: int | None = None  # longest + 2 x (the other two)
    fuel_bp: int = 0
    min_charge: int = 0
    restricted: frozenset[str] = frozenset()  # contents refused: battery, liquid, …
    ddp: bool = False  # offers delivered-duty-paid
    po_box: bool = True  # delivers to PO boxes
    military: bool = True  # delivers to APO/FPO/DPO
    signature_available: bool = True
    effective_from: date | None = None
    effective_to: date | None = None
    # Reliability priors (optional): transit-time percentiles in days on the service's lanes
    # and the rates of parcels delivered on time / delivered at all, in basis points.
    transit_days_p50: float | None = None
    transit_days_p90: float | None = None
    prior_on_time_bp: int | None = None
    prior_success_bp: int | None = None

    def __post_init__(self) -> None:
        _check(bool(self.service_id.strip()), "service_id is blank")
        _check(len(self.currency) == 3 and self.currency.isupper(), "currency is not ISO 4217")
        object.__setattr__(self, "origin_country", normalise_country(self.origin_country))
        object.__setattr__(
            self, "dest_countries", frozenset(normalise_country(c) for c in self.dest_countries)
        )
        object.__setattr__(self, "restricted", frozenset(r.lower() for r in self.restricted))
        _check(bool(self.dest_countries), "dest_countries is empty")
        _check(
            self.origin_postcodes.country in (None, self.origin_country),
            "origin_postcodes are for another country",
        )
        _optional_positive(self.dim_divisor, "dim_divisor")
        _check(self.weight_rounding_g > 0, "weight_rounding_g must be positive")
        _optional_positive(self.max_weight_g, "max_weight_g")
        _optional_positive(self.max_length_mm, "max_length_mm")
        _optional_positive(self.max_length_plus_girth_mm, "max_length_plus_girth_mm")
        _check(0 <= self.fuel_bp <= MAX_BP, "fuel percentage out of range")
        _check(0 <= self.min_charge < MAX_AMOUNT, "min_charge out of range")
        _check_dates(self.effective_from, self.effective_to)
        p50, p90 = self.transit_days_p50, self.transit_days_p90
        _check(p50 is None or 0 < p50 <= 365, "transit_days_p50 must be in (0, 365]")
        _check(p90 is None or 0 < p90 <= 365, "transit_days_p90 must be in (0, 365]")
        _check(p50 is None or p90 is None or p50 <= p90, "transit_days_p50 is above the p90")
        for name in ("prior_on_time_bp", "prior_success_bp"):
            value = getattr(self, name)
            _check(value is None or 0 <= value <= 10_000, f"{name} must be 0..100 %")

    def is_effective(self, day: date) -> bool:
        """Whether the service may be used on ship date `day`."""
        return in_effect(self.effective_from, self.effective_to, day)


@dataclass(frozen=True, slots=True)
class PriceBracket:
    """Price for billable weights up to `max_weight_g` (above the previous bracket) in a zone."""

    service_id: str
    zone: str
    max_weight_g: int
    price: int

    def __post_init__(self) -> None:
        _check(self.max_weight_g > 0, "max_weight_g must be positive")
        _check(0 <= self.price < MAX_AMOUNT, "price out of range")


@dataclass(frozen=True, slots=True)
class PriceStep:
    """Beyond the last bracket: price at `from_weight_g` + `price_per_step` per started step."""

    service_id: str
    zone: str
    from_weight_g: int
    step_g: int
    price_per_step: int

    def __post_init__(self) -> None:
        _check(self.from_weight_g >= 0, "from_weight_g must not be negative")
        _check(self.step_g > 0, "step_g must be positive")
        _check(0 <= self.price_per_step < MAX_AMOUNT, "price_per_step out of range")


_NEEDS_POSTCODES = frozenset({SurchargeKind.remote, SurchargeKind.extended_remote})
_NEEDS_THRESHOLD = frozenset({SurchargeKind.oversize, SurchargeKind.additional_handling})


@dataclass(frozen=True, slots=True)
class Surcharge:
    """An extra charge: `amount` plus `percent_bp` of `applies_to`, when its conditions hold.

    `service_id` None applies to every service of `carrier` (the sheet's `*`). Size thresholds
    are "strictly over"; the surcharge applies when any threshold that is set is exceeded.
    """

    carrier: str
    service_id: str | None
    kind: SurchargeKind
    dest: PostcodeSet = field(default_factory=PostcodeSet)  # country None = every country
    amount: int = 0
    percent_bp: int = 0
    applies_to: PercentOf = PercentOf.base
    effective_from: date | None = None
    effective_to: date | None = None
    over_weight_g: int | None = None  # actual weight
    over_length_mm: int | None = None  # longest side
    over_second_length_mm: int | None = None  # second-longest side
    over_length_plus_girth_mm: int | None = None
    subject_to_fuel: bool = True

    def __post_init__(self) -> None:
        _check(0 <= self.amount < MAX_AMOUNT, "amount out of range")
        _check(0 <= self.percent_bp <= MAX_BP, "percent out of range")
        _check_dates(self.effective_from, self.effective_to)
        for name in self.threshold_names:
            _optional_positive(getattr(self, name), name)
        if self.kind in _NEEDS_POSTCODES:
            _check(not self.dest.is_everything, f"a {self.kind} surcharge needs postcodes")
        if self.kind in _NEEDS_THRESHOLD:
            _check(self.has_thresholds, f"a {self.kind} surcharge needs a size or weight threshold")
        if self.kind is SurchargeKind.fuel_override:
            _check(self.amount == 0, "a fuel_override sets a percentage, not an amount")

    threshold_names = (
        "over_weight_g",
        "over_length_mm",
        "over_second_length_mm",
        "over_length_plus_girth_mm",
    )

    @property
    def has_thresholds(self) -> bool:
        """Whether any size or weight threshold is set."""
        return any(getattr(self, name) is not None for name in self.threshold_names)

    def is_effective(self, day: date) -> bool:
        """Whether the surcharge is in force on ship date `day`."""
        return in_effect(self.effective_from, self.effective_to, day)


@dataclass(frozen=True)
class RateCard:
    """Everything needed to price: services, their zone charts, prices and surcharges."""

    services: tuple[Service, ...]
    zone_charts: Mapping[str, ZoneChart]
    brackets: tuple[PriceBracket, ...]
    steps: tuple[PriceStep, ...] = ()
    surcharges: tuple[Surcharge, ...] = field(default=())
