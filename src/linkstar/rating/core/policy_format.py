"""The JSON form of a routing policy: `parse_policy` checks everything and reports every problem
with its JSON path; `policy_json` writes a policy back (docs/formats/routing.md):

    {"name": "default",
     "applies_when": [{"field": "channel", "op": "eq", "value": "amazon"}],
     "filters": [{"id": "promise", "max_p90_over_promise_days": 0},
                 {"id": "no-post-for-value", "when": [{"field": "declared_value", "op": "gt",
                  "value": 20000}], "exclude_carriers": ["usps"]}],
     "objective": {"mode": "weighted", "currency": "USD",
                   "weights": {"cost": 1.0, "on_time": 0.5, "success": 0.2}}}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from linkstar.rating.core.policy import (
    BOOL_FIELDS,
    FIELDS,
    NUMBER_FIELDS,
    SET_FIELDS,
    STRING_FIELDS,
    Condition,
    Filter,
    Mode,
    Objective,
    Op,
    Policy,
)

_ORDERED = frozenset({Op.gt, Op.gte, Op.lt, Op.lte})
_LISTS = frozenset({Op.in_, Op.not_in})
_SET_OPS = frozenset({Op.contains, Op.not_contains})


class PolicyError(ValueError):
    """A policy with problems; `problems` holds (JSON path, message) of every one."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{path}: {message}" for path, message in problems[:5]))


