"""Order rules: validation with paths, every operator, groups, actions in order, hypothesis."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkstar.orders.core.facts import order_facts
from linkstar.orders.core.rule_engine import evaluate, matches
from linkstar.orders.core.rules import (
    FIELDS,
    RuleInvalid,
    parse_condition,
    parse_rule,
    parse_rules,
)
from linkstar.orders.core.skus import ExplodedLine
from tests.orders.conftest import make_order

EXAMPLES = Path(__file__).parents[2] / "examples" / "orders" / "rules.json"


def facts(**over: Any) -> dict[str, Any]:
    lines = [
        ExplodedLine("L1", "AMZ-MUG", "HP-85123A", 2, Decimal("12.50"), "Mug", None),
        ExplodedLine("L2", "KIT-TEA", "HP-22423", 1, Decimal("30.00"), "Tea", "KIT-TEA"),
    ]
    base = order_facts(make_order(tags=("vip",)), lines, store_id="st-1", store_name="Amazon US")
    base.update(over)
    return base


def leaf(field: str, op: str, value: Any = None) -> dict[str, Any]:
    data = {"field": field, "op": op}
    if value is not None:
        data["value"] = value
    return data


@pytest.mark.parametrize(
    ("field", "op", "value", "expected"),
    [
        ("ship_to.country", "eq", "US", True),
        ("ship_to.country", "eq", "us", True),  # text compares case-insensitively
        ("ship_to.country", "ne", "US", False),
        ("ship_to.country", "in", ["CA", "US"], True),
        ("ship_to.country", "not_in", ["CA", "GB"], True),
        ("ship_to.city", "contains", "view", True),
        ("ship_to.postcode", "starts_with", "940", True),
        ("ship_to.postcode", "regex", r"^9\d{4}$", True),
        ("total", "gt", 59.98, False),
        ("total", "gte", "59.98", True),
        ("total", "lt", 100, True),
        ("total", "lte", 59, False),
        ("placed_at", "lt", "2026-11-21T00:00:00+00:00", True),
        ("placed_at", "gte", "2026-11-21T00:00:00Z", False),
        ("ship_by", "exists", True, False),
        ("ship_by", "exists", False, True),
        ("buyer.email", "exists", None, True),
        ("lines[].sku", "eq", "HP-22423", True),  # any line
        ("lines[].sku", "ne", "HP-22423", False),  # no line may equal
        ("lines[].sku", "not_in", ["HP-1", "HP-2"], True),
        ("lines[].quantity", "gte", 2, True),
        ("lines[].channel_sku", "starts_with", "KIT-", True),
        ("tags", "eq", "vip", True),
        ("tags", "contains", "VI", True),
        ("tags", "exists", None, True),
        ("store", "eq", "st-1", True),
        ("channel", "in", ["amazon", "ebay"], True),
        ("item_count", "eq", 2, True),
        ("line_count", "gt", 1, False),
        ("address.verdict", "exists", None, False),
        ("ship_service_level", "eq", "Standard", False),  # absent: None is never equal
        ("ship_service_level", "ne", "Standard", True),
    ],
)
def test_every_operator(field, op, value, expected):
    condition = parse_condition(leaf(field, op, value))
    assert matches(condition, facts()) is expected


def test_groups_combine():
    cond = parse_condition(
        {
            "all": [
                leaf("ship_to.country", "eq", "US"),
                {"any": [leaf("total", "gt", 1000), leaf("tags", "eq", "vip")]},
                {"not": leaf("channel", "eq", "ebay")},
            ]
        }
    )
    assert matches(cond, facts()) is True
    assert matches(cond, facts(tags=[])) is False


@pytest.mark.parametrize(
    ("data", "path", "message"),
    [
        (leaf("ship_to.zip", "eq", "1"), "when.field", "unknown field"),
        (leaf("total", "approx", 1), "when.op", "unknown operator"),
        (leaf("total", "gt", "lots"), "when.value", "not a number"),
        (leaf("total", "gt", True), "when.value", "expected a number"),
        (leaf("ship_to.country", "gt", "US"), "when.op", "compares numbers or times"),
        (leaf("placed_at", "lt", "2026-11-21"), "when.value", "UTC offset"),
        (leaf("ship_to.city", "regex", "("), "when.value", "invalid regular expression"),
        (leaf("tags", "in", []), "when.value", "non-empty list"),
        ({"field": "total", "op": "eq"}, "when.value", "needs a value"),
        ({"all": []}, "when.all", "non-empty list"),
        ({"all": [leaf("total", "eq", 1), leaf("nope", "eq", 1)]}, "when.all[1].field", "unknown"),
        ({"any": [1]}, "when.any[0]", "is an object"),
        ({"all": [], "any": []}, "when", "exactly one key"),
    ],
)
def test_condition_errors_carry_their_path(data, path, message):
    with pytest.raises(RuleInvalid) as err:
        parse_condition(data)
    assert err.value.errors[0][0] == path
    assert message in err.value.errors[0][1]
    assert err.value.details["errors"][0]["path"] == path


def test_rule_errors_are_all_reported_at_once():
    with pytest.raises(RuleInvalid) as err:
        parse_rules(
            [
                {"name": "", "then": [{"type": "tag", "tag": "x"}]},
                {
                    "name": "ok",
                    "then": [{"type": "teleport"}, {"type": "set_priority", "priority": "max"}],
                },
                {"name": "ok", "then": [{"type": "hold", "reason": "Bad Reason"}]},
                {"name": "ok", "then": [{"type": "merge", "window_hours": 0}]},
                {
                    "name": "ok",
                    "then": [{"type": "split", "by": "warehouse", "groups": [{"name": "a"}]}],
                },
            ]
        )
    assert [p for p, _ in err.value.errors] == [
        "[0].name",
        "[1].then[0].type",
        "[1].then[1].priority",
        "[2].then[0].reason",
        "[3].then[0].window_hours",
        "[4].then[0].groups[0]",
    ]


def test_actions_apply_in_order_and_later_rules_see_earlier_effects():
    rules = parse_rules(
        [
            {
                "name": "VIP US",
                "when": leaf("tags", "eq", "vip"),
                "then": [
                    {"type": "tag", "tag": "priority_lane"},
                    {"type": "set_priority", "priority": "high"},
                ],
            },
            {
                "name": "Lane to NJ",
                "when": leaf("tags", "eq", "priority_lane"),
                "then": [
                    {"type": "set_warehouse", "warehouse": "nj1"},
                    {"type": "exclude_warehouse", "warehouse": "CA2"},
                ],
            },
            {"name": "Disabled", "enabled": False, "then": [{"type": "hold", "reason": "never"}]},
            {
                "name": "Stop here",
                "when": leaf("priority", "eq", "high"),
                "stop": True,
                "then": [{"type": "hold", "reason": "manual_review", "detail": "VIP"}],
            },
            {"name": "After stop", "then": [{"type": "tag", "tag": "unreached"}]},
        ]
    )
    out = evaluate(rules, facts())
    assert [a.rule_name for a in out.applications] == ["VIP US", "Lane to NJ", "Stop here"]
    assert [a.position for a in out.applications] == [0, 1, 3]
    assert out.tags == ["priority_lane"]
    assert (out.priority, out.warehouse, out.excluded_warehouses) == ("high", "NJ1", ["CA2"])
    assert out.holds == [("manual_review", "VIP")]
    assert out.applications[1].actions == (
        {"type": "set_warehouse", "warehouse": "NJ1"},
        {"type": "exclude_warehouse", "warehouse": "CA2"},
    )


def test_split_by_line_group_and_merge_window():
    rule = parse_rule(
        {
            "name": "Split kits",
            "then": [
                {
                    "type": "split",
                    "by": "line_group",
                    "groups": [{"name": "kits", "sku_prefix": "HP-22"}],
                },
                {"type": "merge", "window_hours": 12},
            ],
        }
    )
    out = evaluate([rule], facts())
    assert out.split == [
        {"name": "kits", "by": "line_group", "lines": [1]},
        {"name": "rest", "by": "line_group", "lines": [0]},
    ]
    assert out.merge_window_hours == 12


def test_example_rules_file_is_valid():
    rules = parse_rules(json.loads(EXAMPLES.read_text()))
    assert len(rules) >= 3


# --- properties ------------------------------------------------------------------------------

TEXT_FIELDS = [f for f, kind in FIELDS.items() if kind == "text" and not f.startswith("lines")]
values = st.text(alphabet="abcXYZ019 -", max_size=6)


@settings(max_examples=200)
@given(st.sampled_from(TEXT_FIELDS), values, st.lists(values, min_size=1, max_size=4))
def test_negated_operators_are_complements_on_single_values(field, value, choices):
    f = facts()
    eq = matches(parse_condition(leaf(field, "eq", value)), f)
    ne = matches(parse_condition(leaf(field, "ne", value)), f)
    isin = matches(parse_condition(leaf(field, "in", choices)), f)
    notin = matches(parse_condition(leaf(field, "not_in", choices)), f)
    if field != "tags":
        assert eq is not ne
        assert isin is not notin


@settings(max_examples=200)
@given(
    st.decimals(min_value=-10_000, max_value=10_000, places=2),
    st.decimals(min_value=-10_000, max_value=10_000, places=2),
)
def test_number_comparisons_agree_with_python(total, threshold):
    f = facts(total=total)
    for op, expected in [
        ("gt", total > threshold),
        ("gte", total >= threshold),
        ("lt", total < threshold),
        ("lte", total <= threshold),
        ("eq", total == threshold),
    ]:
        assert matches(parse_condition(leaf("total", op, str(threshold))), f) is expected


conditions = st.recursive(
    st.builds(lambda v: leaf("total", "gte", v), st.integers(0, 100))
    | st.builds(lambda v: leaf("tags", "eq", v), st.sampled_from(["vip", "new"])),
    lambda inner: (
        st.lists(inner, min_size=1, max_size=3).map(lambda xs: {"all": xs})
        | st.lists(inner, min_size=1, max_size=3).map(lambda xs: {"any": xs})
        | inner.map(lambda x: {"not": x})
    ),
    max_leaves=8,
)


@settings(max_examples=150)
@given(conditions)
def test_not_is_the_complement_and_evaluation_is_pure(data):
    f = facts()
    snapshot = json.dumps(f, default=str, sort_keys=True)
    inner = parse_condition(data)
    assert matches(parse_condition({"not": data}), f) is not matches(inner, f)
    assert json.dumps(f, default=str, sort_keys=True) == snapshot


@settings(max_examples=100)
@given(st.lists(st.sampled_from(["a", "b", "c"]), max_size=6))
def test_tags_are_added_once_whatever_the_rules(tags):
    rules = parse_rules([{"name": t, "then": [{"type": "tag", "tag": t}]} for t in tags])
    out = evaluate(rules, facts(tags=[]))
    assert out.tags == list(dict.fromkeys(tags))
    assert len(out.applications) == len(tags)


def test_times_compare_as_instants():
    when = datetime(2026, 11, 20, 13, 30, tzinfo=UTC)
    cond = parse_condition(leaf("placed_at", "eq", "2026-11-20T14:30:00+01:00"))
    assert matches(cond, facts(placed_at=when))
