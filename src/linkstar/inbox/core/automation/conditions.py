"""Condition trees as data, validated with JSON paths and compiled once into fast closures.

A condition is a leaf `{"field": "message.intent", "op": "eq", "value": "refund_request"}` or
a group `{"all": [...]}`, `{"any": [...]}`, `{"not": <condition>}`. A field is a dotted path into
the snapshot (a mapping of mappings: `thread`, `message`, `order`, `shipment`, `buyer`, `event`,
`channel`). A missing field never raises: it is simply not equal to anything, not in any list,
not greater than anything (`ne` / `not_in` / `exists: false` hold for it).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

OPERATORS = (
    "eq",
    "ne",
    "in",
    "not_in",
    "contains",
    "matches",
    "gt",
    "gte",
    "lt",
    "lte",
    "exists",
    "within_hours",
)
ROOTS = frozenset({"thread", "message", "order", "shipment", "buyer", "event", "channel"})
_PATH = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*){0,5}$")
MAX_DEPTH = 8
MAX_REGEX = 300
MAX_HOURS = 24 * 3660  # ten years; also refuses NaN and infinity

# A compiled condition: (snapshot, now) -> holds?
Check = Callable[[Mapping[str, Any], datetime], bool]
Errors = list[tuple[str, str]]
_MISSING: Any = object()


def get_path(snapshot: Mapping[str, Any], parts: tuple[str, ...]) -> Any:
    """The value at a dotted path, or the `_MISSING` sentinel when any step is absent."""
    value: Any = snapshot
    for part in parts:
        if not isinstance(value, Mapping):
            return _MISSING
        value = value.get(part, _MISSING)
        if value is _MISSING:
            return _MISSING
    return value


def is_missing(value: Any) -> bool:
    """Whether `get_path` found nothing."""
    return value is _MISSING


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _as_time(v: Any) -> datetime | None:
    if isinstance(v, datetime):
        return v if v.tzinfo is not None else None
    if isinstance(v, str):
        try:
            parsed = datetime.fromisoformat(v)
        except ValueError:
            return None
        return parsed if parsed.tzinfo is not None else None
    return None


# --- validation -------------------------------------------------------------------------------


def validate_condition(data: Any, path: str, errors: Errors, depth: int = 0) -> None:
    """Append (json_path, message) for every problem in a condition tree."""
    if depth > MAX_DEPTH:
        errors.append((path, f"conditions nest at most {MAX_DEPTH} levels"))
        return
    if not isinstance(data, dict):
        errors.append((path, "a condition is an object"))
        return
    groups = [k for k in ("all", "any", "not") if k in data]
    if groups:
        if len(data) != 1:
            errors.append((path, "a group has exactly one key: all, any or not"))
            return
        kind = groups[0]
        if kind == "not":
            validate_condition(data["not"], f"{path}.not", errors, depth + 1)
            return
        items = data[kind]
        if not isinstance(items, list) or not items:
            errors.append((f"{path}.{kind}", "a group holds a non-empty list of conditions"))
            return
        for i, item in enumerate(items):
            validate_condition(item, f"{path}.{kind}[{i}]", errors, depth + 1)
        return
    _validate_leaf(data, path, errors)


def _validate_leaf(data: dict[str, Any], path: str, errors: Errors) -> None:
    unknown = sorted(set(data) - {"field", "op", "value"})
    if unknown:
        errors.append((path, f"unknown key(s) {', '.join(unknown)}"))
    name, op = data.get("field"), data.get("op")
    if not isinstance(name, str) or not _PATH.match(name) or name.split(".")[0] not in ROOTS:
        errors.append(
            (
                f"{path}.field",
                f"field {name!r} is not a path under one of {', '.join(sorted(ROOTS))}",
            )
        )
    if op not in OPERATORS:
        errors.append((f"{path}.op", f"unknown operator {op!r}; one of {', '.join(OPERATORS)}"))
        return
    value: Any = data.get("value")
    vpath = f"{path}.value"
    if op == "exists":
        if "value" in data and not isinstance(value, bool):
            errors.append((vpath, "exists takes true or false"))
        return
    if "value" not in data:
        errors.append((vpath, f"{op} needs a value"))
        return
    if op in ("in", "not_in"):
        if not isinstance(value, list) or not value:
            errors.append((vpath, f"{op} takes a non-empty list"))
        elif any(isinstance(v, dict | list) for v in value):
            errors.append((vpath, f"{op} takes a list of plain values"))
    elif op == "matches":
        if not isinstance(value, str) or not value:
            errors.append((vpath, "matches takes a regular expression"))
        elif len(value) > MAX_REGEX:
            errors.append((vpath, f"a regular expression has at most {MAX_REGEX} characters"))
        else:
            try:
                re.compile(value)
            except re.error as exc:
                errors.append((vpath, f"invalid regular expression: {exc}"))
    elif op in ("gt", "gte", "lt", "lte"):
        if not _is_number(value) and _as_time(value) is None:
            errors.append((vpath, f"{op} takes a number or an ISO date-time with a time zone"))
    elif op == "within_hours":
        if not _is_number(value) or not 0 < float(value) <= MAX_HOURS:
            errors.append((vpath, f"within_hours takes a number of hours in (0, {MAX_HOURS}]"))
    elif isinstance(value, dict | list) and op in ("eq", "ne"):
        errors.append((vpath, f"{op} takes a plain value"))
    elif op == "contains" and (isinstance(value, dict | list) or value is None):
        errors.append((vpath, "contains takes a plain value"))


# --- compilation ------------------------------------------------------------------------------


def compile_condition(data: Any) -> Check:
    """A closure for a validated condition tree (call `validate_condition` first)."""
    if data is None:
        return lambda s, now: True
    for kind in ("all", "any"):
        if kind in data:
            return _group(kind == "all", tuple(compile_condition(c) for c in data[kind]))
    if "not" in data:
        inner = compile_condition(data["not"])
        return lambda s, now: not inner(s, now)
    return _compile_leaf(data["field"], data["op"], data.get("value"))


def _group(conjunction: bool, parts: tuple[Check, ...]) -> Check:
    # Explicit short-circuit loops: measurably faster than all()/any() over a generator.
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        a, b = parts
        if conjunction:
            return lambda s, now: a(s, now) and b(s, now)
        return lambda s, now: a(s, now) or b(s, now)
    if conjunction:

        def every(s: Mapping[str, Any], now: datetime) -> bool:
            for part in parts:  # noqa: SIM110 - faster than all() over a generator
                if not part(s, now):
                    return False
            return True

        return every

    def some(s: Mapping[str, Any], now: datetime) -> bool:
        for part in parts:  # noqa: SIM110 - faster than any() over a generator
            if part(s, now):
                return True
        return False

    return some


def _getter(field: str) -> Callable[[Mapping[str, Any]], Any]:
    parts = tuple(field.split("."))
    if len(parts) == 2:
        a, b = parts

        def two(s: Mapping[str, Any]) -> Any:
            inner = s.get(a, _MISSING)
            # `type is dict` first: the ABC isinstance check is the slowest step otherwise.
            if type(inner) is dict or isinstance(inner, Mapping):
                return inner.get(b, _MISSING)
            return _MISSING

        return two
    return lambda s: get_path(s, parts)


def _compile_leaf(field: str, op: str, value: Any) -> Check:
    get = _getter(field)
    if op == "exists":
        want = True if value is None else bool(value)
        return lambda s, now: ((v := get(s)) is not _MISSING and v is not None) == want
    if op == "eq":
        return lambda s, now: _equal(get(s), value)
    if op == "ne":
        return lambda s, now: not _equal(get(s), value)
    if op in ("in", "not_in"):
        hashable = frozenset(v for v in value if not _is_number(v))
        numbers = tuple(v for v in value if _is_number(v))
        positive = op == "in"

        def member(s: Mapping[str, Any], now: datetime) -> bool:
            v = get(s)
            if isinstance(v, list | tuple):
                hit = any(_in(x, hashable, numbers) for x in v)
            else:
                hit = _in(v, hashable, numbers)
            return hit if positive else not hit

        return member
    if op == "contains":
        needle = str(value).casefold()

        def contains(s: Mapping[str, Any], now: datetime) -> bool:
            v = get(s)
            if isinstance(v, str):
                return needle in v.casefold()
            if isinstance(v, list | tuple):
                return any(_equal(x, value) for x in v)
            return False

        return contains
    if op == "matches":
        pattern = re.compile(value)
        return lambda s, now: isinstance(v := get(s), str) and pattern.search(v) is not None
    if op == "within_hours":
        span = timedelta(hours=value)

        def within(s: Mapping[str, Any], now: datetime) -> bool:
            at = _as_time(get(s))
            return at is not None and abs(now - at) <= span

        return within
    return _compile_compare(get, op, value)


def _compile_compare(get: Callable[[Mapping[str, Any]], Any], op: str, value: Any) -> Check:
    compare = _COMPARE[op]
    if _is_number(value):

        def number(s: Mapping[str, Any], now: datetime) -> bool:
            v = get(s)
            return _is_number(v) and compare(v, value)

        return number
    bound = _as_time(value)
    assert bound is not None

    def moment(s: Mapping[str, Any], now: datetime) -> bool:
        at = _as_time(get(s))
        return at is not None and compare(at, bound)

    return moment


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "gt": lambda a, b: bool(a > b),
    "gte": lambda a, b: bool(a >= b),
    "lt": lambda a, b: bool(a < b),
    "lte": lambda a, b: bool(a <= b),
}


def _equal(a: Any, b: Any) -> bool:
    # Booleans are not numbers here: `true` must not equal `1`.
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if a is _MISSING:
        return False
    return bool(a == b)


def _in(v: Any, hashable: frozenset[Any], numbers: tuple[Any, ...]) -> bool:
    if v is _MISSING:
        return False
    if _is_number(v):
        return any(v == n for n in numbers)
    try:
        return v in hashable
    except TypeError:
        return False
