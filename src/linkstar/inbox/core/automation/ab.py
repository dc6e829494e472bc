"""A/B tests of reply templates: split, deterministic assignment, outcomes, significance, winner.

Threads are assigned by hashing (test id, thread id) into 10,000 buckets split by the variants'
percentages, so a thread always sees the same variant and no assignment needs storing to be
reproduced. Proportion metrics (buyer replied, order placed within N days) use a two-proportion
z-test for two variants and a chi-square test of independence for more; resolution time uses
Mann-Whitney U (two variants) or Kruskal-Wallis (more), since it is skewed. A winner is
promoted only when p < alpha and every variant has the minimum sample size.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from scipy import stats

BUCKETS = 10_000


class VariantSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    key: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,40}$")]
    template: Annotated[str, Field(min_length=1, max_length=120)]
    percent: Annotated[float, Field(gt=0, le=100)]


class ABTestSpec(BaseModel):
    """A test as stored (JSON)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, Field(min_length=1, max_length=200)]
    metric: Literal["buyer_replied", "order_placed", "resolution_hours"] = "buyer_replied"
    variants: Annotated[list[VariantSpec], Field(min_length=2, max_length=10)]
    alpha: Annotated[float, Field(gt=0, lt=0.5)] = 0.05
    min_samples: Annotated[int, Field(ge=1, le=1_000_000)] = 100
    order_window_days: Annotated[int, Field(ge=1, le=365)] = 14
    auto_promote: bool = True

    @model_validator(mode="after")
    def _split(self) -> ABTestSpec:
        keys = [v.key for v in self.variants]
        if len(set(keys)) != len(keys):
            raise ValueError("variant keys must be distinct")
        basis_points = [round(v.percent * 100) for v in self.variants]
        if any(
            abs(v.percent * 100 - b) > 1e-6
            for v, b in zip(self.variants, basis_points, strict=True)
        ):
            raise ValueError("percentages have at most two decimals")
        if sum(basis_points) != BUCKETS:
            total = sum(basis_points) / 100
            raise ValueError(f"variant percentages must add up to 100, not {total:g}")
        return self


def bucket(test_id: str, thread_id: str) -> int:
    """The thread's stable bucket (0..9,999) in a test."""
    digest = hashlib.sha256(f"{test_id}\x00{thread_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


def assign_variant(spec: ABTestSpec, test_id: str, thread_id: str) -> str:
    """The variant key a thread gets: deterministic, proportional to the split."""
    b = bucket(test_id, thread_id)
    edge = 0
    for v in spec.variants:
        edge += round(v.percent * 100)
        if b < edge:
            return v.key
    return spec.variants[-1].key


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened on one thread that saw a variant."""

    variant: str
    assigned_at: datetime
    buyer_replied: bool = False
    resolved_at: datetime | None = None
    order_placed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class VariantResult:
    key: str
    n: int
    successes: int
    rate: float
    ci_low: float  # Wilson 95 % interval of the rate
    ci_high: float
    mean_resolution_hours: float | None


@dataclass(frozen=True, slots=True)
class ABResult:
    metric: str
    test: str  # z_test | chi_square | mann_whitney | kruskal | none
    p_value: float | None
    enough_samples: bool
    winner: str | None
    promote: bool
    variants: tuple[VariantResult, ...]


def _success(spec: ABTestSpec, o: Outcome) -> bool:
    if spec.metric == "order_placed":
        window = timedelta(days=spec.order_window_days)
        return o.order_placed_at is not None and (
            o.assigned_at <= o.order_placed_at <= o.assigned_at + window
        )
    return o.buyer_replied


def wilson(successes: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score interval of a proportion."""
    if n == 0:
        return 0.0, 0.0
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    # At 0 % or 100 % the interval touches the bound exactly (rounding would miss it).
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


def two_proportion_z(x1: int, n1: int, x2: int, n2: int) -> float:
    """Two-sided p-value of the pooled two-proportion z-test (1.0 when undefined)."""
    if n1 == 0 or n2 == 0:
        return 1.0
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 1.0
    z = (x1 / n1 - x2 / n2) / se
    return float(2 * stats.norm.sf(abs(z)))


def _hours(o: Outcome) -> float | None:
    if o.resolved_at is None:
        return None
    return (o.resolved_at - o.assigned_at).total_seconds() / 3600


def analyse(spec: ABTestSpec, outcomes: Sequence[Outcome]) -> ABResult:
    """Per-variant figures, the significance test, and the winner to promote (if any)."""
    keys = [v.key for v in spec.variants]
    by_key: dict[str, list[Outcome]] = {k: [] for k in keys}
    for o in outcomes:
        if o.variant in by_key:
            by_key[o.variant].append(o)
    rows = []
    durations: dict[str, list[float]] = {}
    for k in keys:
        group = by_key[k]
        wins = sum(_success(spec, o) for o in group)
        hours = [h for o in group if (h := _hours(o)) is not None]
        durations[k] = hours
        low, high = wilson(wins, len(group))
        rows.append(
            VariantResult(
                k,
                len(group),
                wins,
                wins / len(group) if group else 0.0,
                low,
                high,
                sum(hours) / len(hours) if hours else None,
            )
        )
    if spec.metric == "resolution_hours":
        sizes = [len(durations[k]) for k in keys]
        test, p = _duration_test([durations[k] for k in keys])
    else:
        sizes = [r.n for r in rows]
        test, p = _proportion_test(rows)
    enough = all(n >= spec.min_samples for n in sizes)
    winner = None
    if enough and p is not None and p < spec.alpha:
        if spec.metric == "resolution_hours":
            winner = min(rows, key=lambda r: r.mean_resolution_hours or math.inf).key
        else:
            winner = max(rows, key=lambda r: r.rate).key
    return ABResult(
        spec.metric, test, p, enough, winner, winner is not None and spec.auto_promote, tuple(rows)
    )


def _proportion_test(rows: Sequence[VariantResult]) -> tuple[str, float | None]:
    if any(r.n == 0 for r in rows):
        return "none", None
    if len(rows) == 2:
        a, b = rows
        return "z_test", two_proportion_z(a.successes, a.n, b.successes, b.n)
    table = [[r.successes, r.n - r.successes] for r in rows]
    if all(row[0] == 0 for row in table) or all(row[1] == 0 for row in table):
        return "chi_square", 1.0
    result = stats.chi2_contingency(table, correction=False)
    return "chi_square", float(result.pvalue)


def _duration_test(groups: Sequence[list[float]]) -> tuple[str, float | None]:
    if any(len(g) == 0 for g in groups):
        return "none", None
    values = {v for g in groups for v in g}
    name = "mann_whitney" if len(groups) == 2 else "kruskal"
    if len(values) == 1:
        return name, 1.0  # every duration equal: no evidence of a difference
    if len(groups) == 2:
        return name, float(stats.mannwhitneyu(groups[0], groups[1]).pvalue)
    return name, float(stats.kruskal(*groups).pvalue)