class _Checker:
    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []

    def fail(self, path: str, message: str) -> None:
        self.problems.append((path, message))

    def keys(self, data: Mapping[str, Any], path: str, allowed: set[str]) -> None:
        for key in data:
            if key not in allowed:
                self.fail(f"{path}.{key}", f"unknown key (allowed: {', '.join(sorted(allowed))})")

    def obj(self, value: Any, path: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            self.fail(path, "must be an object")
            return {}
        return value

    def items(self, value: Any, path: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(path, "must be a list")
            return []
        return value

    def strings(self, value: Any, path: str) -> frozenset[str] | None:
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            self.fail(path, "must be a list of non-empty strings")
            return None
        return frozenset(value)

    def number(self, value: Any, path: str, low: float, high: float) -> float | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
            self.fail(path, "must be a number")
            return None
        if not low <= value <= high:
            self.fail(path, f"must lie in {low:g}..{high:g}")
            return None
        return float(value)


def _scalar_ok(name: str, value: Any) -> bool:
    if name in STRING_FIELDS:
        return isinstance(value, str)
    if name in NUMBER_FIELDS:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if name in BOOL_FIELDS:
        return isinstance(value, bool)
    return isinstance(value, str)  # one tag


def _condition(check: _Checker, data: Any, path: str) -> Condition | None:
    item = check.obj(data, path)
    if not item:
        return None
    check.keys(item, path, {"field", "op", "value"})
    name, op_text = item.get("field"), str(item.get("op"))
    value: Any = item.get("value")
    if name not in FIELDS:
        check.fail(f"{path}.field", f"must be one of {', '.join(sorted(FIELDS))}")
        return None
    try:
        op = Op(op_text)
    except ValueError:
        check.fail(f"{path}.op", f"must be one of {', '.join(o.value for o in Op)}")
        return None
    if op in _ORDERED and name not in NUMBER_FIELDS:
        check.fail(f"{path}.op", f"{op} compares numbers; {name} is not one")
        return None
    if op in _SET_OPS and name not in SET_FIELDS:
        check.fail(f"{path}.op", f"{op} applies to tags only")
        return None
    if name in SET_FIELDS and op not in _SET_OPS | _LISTS:
        check.fail(f"{path}.op", "tags take contains, not_contains, in or not_in")
        return None
    if op in _LISTS:
        if not isinstance(value, list) or not value or not all(_scalar_ok(name, v) for v in value):
            check.fail(f"{path}.value", f"must be a non-empty list of {name} values")
            return None
        value = frozenset(value)
    elif not _scalar_ok(name, value):
        check.fail(f"{path}.value", f"is not a valid {name} value")
        return None
    if name in ("dest_country", "origin_country", "currency"):
        value = frozenset(v.upper() for v in value) if op in _LISTS else value.upper()
    return Condition(name, op, value)


def _conditions(check: _Checker, data: Any, path: str) -> tuple[Condition, ...]:
    items = check.items(data, path)
    found = [_condition(check, item, f"{path}[{i}]") for i, item in enumerate(items)]
    return tuple(c for c in found if c is not None)


_FILTER_KEYS = {
    "id",
    "when",
    "only_carriers",
    "only_services",
    "exclude_carriers",
    "exclude_services",
    "max_p90_over_promise_days",
    "min_on_time_probability",
    "min_success_rate",
    "max_price",
}


def _filter(check: _Checker, data: Any, path: str, index: int) -> Filter | None:
    item = check.obj(data, path)
    if not item:
        return None
    check.keys(item, path, _FILTER_KEYS)
    ident = item.get("id", f"filter-{index + 1}")
    if not isinstance(ident, str) or not ident.strip() or len(ident) > 60:
        check.fail(f"{path}.id", "must be a name of 1..60 characters")
        ident = f"filter-{index + 1}"
    if not (_FILTER_KEYS - {"id", "when"}) & set(item):
        check.fail(path, "a filter needs at least one rule (only_*, exclude_*, max_*, min_*)")
    max_price = check.number(item.get("max_price"), f"{path}.max_price", 0, 2**40)
    if max_price is not None and max_price != int(max_price):
        check.fail(f"{path}.max_price", "is in minor units: a whole number")
    return Filter(
        id=ident,
        when=_conditions(check, item.get("when"), f"{path}.when"),
        only_carriers=check.strings(item.get("only_carriers"), f"{path}.only_carriers"),
        only_services=check.strings(item.get("only_services"), f"{path}.only_services"),
        exclude_carriers=check.strings(item.get("exclude_carriers"), f"{path}.exclude_carriers")
        or frozenset(),
        exclude_services=check.strings(item.get("exclude_services"), f"{path}.exclude_services")
        or frozenset(),
        max_p90_over_promise_days=check.number(
            item.get("max_p90_over_promise_days"), f"{path}.max_p90_over_promise_days", -30, 365
        ),
        min_on_time_probability=check.number(
            item.get("min_on_time_probability"), f"{path}.min_on_time_probability", 0, 1
        ),
        min_success_rate=check.number(
            item.get("min_success_rate"), f"{path}.min_success_rate", 0, 1
        ),
        max_price=None if max_price is None else int(max_price),
    )


def _objective(check: _Checker, data: Any, path: str) -> Objective:
    if data is None:
        return Objective()
    item = check.obj(data, path)
    check.keys(item, path, {"mode", "currency", "weights"})
    try:
        mode = Mode(item.get("mode", "weighted"))
    except ValueError:
        check.fail(f"{path}.mode", f"must be one of {', '.join(m.value for m in Mode)}")
        mode = Mode.weighted
    currency = item.get("currency")
    if currency is not None and (
        not isinstance(currency, str) or len(currency) != 3 or not currency.isalpha()
    ):
        check.fail(f"{path}.currency", "must be an ISO 4217 code")
        currency = None
    weights = check.obj(item.get("weights", {}), f"{path}.weights")
    check.keys(weights, f"{path}.weights", {"cost", "on_time", "success"})
    values = {
        name: check.number(weights.get(name), f"{path}.weights.{name}", 0, 1000)
        for name in ("cost", "on_time", "success")
    }
    if mode is Mode.weighted and weights and not any(values.values()):
        check.fail(f"{path}.weights", "at least one weight must be above 0")
    default_cost = 1.0 if not weights else 0.0
    return Objective(
        mode,
        currency.upper() if currency else None,
        values["cost"] if values["cost"] is not None else default_cost,
        values["on_time"] or 0.0,
        values["success"] or 0.0,
    )


def parse_policy(data: Any) -> Policy:
    """A policy from its JSON form; PolicyError lists every problem with its path."""
    check = _Checker()
    item = check.obj(data, "$")
    if not item:
        raise PolicyError(check.problems or [("$", "is empty")])
    check.keys(item, "$", {"name", "applies_when", "filters", "objective"})
    name = item.get("name", "")
    if not isinstance(name, str) or not name.strip() or len(name) > 120:
        check.fail("$.name", "must be a name of 1..120 characters")
        name = "?"
    applies_when = _conditions(check, item.get("applies_when"), "$.applies_when")
    found = [
        _filter(check, f, f"$.filters[{i}]", i)
        for i, f in enumerate(check.items(item.get("filters"), "$.filters"))
    ]
    filters = tuple(f for f in found if f is not None)
    ids = [f.id for f in filters]
    for duplicate in sorted({i for i in ids if ids.count(i) > 1}):
        check.fail("$.filters", f"filter id {duplicate!r} is used twice")
    objective = _objective(check, item.get("objective"), "$.objective")
    if check.problems:
        raise PolicyError(check.problems)
    return Policy(name.strip(), applies_when, filters, objective)


def policy_json(policy: Policy) -> dict[str, Any]:
    """The JSON form of a policy (parse_policy(policy_json(p)) == p)."""

    def cond(c: Condition) -> dict[str, Any]:
        value = sorted(c.value) if isinstance(c.value, frozenset) else c.value
        return {"field": c.field, "op": c.op.value, "value": value}

    def filt(f: Filter) -> dict[str, Any]:
        out: dict[str, Any] = {"id": f.id}
        if f.when:
            out["when"] = [cond(c) for c in f.when]
        for name in ("only_carriers", "only_services", "exclude_carriers", "exclude_services"):
            value = getattr(f, name)
            if value:
                out[name] = sorted(value)
        for name in (
            "max_p90_over_promise_days",
            "min_on_time_probability",
            "min_success_rate",
            "max_price",
        ):
            if getattr(f, name) is not None:
                out[name] = getattr(f, name)
        return out

    o = policy.objective
    objective: dict[str, Any] = {
        "mode": o.mode.value,
        "weights": {"cost": o.cost, "on_time": o.on_time, "success": o.success},
    }
    if o.currency:
        objective["currency"] = o.currency
    return {
        "name": policy.name,
        "applies_when": [cond(c) for c in policy.applies_when],
        "filters": [filt(f) for f in policy.filters],
        "objective": objective,
    }
