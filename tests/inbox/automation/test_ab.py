"""A/B tests: split validation, deterministic assignment, significance and promotion."""

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from scipy import stats

from linkstar.inbox.core.automation.ab import (
    ABTestSpec,
    Outcome,
    analyse,
    assign_variant,
    two_proportion_z,
    wilson,
)

T0 = datetime(2026, 12, 1, tzinfo=UTC)


def spec(**kw: Any) -> ABTestSpec:
    base: dict[str, Any] = {
        "name": "wismo reply",
        "variants": [
            {"key": "a", "template": "wismo-short", "percent": 50},
            {"key": "b", "template": "wismo-long", "percent": 50},
        ],
        "min_samples": 50,
    }
    return ABTestSpec.model_validate(base | kw)


def v(key: str, percent: float) -> dict[str, Any]:
    return {"key": key, "template": f"tpl-{key}", "percent": percent}


@pytest.mark.parametrize(
    ("variants", "message"),
    [
        ([v("a", 60), v("b", 30)], "add up to 100, not 90"),
        ([v("a", 50), v("a", 50)], "distinct"),
        ([v("a", 100)], "at least 2"),
        ([v("a", 33.333), v("b", 66.667)], "two decimals"),
    ],
)
def test_bad_splits_are_rejected(variants: list[dict[str, Any]], message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        spec(variants=variants)
    assert message in str(caught.value)


def test_assignment_is_deterministic_and_follows_the_split() -> None:
    s = spec(
        variants=[
            {"key": "a", "template": "x", "percent": 20},
            {"key": "b", "template": "y", "percent": 30},
            {"key": "c", "template": "z", "percent": 50},
        ]
    )
    picks = [assign_variant(s, "test-1", f"thread-{i}") for i in range(20_000)]
    assert picks == [assign_variant(s, "test-1", f"thread-{i}") for i in range(20_000)]
    shares = {k: picks.count(k) / len(picks) for k in "abc"}
    assert shares == pytest.approx({"a": 0.2, "b": 0.3, "c": 0.5}, abs=0.015)
    # Another test reshuffles threads independently.
    other = [assign_variant(s, "test-2", f"thread-{i}") for i in range(2000)]
    assert other != picks[:2000]


def outcomes(key: str, n: int, successes: int) -> list[Outcome]:
    return [Outcome(key, T0, buyer_replied=i < successes) for i in range(n)]


def test_two_variants_use_the_z_test_and_promote_a_clear_winner() -> None:
    result = analyse(spec(), outcomes("a", 200, 60) + outcomes("b", 200, 100))
    assert result.test == "z_test"
    assert result.p_value == pytest.approx(two_proportion_z(60, 200, 100, 200))
    assert result.p_value is not None and result.p_value < 0.001
    assert (result.enough_samples, result.winner, result.promote) == (True, "b", True)
    b = result.variants[1]
    assert (b.n, b.successes, b.rate) == (200, 100, 0.5)
    assert (b.ci_low, b.ci_high) == pytest.approx((0.4314, 0.5686), abs=1e-4)


def test_z_test_matches_the_chi_square_without_correction() -> None:
    chi = stats.chi2_contingency([[60, 140], [100, 100]], correction=False)
    assert two_proportion_z(60, 200, 100, 200) == pytest.approx(chi.pvalue)


def test_no_winner_without_significance_or_without_enough_samples() -> None:
    close = analyse(spec(), outcomes("a", 200, 100) + outcomes("b", 200, 104))
    assert close.p_value is not None and close.p_value > 0.05 and close.winner is None
    few = analyse(spec(), outcomes("a", 40, 5) + outcomes("b", 40, 35))
    assert few.p_value is not None and few.p_value < 0.05
    assert (few.enough_samples, few.winner, few.promote) == (False, None, False)
    manual = analyse(spec(auto_promote=False), outcomes("a", 200, 60) + outcomes("b", 200, 100))
    assert (manual.winner, manual.promote) == ("b", False)


def test_three_variants_use_chi_square() -> None:
    s = spec(
        variants=[
            {"key": "a", "template": "x", "percent": 34},
            {"key": "b", "template": "y", "percent": 33},
            {"key": "c", "template": "z", "percent": 33},
        ]
    )
    data = outcomes("a", 100, 30) + outcomes("b", 100, 32) + outcomes("c", 100, 60)
    result = analyse(s, data)
    expected = stats.chi2_contingency([[30, 70], [32, 68], [60, 40]], correction=False).pvalue
    assert result.test == "chi_square" and result.p_value == pytest.approx(expected)
    assert result.winner == "c"


def test_orders_placed_within_the_window() -> None:
    s = spec(metric="order_placed", order_window_days=7, min_samples=1)
    data = [
        Outcome("a", T0, order_placed_at=T0 + timedelta(days=3)),
        Outcome("a", T0, order_placed_at=T0 + timedelta(days=8)),  # too late
        Outcome("b", T0),
    ]
    result = analyse(s, data)
    assert [(v.n, v.successes) for v in result.variants] == [(2, 1), (1, 0)]


def test_resolution_time_uses_a_rank_test_and_lower_wins() -> None:
    rng = random.Random(7)
    s = spec(metric="resolution_hours", min_samples=30)
    data = [
        Outcome("a", T0, resolved_at=T0 + timedelta(hours=rng.uniform(10, 30))) for _ in range(60)
    ]
    data += [
        Outcome("b", T0, resolved_at=T0 + timedelta(hours=rng.uniform(2, 12))) for _ in range(60)
    ]
    result = analyse(s, data)
    assert result.test == "mann_whitney" and result.p_value is not None
    assert result.p_value < 1e-6 and result.winner == "b"
    assert result.variants[1].mean_resolution_hours is not None
    assert result.variants[1].mean_resolution_hours < 12


def test_empty_variant_gives_no_p_value() -> None:
    result = analyse(spec(), outcomes("a", 10, 3))
    assert (result.test, result.p_value, result.winner) == ("none", None, None)


@given(st.integers(0, 500), st.integers(1, 500))
def test_wilson_interval_contains_the_rate(successes: int, n: int) -> None:
    successes = min(successes, n)
    low, high = wilson(successes, n)
    assert 0 <= low <= successes / n <= high <= 1
