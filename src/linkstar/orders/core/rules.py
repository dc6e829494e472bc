"""Order rules as data: JSON conditions over any order field → actions, evaluated in order.

A rule is `{"name", "enabled", "when": <condition>, "then": [<action>, …], "stop": false}`.
A condition is a leaf `{"field": "ship_to.country", "op": "eq", "value": "US"}` or a group
`{"all": [...]}` / `{"any": [...]}` / `{"not": <condition>}`. Fields are dotted paths into the
order's facts (see `FIELDS`); `lines[].sku` is the list of every line's master SKU, and a
condition over a list holds when any element satisfies it (`ne` and `not_in`: when none is
equal). Actions: tag, hold, set_priority, set_warehouse, exclude_warehouse, split, merge.
Rules see the effects of earlier rules (a tag added by rule 1 is visible to rule 2).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from linkstar.kit.errors import InvalidInput

OPERATORS = frozenset(
    {"eq", "ne", "in", "not_in", "contains", "starts_with", "gt", "gte", "lt", "lte", "regex"}
    | {"exists"}
)
PRIORITIES = ("low", "normal", "high", "urgent")
ACTIONS = frozenset(
    {"tag", "hold", "set_priority", "set_warehouse", "exclude_warehouse", "split", "merge"}
)
# Every field a condition may name, with its kind (how values are compared).
FIELDS: dict[str, str] = {
    "store": "text",
    "store_name": "text",
    "channel": "text",
    "external_id": "text",
    "external_number": "text",
    "channel_status": "text",
    "currency": "text",
    "subtotal": "number",
    "shipping": "number",
    "tax": "number",
    "discount": "number",
    "total": "number",
    "placed_at": "time",
    "ship_by": "time",
    "deliver_by": "time",
    "ship_service_level": "text",
    "tax_terms": "text",
    "priority": "text",
    "tags": "text",
    "line_count": "number",
    "item_count": "number",
    "buyer.name": "text",
    "buyer.email": "text",
    "buyer.phone": "text",
    "ship_to.name": "text",
    "ship_to.company": "text",
    "ship_to.line1": "text",
    "ship_to.line2": "text",
    "ship_to.city": "text",
    "ship_to.state": "text",
    "ship_to.postcode": "text",
    "ship_to.country": "text",
    "address.verdict": "text",
    "address.flags": "text",
    "lines[].sku": "text",
    "lines[].channel_sku": "text",
    "lines[].quantity": "number",
    "lines[].unit_price": "number",
    "lines[].title": "text",
}
MAX_DEPTH = 8
MAX_REGEX = 200


class RuleInvalid(InvalidInput):
    """A rule set with problems; `details.errors` lists each with its JSON path."""

    code = "rule_invalid"

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        first = "; ".join(f"{p}: {m}" for p, m in errors[:3])
        super().__init__(
            f"invalid rule, {len(errors)} problem(s): {first}",
            {"errors": [{"path": p, "message": m} for p, m in errors]},
        )
        self.errors = errors


# --- the parsed form --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Leaf:
    field: str
    op: str
    value: Any = None
    pattern: re.Pattern[str] | None = None


@dataclass(frozen=True, slots=True)
class Group:
    kind: str  # all | any | not
    items: tuple[Condition, ...]


Condition = Leaf | Group


@dataclass(frozen=True, slots=True)
class Action:
    type: str
    params: Mapping[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {"type": self.type, **self.params}


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    when: Condition | None  # None: always
    then: tuple[Action, ...]
    enabled: bool = True
    stop: bool = False
    id: str = ""


# --- validation ------------------------------------------------------------------------------


def parse_condition(data: Any, path: str = "when") -> Condition:
    """A validated condition, or RuleInvalid listing every problem with its path."""
    errors: list[tuple[str, str]] = []
    parsed = _condition(data, path, errors, 0)
    if errors or parsed is None:
        raise RuleInvalid(errors or [(path, "condition is required")])
    return parsed


def _condition(data: Any, path: str, errors: list[tuple[str, str]], depth: int) -> Condition | None:
    if depth > MAX_DEPTH:
        errors.append((path, f"conditions nest at most {MAX_DEPTH} levels"))
        return None
    if not isinstance(data, dict):
        errors.append((path, "a condition is an object"))
        return None
    groups = [k for k in ("all", "any", "not") if k in data]
    if groups:
        if len(data) != 1:
            errors.append((path, "a group has exactly one key: all, any or not"))
            return None
        kind = groups[0]
        if kind == "not":
            inner = _condition(data["not"], f"{path}.not", errors, depth + 1)
            return Group("not", (inner,)) if inner is not None else None
        items = data[kind]
        if not isinstance(items, list) or not items:
            errors.append((f"{path}.{kind}", "a group holds a non-empty list of conditions"))
            return None
        parsed = [
            _condition(c, f"{path}.{kind}[{i}]", errors, depth + 1) for i, c in enumerate(items)
        ]
        if any(p is None for p in parsed):
            return None
        return Group(kind, tuple(p for p in parsed if p is not None))
    return _leaf(data, path, errors)


def _leaf(data: dict[str, Any], path: str, errors: list[tuple[str, str]]) -> Leaf | None:
    unknown = sorted(set(data) - {"field", "op", "value"})
    if unknown:
        errors.append((path, f"unknown key(s) {', '.join(unknown)}"))
    name, op = data.get("field"), data.get("op")
    if name not in FIELDS:
        errors.append((f"{path}.field", f"unknown field {name!r}; one of {', '.join(FIELDS)}"))
    if op not in OPERATORS:
        errors.append(
            (f"{path}.op", f"unknown operator {op!r}; one of {', '.join(sorted(OPERATORS))}")
        )
    if unknown or name not in FIELDS or op not in OPERATORS:
        return None
    assert isinstance(name, str) and isinstance(op, str)
    value = data.get("value")
    vpath = f"{path}.value"
    if op == "exists":
        if not isinstance(value, bool | None):
            errors.append((vpath, "exists takes true, false or no value"))
            return None
        return Leaf(name, op, True if value is None else value)
    if "value" not in data:
        errors.append((vpath, f"{op} needs a value"))
        return None
    kind = FIELDS[name]
    if op in {"in", "not_in"}:
        if not isinstance(value, list) or not value:
            errors.append((vpath, f"{op} takes a non-empty list"))
            return None
        converted = [_convert(v, kind, f"{vpath}[{i}]", errors) for i, v in enumerate(value)]
        return None if any(c is None for c in converted) else Leaf(name, op, tuple(converted))
    if op == "regex":
        if not isinstance(value, str) or len(value) > MAX_REGEX:
            errors.append((vpath, f"regex takes a pattern of at most {MAX_REGEX} characters"))
            return None
        try:
            return Leaf(name, op, value, re.compile(value, re.IGNORECASE))
        except re.error as exc:
            errors.append((vpath, f"invalid regular expression: {exc}"))
            return None
    if op in {"contains", "starts_with"}:
        if not isinstance(value, str) or kind != "text":
            errors.append((vpath, f"{op} compares text fields with a string"))
            return None
        return Leaf(name, op, value)
    if op in {"gt", "gte", "lt", "lte"} and kind == "text":
        errors.append((f"{path}.op", f"{op} compares numbers or times, not {name}"))
        return None
    converted = _convert(value, kind, vpath, errors)
    return None if converted is None else Leaf(name, op, converted)


def _convert(value: Any, kind: str, path: str, errors: list[tuple[str, str]]) -> Any:
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            errors.append((path, "expected a number"))
            return None
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            errors.append((path, f"{value!r} is not a number"))
            return None
        if not number.is_finite():
            errors.append((path, "expected a finite number"))
            return None
        return number
    if kind == "time":
        try:
            when = datetime.fromisoformat(str(value))
        except ValueError:
            errors.append((path, f"{value!r} is not an ISO date-time"))
            return None
        if when.tzinfo is None:
            errors.append((path, "date-times need a UTC offset (…Z or +00:00)"))
            return None
        return when
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        errors.append((path, "expected text"))
        return None
    return str(value)


def parse_actions(data: Any, path: str = "then") -> tuple[Action, ...]:
    """Validated actions, or RuleInvalid listing every problem with its path."""
    errors: list[tuple[str, str]] = []
    actions = _actions(data, path, errors)
    if errors:
        raise RuleInvalid(errors)
    return actions


def _text(
    params: dict[str, Any], key: str, path: str, errors: list[tuple[str, str]], limit: int
) -> None:
    value = params.get(key)
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        errors.append((f"{path}.{key}", f"{key} is text of 1-{limit} characters"))


def _actions(data: Any, path: str, errors: list[tuple[str, str]]) -> tuple[Action, ...]:
    if not isinstance(data, list) or not data:
        errors.append((path, "then is a non-empty list of actions"))
        return ()
    found: list[Action] = []
    for i, item in enumerate(data):
        apath = f"{path}[{i}]"
        if not isinstance(item, dict) or item.get("type") not in ACTIONS:
            kind = item.get("type") if isinstance(item, dict) else None
            errors.append(
                (f"{apath}.type", f"unknown action {kind!r}; one of {', '.join(sorted(ACTIONS))}")
            )
            continue
        kind = item["type"]
        params = {k: v for k, v in item.items() if k != "type"}
        before = len(errors)
        allowed = _ACTION_KEYS[kind]
        extra = sorted(set(params) - allowed)
        if extra:
            errors.append((apath, f"{kind} does not take {', '.join(extra)}"))
        if kind == "tag":
            _text(params, "tag", apath, errors, 40)
        elif kind == "hold":
            reason = params.get("reason")
            if not isinstance(reason, str) or not re.match(r"^[a-z][a-z0-9_]{0,39}$", reason):
                errors.append((f"{apath}.reason", "reason is a snake_case code of 1-40 characters"))
            if "detail" in params and not isinstance(params["detail"], str):
                errors.append((f"{apath}.detail", "detail is text"))
        elif kind == "set_priority":
            if params.get("priority") not in PRIORITIES:
                errors.append((f"{apath}.priority", f"priority is one of {', '.join(PRIORITIES)}"))
        elif kind in {"set_warehouse", "exclude_warehouse"}:
            _text(params, "warehouse", apath, errors, 20)
        elif kind == "split":
            _split(params, apath, errors)
        elif kind == "merge":
            hours = params.get("window_hours", 24)
            if isinstance(hours, bool) or not isinstance(hours, int) or not 1 <= hours <= 168:
                errors.append((f"{apath}.window_hours", "window_hours is a whole number 1-168"))
        if len(errors) == before:
            found.append(Action(kind, params))
    return tuple(found)


_ACTION_KEYS: dict[str, frozenset[str]] = {
    "tag": frozenset({"tag"}),
    "hold": frozenset({"reason", "detail"}),
    "set_priority": frozenset({"priority"}),
    "set_warehouse": frozenset({"warehouse"}),
    "exclude_warehouse": frozenset({"warehouse"}),
    "split": frozenset({"by", "groups"}),
    "merge": frozenset({"window_hours"}),
}


def _split(params: dict[str, Any], path: str, errors: list[tuple[str, str]]) -> None:
    by = params.get("by")
    if by not in {"line_group", "warehouse"}:
        errors.append((f"{path}.by", "split by line_group or warehouse"))
        return
    groups = params.get("groups")
    if not isinstance(groups, list) or not groups:
        errors.append((f"{path}.groups", "groups is a non-empty list of {name, skus|sku_prefix}"))
        return
    for j, group in enumerate(groups):
        gpath = f"{path}.groups[{j}]"
        if not isinstance(group, dict) or not isinstance(group.get("name"), str):
            errors.append((gpath, "a group has a name"))
            continue
        skus, prefix = group.get("skus"), group.get("sku_prefix")
        if (skus is None) == (prefix is None):
            errors.append((gpath, "a group has either skus (a list) or sku_prefix"))
        elif skus is not None and (
            not isinstance(skus, list) or not all(isinstance(s, str) for s in skus)
        ):
            errors.append((f"{gpath}.skus", "skus is a list of SKUs"))
        elif prefix is not None and (not isinstance(prefix, str) or not prefix):
            errors.append((f"{gpath}.sku_prefix", "sku_prefix is non-empty text"))


def parse_rule(data: Any, path: str = "") -> Rule:
    """One validated rule; RuleInvalid lists every problem with its path."""
    prefix = f"{path}." if path else ""
    errors: list[tuple[str, str]] = []
    if not isinstance(data, dict):
        raise RuleInvalid([(path or "rule", "a rule is an object")])
    extra = sorted(set(data) - {"name", "enabled", "when", "then", "stop", "id", "position"})
    if extra:
        errors.append((path or "rule", f"unknown key(s) {', '.join(extra)}"))
    name = data.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 120:
        errors.append((f"{prefix}name", "name is text of 1-120 characters"))
    for flag in ("enabled", "stop"):
        if flag in data and not isinstance(data[flag], bool):
            errors.append((f"{prefix}{flag}", f"{flag} is true or false"))
    when = None
    if data.get("when") is not None:
        when = _condition(data["when"], f"{prefix}when", errors, 0)
    then = _actions(data.get("then"), f"{prefix}then", errors)
    if errors:
        raise RuleInvalid(errors)
    return Rule(
        name=str(name).strip(),
        when=when,
        then=then,
        enabled=bool(data.get("enabled", True)),
        stop=bool(data.get("stop", False)),
        id=str(data.get("id", "")),
    )


def parse_rules(data: Any) -> list[Rule]:
    """A validated rule list (as in examples/orders/rules.json); all problems reported at once."""
    if not isinstance(data, list):
        raise RuleInvalid([("", "rules are a list")])
    rules: list[Rule] = []
    errors: list[tuple[str, str]] = []
    for i, item in enumerate(data):
        try:
            rules.append(parse_rule(item, f"[{i}]"))
        except RuleInvalid as exc:
            errors.extend(exc.errors)
    if errors:
        raise RuleInvalid(errors)
    return rules
