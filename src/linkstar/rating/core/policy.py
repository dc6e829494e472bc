"""Routing policies as data: conditions on the order, filters that narrow the candidates, and an
objective that ranks what is left. Their JSON form is read and written by `policy_format`
(docs/formats/routing.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

STRING_FIELDS = frozenset(
    {
        "store",
        "channel",
        "warehouse",
        "origin_country",
        "dest_country",
        "dest_state",
        "currency",
        "priority",
    }
)
NUMBER_FIELDS = frozenset({"weight_g", "declared_value", "promised_days"})
BOOL_FIELDS = frozenset({"residential", "ddp"})
SET_FIELDS = frozenset({"tags"})
FIELDS = STRING_FIELDS | NUMBER_FIELDS | BOOL_FIELDS | SET_FIELDS


class Op(StrEnum):
    """Comparison of a condition."""

    eq = "eq"
    ne = "ne"
    in_ = "in"
    not_in = "not_in"
    gt = "gt"
    gte = "gte"
    lt = "lt"
    lte = "lte"
    contains = "contains"  # tags: holds the value
    not_contains = "not_contains"


class Mode(StrEnum):
    """How the remaining candidates are ranked."""

    weighted = "weighted"  # weighted score of cost, on-time probability and success rate
    cheapest = "cheapest"
    cheapest_within_promise = "cheapest_within_promise"  # hard: p90 transit ≤ promise


@dataclass(frozen=True, slots=True)
class Condition:
    """`field op value` over one order attribute."""

    field: str
    op: Op
    value: Any

    def holds(self, attrs: Mapping[str, Any]) -> bool:
        """Whether the order's attributes satisfy the condition (a missing value never does)."""
        actual = attrs.get(self.field)
        op, value = self.op, self.value
        if self.field in SET_FIELDS:
            tags = actual or frozenset()
            if op is Op.contains:
                return value in tags
            if op is Op.not_contains:
                return value not in tags
            if op is Op.in_:
                return bool(tags & value)
            return not (tags & value)
        if actual is None:
            return op in (Op.ne, Op.not_in)
        if op is Op.eq:
            return bool(actual == value)
        if op is Op.ne:
            return bool(actual != value)
        if op is Op.in_:
            return actual in value
        if op is Op.not_in:
            return actual not in value
        if op is Op.gt:
            return bool(actual > value)
        if op is Op.gte:
            return bool(actual >= value)
        if op is Op.lt:
            return bool(actual < value)
        return bool(actual <= value)


@dataclass(frozen=True, slots=True)
class Filter:
    """When every condition holds, remove the candidates its rules refuse."""

    id: str
    when: tuple[Condition, ...] = ()
    only_carriers: frozenset[str] | None = None
    only_services: frozenset[str] | None = None
    exclude_carriers: frozenset[str] = frozenset()
    exclude_services: frozenset[str] = frozenset()
    max_p90_over_promise_days: float | None = None  # p90 ≤ promise + this (orders with a promise)
    min_on_time_probability: float | None = None
    min_success_rate: float | None = None
    max_price: int | None = None  # minor units of the objective's currency

    def applies(self, attrs: Mapping[str, Any]) -> bool:
        """Whether the filter is in force for an order."""
        return all(c.holds(attrs) for c in self.when)


@dataclass(frozen=True, slots=True)
class Objective:
    """Ranking of the candidates that are left."""

    mode: Mode = Mode.weighted
    currency: str | None = None  # None = the FX table's base
    cost: float = 1.0
    on_time: float = 0.0
    success: float = 0.0


@dataclass(frozen=True, slots=True)
class Policy:
    """A routing policy: when it applies, its filters, its objective."""

    name: str
    applies_when: tuple[Condition, ...] = ()
    filters: tuple[Filter, ...] = ()
    objective: Objective = field(default_factory=Objective)

    def applies(self, attrs: Mapping[str, Any]) -> bool:
        """Whether this policy governs an order."""
        return all(c.holds(attrs) for c in self.applies_when)


DEFAULT_POLICY = Policy("built-in cheapest", objective=Objective(Mode.cheapest))
