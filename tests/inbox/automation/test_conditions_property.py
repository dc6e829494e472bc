"""Random condition trees: the compiled closures agree with a naive reference evaluator."""

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from linkstar.inbox.core.automation.conditions import compile_condition, validate_condition

NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)
FIELDS = ["message.intent", "order.total", "thread.tags", "order.placed_at", "buyer.name"]
TEXTS = ["refund", "Refund please", "oem", "", "other"]
values = st.one_of(
    st.sampled_from(TEXTS), st.integers(-5, 5), st.booleans(), st.none(), st.floats(-5, 5)
)
field_values = st.one_of(
    values,
    st.lists(st.sampled_from(TEXTS), max_size=3),
    st.integers(-100, 100).map(lambda h: NOW + timedelta(hours=h)),
)
leaf = st.one_of(
    st.builds(
        lambda f, op, v: {"field": f, "op": op, "value": v},
        st.sampled_from(FIELDS),
        st.sampled_from(["eq", "ne", "contains"]),
        st.one_of(st.sampled_from(TEXTS), st.integers(-5, 5), st.booleans()),
    ),
    st.builds(
        lambda f, op, v: {"field": f, "op": op, "value": v},
        st.sampled_from(FIELDS),
        st.sampled_from(["in", "not_in"]),
        st.lists(st.one_of(st.sampled_from(TEXTS), st.integers(-5, 5)), min_size=1, max_size=3),
    ),
    st.builds(
        lambda f, op, v: {"field": f, "op": op, "value": v},
        st.sampled_from(FIELDS),
        st.sampled_from(["gt", "gte", "lt", "lte"]),
        st.integers(-5, 5),
    ),
    st.builds(
        lambda f, v: {"field": f, "op": "matches", "value": v},
        st.sampled_from(FIELDS),
        st.sampled_from(["^ref", "(?i)refund", "o.m", "x|y"]),
    ),
    st.builds(
        lambda f, v: {"field": f, "op": "exists", "value": v},
        st.sampled_from(FIELDS),
        st.booleans(),
    ),
    st.builds(
        lambda f, v: {"field": f, "op": "within_hours", "value": v},
        st.sampled_from(FIELDS),
        st.integers(1, 60),
    ),
)
trees = st.recursive(
    leaf,
    lambda inner: st.one_of(
        st.builds(lambda xs: {"all": xs}, st.lists(inner, min_size=1, max_size=4)),
        st.builds(lambda xs: {"any": xs}, st.lists(inner, min_size=1, max_size=4)),
        st.builds(lambda x: {"not": x}, inner),
    ),
    max_leaves=12,
)
snapshots = st.fixed_dictionaries(
    {},
    optional={
        "message": st.fixed_dictionaries({}, optional={"intent": field_values}),
        "order": st.fixed_dictionaries(
            {}, optional={"total": field_values, "placed_at": field_values}
        ),
        "thread": st.fixed_dictionaries({}, optional={"tags": field_values}),
        "buyer": st.fixed_dictionaries({}, optional={"name": field_values}),
    },
)

MISSING = object()


def lookup(snapshot: dict[str, Any], path: str) -> Any:
    value: Any = snapshot
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return MISSING
        value = value[part]
    return value


def is_num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def same(a: Any, b: Any) -> bool:
    if a is MISSING:
        return False
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return bool(a == b)


def reference(cond: dict[str, Any], snapshot: dict[str, Any]) -> bool:
    """The obvious, slow reading of the documented semantics."""
    if "all" in cond:
        return all(reference(c, snapshot) for c in cond["all"])
    if "any" in cond:
        return any(reference(c, snapshot) for c in cond["any"])
    if "not" in cond:
        return not reference(cond["not"], snapshot)
    want: Any = cond.get("value")
    v, op = lookup(snapshot, cond["field"]), cond["op"]
    if op == "exists":
        return (v is not MISSING and v is not None) == want
    if op == "eq":
        return same(v, want)
    if op == "ne":
        return not same(v, want)
    if op in ("in", "not_in"):
        items = v if isinstance(v, list) else [v]
        hit = any(same(x, w) for x in items for w in want)
        return hit if op == "in" else not hit
    if op == "contains":
        if isinstance(v, str):
            return str(want).casefold() in v.casefold()
        if isinstance(v, list):
            return any(same(x, want) for x in v)
        return False
    if op == "matches":
        return isinstance(v, str) and re.search(want, v) is not None
    if op == "within_hours":
        return isinstance(v, datetime) and abs(NOW - v) <= timedelta(hours=want)
    if not is_num(v):
        return False
    return {"gt": v > want, "gte": v >= want, "lt": v < want, "lte": v <= want}[op]


@settings(max_examples=400)
@given(trees, snapshots)
def test_compiled_conditions_agree_with_the_reference(
    tree: dict[str, Any], snapshot: dict[str, Any]
) -> None:
    errors: list[tuple[str, str]] = []
    validate_condition(tree, "$.when", errors)
    assert errors == []
    assert compile_condition(tree)(snapshot, NOW) is reference(tree, snapshot)


@settings(max_examples=200)
@given(
    st.recursive(
        st.one_of(st.none(), st.integers(), st.text(max_size=5)),
        lambda x: st.one_of(
            st.lists(x, max_size=3),
            st.dictionaries(st.sampled_from(["all", "any", "not", "field", "op", "value"]), x),
        ),
        max_leaves=8,
    )
)
def test_validation_never_crashes_on_arbitrary_json(data: Any) -> None:
    errors: list[tuple[str, str]] = []
    validate_condition(data, "$.when", errors)
    assert all(path.startswith("$.when") for path, _ in errors)
