"""Surcharge rows compiled for the scalar pricer: when one applies to a parcel, and how much.

A row's conditions (parcel flag, dates, country, postcode list, thresholds) become a
`Condition` shared by every row with the same conditions: six carriers' residential rows, or
their peak rows over the same dates, are one condition. Whether a condition holds is worked
out once per parcel and remembered in the parcel's memo; only the amount, which may be a
percentage of a service's own price, is computed per service.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from linkstar.rating.core.matching import PostcodeMatcher
from linkstar.rating.core.model import PercentOf, Surcharge, SurchargeKind
from linkstar.rating.core.parcel import (
    WANTS_DDP,
    WANTS_RESIDENTIAL,
    WANTS_SIGNATURE,
    ParcelFacts,
)

_WANTS = {
    SurchargeKind.residential: WANTS_RESIDENTIAL,
    SurchargeKind.signature: WANTS_SIGNATURE,
    SurchargeKind.ddp: WANTS_DDP,
}
_KIND_BIT = {kind: 1 << i for i, kind in enumerate(SurchargeKind)}
_Over = tuple[int | None, int | None, int | None, int | None]


@dataclass(frozen=True, slots=True, eq=False)  # identity hash: a condition is a memo key
class Condition:
    """When a surcharge row applies (all must hold; thresholds: any exceeded)."""

    wants: int  # WANTS_* bit the parcel must have, 0 for none
    start: date | None
    end: date | None
    country: str | None  # None = every country
    matcher: PostcodeMatcher[bool] | None  # None = every postcode
    over: _Over  # weight, longest side, second side, length + girth
    has_over: bool

    def holds(self, facts: ParcelFacts) -> bool:
        """Whether the parcel meets the condition (remembered for the parcel's other rows)."""
        memo = facts.memo
        hit = memo.get(self)
        if hit is None:
            parcel = facts.parcel
            day = parcel.ship_date
            hit = memo[self] = bool(
                (not self.wants or facts.wants & self.wants)
                and (self.start is None or self.start <= day)
                and (self.end is None or day <= self.end)
                and (self.country is None or self.country == parcel.dest_country)
                and (self.matcher is None or _member(self.matcher, facts))
                and (not self.has_over or self._exceeded(facts))
            )
        return bool(hit)

    def _exceeded(self, facts: ParcelFacts) -> bool:
        weight, length, second, girth = self.over
        return (
            (weight is not None and facts.parcel.weight_g > weight)
            or (length is not None and facts.longest > length)
            or (second is not None and facts.second > second)
            or (girth is not None and facts.length_plus_girth > girth)
        )


@dataclass(frozen=True, slots=True, eq=False)
class SurchargeRule:
    """A surcharge row with everything the scalar pricer reads, precomputed."""

    surcharge: Surcharge
    code: str
    kind_bit: int
    condition: Condition
    amount: int
    percent_bp: int
    percent_of: PercentOf
    subject_to_fuel: bool


class RuleCompiler:
    """Compiles rows into rules, sharing equal conditions (use one compiler per rate card)."""

    def __init__(self) -> None:
        self._conditions: dict[tuple[object, ...], Condition] = {}
        self._shapes: dict[tuple[tuple[int, int], ...], object] = {}

    def rule_set(self, rules: tuple[SurchargeRule, ...]) -> RuleSet:
        """Rows of one service, in order, with their shared shape."""
        key = tuple((rule.kind_bit, id(rule.condition)) for rule in rules)
        return RuleSet(rules, self._shapes.setdefault(key, object()))

    def rule(self, surcharge: Surcharge, matcher: PostcodeMatcher[bool] | None) -> SurchargeRule:
        """Compile one row; `matcher` is the (shared) matcher of its postcode set."""
        over: _Over = (
            surcharge.over_weight_g,
            surcharge.over_length_mm,
            surcharge.over_second_length_mm,
            surcharge.over_length_plus_girth_mm,
        )
        wants = _WANTS.get(surcharge.kind, 0)
        start, end, country = (
            surcharge.effective_from,
            surcharge.effective_to,
            surcharge.dest.country,
        )
        key = (wants, start, end, country, id(matcher) if matcher else None, over)
        condition = self._conditions.get(key)
        if condition is None:
            condition = self._conditions[key] = Condition(
                wants, start, end, country, matcher, over, surcharge.has_thresholds
            )
        return SurchargeRule(
            surcharge=surcharge,
            code=surcharge.kind.value,
            kind_bit=_KIND_BIT[surcharge.kind],
            condition=condition,
            amount=surcharge.amount,
            percent_bp=surcharge.percent_bp,
            percent_of=surcharge.applies_to,
            subject_to_fuel=surcharge.subject_to_fuel,
        )


@dataclass(frozen=True, slots=True, eq=False)  # identity hash: a memo key
class RuleSet:
    """A service's rows in order; services whose rows have the same kinds and conditions (a
    carrier's `*` rows, or equal rows of several carriers) share one `shape`, so a parcel
    works out once which positions it is charged for."""

    rules: tuple[SurchargeRule, ...]
    shape: object


def charged_positions(rule_set: RuleSet, facts: ParcelFacts) -> tuple[int, ...]:
    """Positions of the rows charged to a parcel: of each kind, the first that applies."""
    memo = facts.memo
    found = memo.get(rule_set.shape)
    if found is None:
        charged = 0
        positions = []
        for i, rule in enumerate(rule_set.rules):
            if not charged & rule.kind_bit and rule.condition.holds(facts):
                charged |= rule.kind_bit
                positions.append(i)
        found = memo[rule_set.shape] = tuple(positions)
    return found  # type: ignore[return-value]


def _member(matcher: PostcodeMatcher[bool], facts: ParcelFacts) -> bool:
    # Equal postcode lists share one matcher, so a 3,000-ZIP remote list is searched once.
    hit = facts.memo.get(matcher)
    if hit is None:
        hit = facts.memo[matcher] = bool(matcher.lookup(facts.dest_key or ""))
    return bool(hit)
