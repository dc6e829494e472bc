"""Policies parse with paths and round-trip; FX converts exactly; reliability behaves."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from linkstar.rating.core.fx import FxError, FxRate, FxTable
from linkstar.rating.core.policy import Condition, Mode, Op
from linkstar.rating.core.policy_format import PolicyError, parse_policy, policy_json
from linkstar.rating.core.reliability import within_days

FULL = {
    "name": "everything",
    "applies_when": [
        {"field": "channel", "op": "in", "value": ["amazon", "ebay"]},
        {"field": "dest_country", "op": "eq", "value": "us"},
    ],
    "filters": [
        {"id": "a", "when": [{"field": "tags", "op": "contains", "value": "vip"}],
         "only_carriers": ["x"], "max_price": 1500},
        {"id": "b", "exclude_services": ["S1"], "min_on_time_probability": 0.8},
    ],
    "objective": {"mode": "cheapest_within_promise", "currency": "eur",
                  "weights": {"cost": 1, "on_time": 0.5, "success": 0}},
}  # fmt: skip


def test_a_policy_round_trips_and_normalises_codes():
    policy = parse_policy(FULL)
    assert policy.applies_when[1] == Condition("dest_country", Op.eq, "US")
    assert policy.objective.mode is Mode.cheapest_within_promise
    assert policy.objective.currency == "EUR"
    assert parse_policy(policy_json(policy)) == policy


def test_every_problem_is_reported_with_its_path():
    with pytest.raises(PolicyError) as caught:
        parse_policy(
            {
                "name": "",
                "colour": "red",
                "applies_when": [{"field": "weight_g", "op": "contains", "value": 3}],
                "filters": [{"id": "x", "max_price": 1.5}, {"id": "x", "exclude_carriers": "ups"}],
                "objective": {"mode": "weighted", "weights": {"cost": 0}},
            }
        )
    assert caught.value.problems == [
        ("$.colour", "unknown key (allowed: applies_when, filters, name, objective)"),
        ("$.name", "must be a name of 1..120 characters"),
        ("$.applies_when[0].op", "contains applies to tags only"),
        ("$.filters[0].max_price", "is in minor units: a whole number"),
        ("$.filters[1].exclude_carriers", "must be a list of non-empty strings"),
        ("$.filters", "filter id 'x' is used twice"),
        ("$.objective.weights", "at least one weight must be above 0"),
    ]


def test_conditions_on_missing_values_and_tags():
    assert Condition("priority", Op.ne, "express").holds({})
    assert not Condition("priority", Op.eq, "express").holds({})
    assert Condition("weight_g", Op.gt, 10).holds({"weight_g": 11})
    assert not Condition("weight_g", Op.gt, 10).holds({"weight_g": None})
    tags = {"tags": frozenset({"vip", "gift"})}
    assert Condition("tags", Op.in_, frozenset({"gift", "x"})).holds(tags)
    assert Condition("tags", Op.not_contains, "fragile").holds(tags)


def test_fx_by_date_crossing_the_base_and_rounding():
    table = FxTable(
        "USD",
        [
            FxRate("GBP", Decimal("1.25"), date(2026, 1, 1)),
            FxRate("GBP", Decimal("1.30"), date(2026, 7, 1)),
            FxRate("JPY", Decimal("0.0067"), date(2026, 1, 1)),
        ],
    )
    assert table.rate("GBP", date(2026, 6, 30)) == Decimal("1.25")
    assert table.rate("GBP", date(2026, 7, 1)) == Decimal("1.30")
    assert table.convert(1000, "GBP", "USD", date(2026, 3, 1)) == 1250
    assert table.convert(1001, "USD", "JPY", date(2026, 3, 1)) == 1494  # 10.01 / 0.0067
    assert table.factor("GBP", "JPY", date(2026, 3, 1)) == pytest.approx(1.25 / 0.0067 / 100)
    with pytest.raises(FxError):
        table.rate("GBP", date(2025, 12, 31))
    with pytest.raises(FxError):
        table.rate("CAD", date(2026, 3, 1))
    with pytest.raises(FxError):
        FxRate("GBP", Decimal("-1"), date(2026, 1, 1))


@given(
    st.floats(0.5, 20),
    st.floats(0, 20),
    st.integers(1, 59),
)
def test_on_time_probability_is_a_monotone_cdf(p50, extra, days):
    p90 = p50 + extra
    low, high = within_days(p50, p90, days), within_days(p50, p90, days + 1)
    assert 0.0 <= low <= high <= 1.0
    if extra > 0.01:
        assert within_days(p50, p90, p50) == pytest.approx(0.5)
        assert within_days(p50, p90, p90) == pytest.approx(0.9)
