"""Evaluating parsed order rules against an order's facts: matching, applying actions, split plans.

Rules run in order and see the effects of earlier rules; every application is recorded in the
`Outcome` (see `rules.py` for the format and its validation).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from linkstar.orders.core.rules import FIELDS, Action, Condition, Group, Rule


def resolve(facts: Mapping[str, Any], name: str) -> Any:
    """The value of a field path in the facts (a list for `lines[].x`; None when absent)."""
    if name.startswith("lines[]."):
        key = name.removeprefix("lines[].")
        return [line.get(key) for line in facts.get("lines") or ()]
    value: Any = facts
    for part in name.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _norm(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "number":
        return value if isinstance(value, Decimal) else Decimal(str(value))
    if kind == "time":
        return value
    return str(value)


def _one(op: str, actual: Any, expected: Any, pattern: re.Pattern[str] | None) -> bool:
    if actual is None:
        return op in {"ne", "not_in"}
    if op == "eq":
        return bool(_fold(actual) == _fold(expected))
    if op == "ne":
        return bool(_fold(actual) != _fold(expected))
    if op == "in":
        return _fold(actual) in {_fold(v) for v in expected}
    if op == "not_in":
        return _fold(actual) not in {_fold(v) for v in expected}
    if op == "contains":
        return str(expected).casefold() in str(actual).casefold()
    if op == "starts_with":
        return str(actual).casefold().startswith(str(expected).casefold())
    if op == "regex":
        assert pattern is not None
        return pattern.search(str(actual)) is not None
    if op == "gt":
        return bool(actual > expected)
    if op == "gte":
        return bool(actual >= expected)
    if op == "lt":
        return bool(actual < expected)
    if op == "lte":
        return bool(actual <= expected)
    raise ValueError(op)  # pragma: no cover - parse_condition refuses other operators


def _fold(value: Any) -> Any:
    """Text compares case-insensitively (US = us); numbers and times by value."""
    return value.casefold() if isinstance(value, str) else value


def matches(condition: Condition | None, facts: Mapping[str, Any]) -> bool:
    """Whether the order's facts satisfy the condition (None: always)."""
    if condition is None:
        return True
    if isinstance(condition, Group):
        if condition.kind == "all":
            return all(matches(c, facts) for c in condition.items)
        if condition.kind == "any":
            return any(matches(c, facts) for c in condition.items)
        return not matches(condition.items[0], facts)
    kind = FIELDS[condition.field]
    raw = resolve(facts, condition.field)
    if condition.op == "exists":
        present = raw not in (None, "", [], ())
        if isinstance(raw, list | tuple):
            present = any(v not in (None, "") for v in raw)
        return present is condition.value
    if isinstance(raw, list | tuple):
        values = [_norm(v, kind) for v in raw]
        if condition.op in {"ne", "not_in"}:  # none of the elements is equal
            return all(_one(condition.op, v, condition.value, None) for v in values)
        return any(_one(condition.op, v, condition.value, condition.pattern) for v in values)
    return _one(condition.op, _norm(raw, kind), condition.value, condition.pattern)


@dataclass(frozen=True, slots=True)
class Application:
    """One rule that fired: which, and what its actions did."""

    rule_id: str
    rule_name: str
    position: int
    actions: tuple[dict[str, Any], ...]


@dataclass(slots=True)
class Outcome:
    """What the rules decided for one order."""

    applications: list[Application] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    holds: list[tuple[str, str]] = field(default_factory=list)  # (reason, detail)
    priority: str | None = None
    warehouse: str | None = None
    excluded_warehouses: list[str] = field(default_factory=list)
    split: list[dict[str, Any]] | None = None  # [{"name", "by", "lines": [line indexes]}]
    merge_window_hours: int | None = None

    @property
    def changed(self) -> bool:
        return bool(self.applications)


def evaluate(rules: Sequence[Rule], facts: Mapping[str, Any]) -> Outcome:
    """Run enabled rules in order over the facts; each rule sees earlier rules' effects."""
    current: dict[str, Any] = dict(facts)
    current["tags"] = list(facts.get("tags") or ())
    outcome = Outcome()
    for position, rule in enumerate(rules):
        if not rule.enabled or not matches(rule.when, current):
            continue
        done = tuple(_apply(action, current, outcome) for action in rule.then)
        outcome.applications.append(Application(rule.id, rule.name, position, done))
        if rule.stop:
            break
    return outcome


def _apply(action: Action, facts: dict[str, Any], outcome: Outcome) -> dict[str, Any]:
    p = action.params
    if action.type == "tag":
        tag = str(p["tag"]).strip()
        if tag not in facts["tags"]:
            facts["tags"].append(tag)
            outcome.tags.append(tag)
        return {"type": "tag", "tag": tag}
    if action.type == "hold":
        reason, detail = str(p["reason"]), str(p.get("detail", ""))
        if reason not in {r for r, _ in outcome.holds}:
            outcome.holds.append((reason, detail))
        return {"type": "hold", "reason": reason, "detail": detail}
    if action.type == "set_priority":
        facts["priority"] = outcome.priority = str(p["priority"])
        return {"type": "set_priority", "priority": outcome.priority}
    if action.type == "set_warehouse":
        outcome.warehouse = str(p["warehouse"]).strip().upper()
        return {"type": "set_warehouse", "warehouse": outcome.warehouse}
    if action.type == "exclude_warehouse":
        code = str(p["warehouse"]).strip().upper()
        if code not in outcome.excluded_warehouses:
            outcome.excluded_warehouses.append(code)
        return {"type": "exclude_warehouse", "warehouse": code}
    if action.type == "split":
        outcome.split = split_plan(facts.get("lines") or [], p["by"], p["groups"])
        return {"type": "split", "by": p["by"], "groups": outcome.split}
    outcome.merge_window_hours = int(p.get("window_hours", 24))
    return {"type": "merge", "window_hours": outcome.merge_window_hours}


def split_plan(
    lines: Sequence[Mapping[str, Any]], by: str, groups: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Lines (by index) in the first group whose SKUs or prefix match; the rest in `rest`."""
    plan: list[dict[str, Any]] = [{"name": str(g["name"]), "by": by, "lines": []} for g in groups]
    rest: list[int] = []
    for index, line in enumerate(lines):
        sku = str(line.get("sku") or "")
        for group, target in zip(groups, plan, strict=True):
            skus = group.get("skus")
            if (skus is not None and sku in skus) or (
                group.get("sku_prefix") and sku.startswith(str(group["sku_prefix"]))
            ):
                target["lines"].append(index)
                break
        else:
            rest.append(index)
    if rest:
        plan.append({"name": "rest", "by": by, "lines": rest})
    return [g for g in plan if g["lines"]]
