"""The capacity-constrained optimiser: hand-computed optima, and the LP optimum on random waves."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkstar.rating.core.optimise import (
    ASSIGNED,
    DEFERRED,
    REGRET_GREEDY,
    UNPLACED,
    UNROUTABLE,
    Binding,
    Plan,
    Problem,
    ProblemError,
    columns,
    optimise,
)
from linkstar.rating.core.outcome import INELIGIBLE as X
from tests.rating.optimise_lp import lp_optimum

D1 = date(2026, 12, 4)
D2 = D1 + timedelta(days=1)


def wave(
    costs: list[list[int]],
    *,
    carriers: tuple[str, ...] | None = None,
    priority: list[bool] | None = None,
    penalty: int | list[int] = 1_000,
    site: list[int] | None = None,
    sites: tuple[tuple[str, date], ...] = (("W1", D1),),
    service_caps: dict[Any, int] | None = None,
    carrier_caps: dict[Any, int] | None = None,
) -> Problem:
    """A small wave; services are named A, B, C, … and by default each is its own carrier."""
    n, m = len(costs), len(costs[0])
    ids = tuple("ABCDEFGH"[:m])
    return Problem(
        costs=np.array(costs, dtype=np.int64).reshape(n, m),
        service_ids=ids,
        carriers=carriers or tuple(s.lower() for s in ids),
        site=np.array(site or [0] * n),
        sites=sites,
        priority=np.array(priority or [False] * n),
        penalty=np.array(penalty if isinstance(penalty, list) else [penalty] * n),
        service_caps=service_caps or {},
        carrier_caps=carrier_caps or {},
    )


CASES = [
    # (name, problem, optimal total, service per parcel, status per parcel)
    ("cheapest each", wave([[3, 5], [4, 2]]), 5, [0, 1], [ASSIGNED] * 2),
    ("one cap binds", wave([[1, 5], [2, 3], [1, 10]], service_caps={("A", "W1", D1): 1}),
     9, [1, 1, 0], [ASSIGNED] * 3),
    ("deferral beats the dear service",
     wave([[1, 50], [1, 50]], penalty=20, service_caps={("A", "W1", D1): 1}),
     21, [0, -1], [ASSIGNED, DEFERRED]),
    ("priority keeps the cap, the other waits",
     wave([[1, 50], [1, 50]], penalty=20, priority=[False, True],
          service_caps={("A", "W1", D1): 1}),
     21, [-1, 0], [DEFERRED, ASSIGNED]),
    ("carrier cap over two services",
     wave([[1, 2, 10]] * 3, carriers=("a", "a", "c"), carrier_caps={("a", "W1", D1): 2}),
     12, [0, 0, 2], [ASSIGNED] * 3),
    ("service cap inside a carrier cap",
     wave([[1, 2, 10]] * 3, carriers=("a", "a", "c"), service_caps={("A", "W1", D1): 1},
          carrier_caps={("a", "W1", D1): 2}),
     13, [0, 1, 2], [ASSIGNED] * 3),
    ("carrier cap across warehouses goes to the bigger saving",
     wave([[1, 5], [2, 9]], site=[0, 1], sites=(("W1", D1), ("W2", D1)),
          carrier_caps={("a", None, D1): 1}),
     7, [1, 0], [ASSIGNED] * 2),
    ("carrier cap at one warehouse only",
     wave([[1, 5], [2, 3]], site=[0, 1], sites=(("W1", D1), ("W2", D1)),
          carrier_caps={("a", "W1", D1): 0}),
     7, [1, 0], [ASSIGNED] * 2),
    ("caps are per day",
     wave([[1, 4]] * 3, site=[0, 0, 1], sites=(("W1", D1), ("W1", D2)),
          service_caps={("A", "W1", D1): 1}),
     6, [0, 1, 0], [ASSIGNED] * 3),
    ("no eligible service is left out", wave([[X, X], [1, 2]]), 1, [-1, 0],
     [UNROUTABLE, ASSIGNED]),
    ("a penalty below every price defers", wave([[5, 6]], penalty=3), 3, [-1], [DEFERRED]),
    ("ineligible cells are never used",
     wave([[X, 9], [1, X]], service_caps={("B", "W1", D1): 5}), 10, [1, 0], [ASSIGNED] * 2),
    ("a zero cap closes a service", wave([[1, 7]], service_caps={("A", "W1", D1): 0}), 7, [1],
     [ASSIGNED]),
    ("identical parcels split in file order",
     wave([[1, 3]] * 4, service_caps={("A", "W1", D1): 2}), 8, [0, 0, 1, 1], [ASSIGNED] * 4),
    ("cheaper overall to move the parcel with the smaller regret",
     wave([[1, 2], [1, 9], [1, 3]], service_caps={("A", "W1", D1): 1}), 6, [1, 0, 1],
     [ASSIGNED] * 3),
]  # fmt: skip


@pytest.mark.parametrize(("problem", "total", "service", "status"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])  # fmt: skip
@pytest.mark.parametrize("time_limit", [None, 30.0])
def test_hand_computed_optimum(
    problem: Problem, total: int, service: list[int], status: list[int], time_limit: float | None
) -> None:
    plan = optimise(problem, time_limit=time_limit)
    assert plan.solver == "min_cost_flow" and plan.fallback_reason == ""
    assert plan.totals.total == total
    assert plan.service.tolist() == service
    assert plan.status.tolist() == status
    assert lp_optimum(problem) == pytest.approx(total)


def test_report_counts_carriers_savings_and_baseline() -> None:
    problem = wave([[1, 5], [2, 3], [1, 10]], service_caps={("A", "W1", D1): 1})
    plan = optimise(problem, baseline_name="b")
    assert plan.totals.cost_by_carrier == {"a": 1, "b": 8}
    assert plan.totals.parcels_by_carrier == {"a": 1, "b": 2}
    # Cheapest-then-repair: parcels 0 and 2 both want A; parcel 0 keeps it (file order), 2 -> B.
    assert plan.naive.total == 1 + 3 + 10
    assert plan.saving_vs_naive == 5
    assert plan.baseline is not None and plan.baseline.total == 18
    assert plan.saving_vs_baseline == 9
    assert plan.groups == 3


def test_baseline_prices_parcels_it_cannot_take_at_their_cheapest() -> None:
    plan = optimise(wave([[1, X], [4, 2]]), baseline_name="B")
    assert plan.baseline is not None
    assert (plan.baseline.total, plan.baseline.not_served) == (1 + 2, 1)
    with pytest.raises(ValueError, match="neither a service nor a carrier"):
        optimise(wave([[1]]), baseline_name="nobody")


def test_infeasible_priorities_say_how_many_and_what_binds() -> None:
    problem = wave(
        [[1, 5], [2, 3], [1, 10], [4, 4]],
        priority=[True, True, True, False],
        service_caps={("A", "W1", D1): 1},
        carrier_caps={("b", None, D1): 1},
    )
    plan = optimise(problem)
    assert plan.totals.unplaced_priority == 1
    assert Counter(plan.status.tolist()) == {ASSIGNED: 2, UNPLACED: 1, DEFERRED: 1}
    assert plan.infeasibility is not None
    assert (plan.infeasibility.unplaced, plan.infeasibility.priority) == (1, 3)
    assert set(plan.infeasibility.binding) == {
        Binding("service", "A", "W1", D1, 1),
        Binding("carrier", "b", None, D1, 1),
    }


def test_a_cap_that_does_not_bind_is_not_reported() -> None:
    problem = wave(
        [[1, X], [1, X], [X, 2]],
        priority=[True, True, False],
        service_caps={("A", "W1", D1): 1, ("B", "W1", D1): 0},
    )
    plan = optimise(problem)
    assert plan.infeasibility is not None
    assert plan.infeasibility.binding == (Binding("service", "A", "W1", D1, 1),)


def test_time_limit_falls_back_to_regret_greedy_and_says_so() -> None:
    problem = wave([[1, 5], [2, 3], [1, 10]], service_caps={("A", "W1", D1): 1})
    plan = optimise(problem, time_limit=0.0)
    assert plan.solver == REGRET_GREEDY
    assert plan.fallback_reason == "time limit of 0 s reached"
    assert plan.totals.total == 9  # regret: parcel 2 (regret 9) takes A first


def test_solver_failure_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    from linkstar.rating.core.optimise import flow, solve

    monkeypatch.setattr(solve, "solve_in_process", lambda net: flow.FlowResult(None, "BAD_RESULT"))
    plan = optimise(wave([[1, 2]]), time_limit=None)
    assert (plan.solver, plan.fallback_reason) == (
        REGRET_GREEDY,
        "min-cost flow answered BAD_RESULT",
    )
    assert plan.totals.total == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"costs": [[-1]]}, "costs must lie"),
        ({"costs": [[1]], "service_caps": {("Z", "W1", D1): 1}}, "unknown service"),
        ({"costs": [[1]], "carrier_caps": {("z", None, D1): 1}}, "unknown carrier"),
        ({"costs": [[1]], "service_caps": {("A", "W1", D1): -1}}, "negative capacity"),
        ({"costs": [[1]], "site": [3]}, "site must"),
        ({"costs": [[1]], "penalty": [-5]}, "penalties"),
    ],
)
def test_bad_problems_are_refused(kwargs: dict[str, Any], message: str) -> None:
    costs = kwargs.pop("costs")
    with pytest.raises(ProblemError, match=message):
        wave(costs, **kwargs)


def used_within_capacity(problem: Problem, plan: Plan) -> None:
    """Every capacity holds: count the parcels assigned per key."""
    rows = np.flatnonzero(plan.status == ASSIGNED)
    per_service: Counter[tuple[str, str, date]] = Counter()
    per_carrier: Counter[tuple[str, str | None, date]] = Counter()
    for i in rows.tolist():
        wh, day = problem.sites[int(problem.site[i])]
        j = int(plan.service[i])
        per_service[(problem.service_ids[j], wh, day)] += 1
        per_carrier[(problem.carriers[j], wh, day)] += 1
        per_carrier[(problem.carriers[j], None, day)] += 1
        assert problem.costs[i, j] != X
    for key, cap in problem.service_caps.items():
        assert per_service[key] <= cap
    for ckey, cap in problem.carrier_caps.items():
        assert per_carrier[ckey] <= cap


@st.composite
def waves(draw: st.DrawFn) -> Problem:
    n = draw(st.integers(1, 12))
    m = draw(st.integers(1, 4))
    carriers = tuple(draw(st.sampled_from(["a", "b"])) for _ in range(m))
    sites = (("W1", D1), ("W2", D1), ("W1", D2))[: draw(st.integers(1, 3))]
    cell = st.one_of(st.integers(0, 40), st.just(X))
    costs = [[draw(cell) for _ in range(m)] for _ in range(n)]
    cap = st.integers(0, 5)
    ids = "ABCD"[:m]
    service_caps = {(ids[j], wh, day): draw(cap) for j in range(m) for wh, day in sites
                    if draw(st.booleans())}  # fmt: skip
    keys: list[tuple[str, str | None, date]] = [
        (c, wh, day) for c in set(carriers) for wh, day in sites
    ]
    keys += [(c, None, day) for c in set(carriers) for day in (D1, D2)]
    carrier_caps = {k: draw(cap) for k in keys if draw(st.integers(0, 3)) == 0}
    return wave(
        costs,
        carriers=carriers,
        priority=[draw(st.integers(0, 3)) == 0 for _ in range(n)],
        penalty=[draw(st.integers(0, 60)) for _ in range(n)],
        site=[draw(st.integers(0, len(sites) - 1)) for _ in range(n)],
        sites=sites,
        service_caps=service_caps,
        carrier_caps=carrier_caps,
    )


@settings(max_examples=150)
@given(waves())
def test_optimum_equals_the_lp_optimum(problem: Problem) -> None:
    plan = optimise(problem, time_limit=None)
    used_within_capacity(problem, plan)
    lp = lp_optimum(problem)
    priority_deferred = (plan.status == DEFERRED) & problem.priority
    assert not priority_deferred.any()
    if lp is None:  # the priorities cannot all fit: the plan says so and what binds
        assert plan.totals.unplaced_priority > 0
        assert plan.infeasibility is not None and plan.infeasibility.binding
    else:
        assert plan.totals.unplaced_priority == 0 and plan.infeasibility is None
        assert plan.totals.total == pytest.approx(lp)
        assert plan.naive.total >= plan.totals.total or plan.naive.unplaced_priority
    greedy = optimise(problem, method=REGRET_GREEDY)
    used_within_capacity(problem, greedy)
    if lp is not None and not greedy.totals.unplaced_priority:
        assert greedy.totals.total >= plan.totals.total


def test_the_same_wave_gives_the_same_plan() -> None:
    rng = np.random.default_rng(7)
    costs = rng.integers(1, 4, (300, 3)).tolist()
    problem = wave(costs, service_caps={("A", "W1", D1): 40, ("B", "W1", D1): 90})
    first, again = optimise(problem), optimise(problem, time_limit=None)
    assert first.service.tolist() == again.service.tolist()
    assert first.status.tolist() == again.status.tolist()


def test_ten_thousand_parcels_match_the_lp_optimum() -> None:
    """10k parcels x 20 services, several caps binding: the flow optimum is the LP optimum."""
    rng = np.random.default_rng(2026)
    n, m = 10_000, 20
    zone = rng.integers(1, 9, n)
    weight = rng.integers(1, 30, n)
    base = 300 + 25 * np.arange(m)
    costs = (
        base[None, :]
        + (zone[:, None] * (8 + np.arange(m) % 5))
        + weight[:, None] * (20 + np.arange(m) % 7)
    )
    costs = np.where(rng.random((n, m)) < 0.1, X, costs)
    problem = Problem(
        costs=costs,
        service_ids=tuple(f"s{j:02d}" for j in range(m)),
        carriers=tuple(f"c{j % 6}" for j in range(m)),
        site=np.zeros(n, dtype=np.int64),
        sites=(("W1", D1),),
        priority=rng.random(n) < 0.1,
        penalty=np.full(n, 2_500),
        service_caps={(f"s{j:02d}", "W1", D1): 900 for j in range(5)},
        carrier_caps={("c0", None, D1): 1_200},
    )
    plan = optimise(problem)
    assert plan.solver == "min_cost_flow"
    used_within_capacity(problem, plan)
    assert plan.totals.total == pytest.approx(lp_optimum(problem))
    assert plan.naive.total > plan.totals.total


@settings(max_examples=150)
@given(waves(), st.integers(1, 3))
def test_column_generation_is_exact(problem: Problem, cheapest: int) -> None:
    """Starting from each group's `cheapest` services only, the priced-in arcs reach the same
    optimum as the whole network (and so the LP optimum), in a few rounds."""
    whole = optimise(problem, time_limit=None)
    original = columns.initial_columns.__defaults__
    columns.initial_columns.__defaults__ = (cheapest,)
    try:
        by_columns = optimise(problem, time_limit=None, columns_above=0)
    finally:
        columns.initial_columns.__defaults__ = original
    used_within_capacity(problem, by_columns)
    assert by_columns.totals.total == whole.totals.total
    assert by_columns.totals.unplaced_priority == whole.totals.unplaced_priority
    assert by_columns.solver == whole.solver == "min_cost_flow"
    assert 1 <= by_columns.rounds <= columns.MAX_ROUNDS


def test_column_generation_prices_capped_services_back_in() -> None:
    """Three parcels all cheapest on A, which takes one: the others need their second and
    third choices, which the first round (one service per group) left out."""
    problem = wave(
        [[1, 5, 9], [2, 9, 9], [3, 9, 8]],
        service_caps={("A", "W1", D1): 1, ("B", "W1", D1): 1},
        penalty=100,
    )
    original = columns.initial_columns.__defaults__
    columns.initial_columns.__defaults__ = (1,)
    try:
        plan = optimise(problem, time_limit=None, columns_above=0)
    finally:
        columns.initial_columns.__defaults__ = original
    # The unique optimum: B to parcel 0, A to parcel 1, C to parcel 2 = 5 + 2 + 8 = 15
    # (A-B-C in order costs 18, A to parcel 2 costs 17).
    assert plan.totals.total == 15
    assert plan.service.tolist() == [1, 0, 2]
    assert plan.rounds >= 2
