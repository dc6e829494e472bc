"""`optimise`: the exact assignment of a wave under capacities, with its report."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from linkstar.rating.core.optimise import greedy
from linkstar.rating.core.optimise.columns import Solver, solve_by_columns
from linkstar.rating.core.optimise.flow import FlowResult, solve_bounded, solve_in_process
from linkstar.rating.core.optimise.network import (
    Network,
    aggregate,
    build,
    disaggregate,
    layout,
)
from linkstar.rating.core.optimise.problem import Problem
from linkstar.rating.core.optimise.report import (
    ASSIGNED,
    DEFERRED,
    UNPLACED,
    UNROUTABLE,
    Baseline,
    Infeasibility,
    Totals,
    baseline,
    infeasibility,
    totals,
)

Int64s = NDArray[np.int64]
MIN_COST_FLOW, REGRET_GREEDY = "min_cost_flow", "regret_greedy"
COLUMNS_ABOVE = 3_000_000  # group arcs; bigger networks are solved by column generation


def _solver(time_limit: float | None) -> Solver:
    """In process when unbounded; else in a forked child killed at the time limit."""
    if time_limit is None:
        return lambda net, _left: solve_in_process(net)
    return lambda net, left: solve_bounded(net, time_limit if left is None else left)


@dataclass(frozen=True)
class Plan:
    """Per parcel: the service column (-1 when none) and a status code; plus the report."""

    service: Int64s
    status: NDArray[np.int8]
    solver: str  # min_cost_flow | regret_greedy
    fallback_reason: str  # why the greedy fallback ran; "" when the solver answered
    totals: Totals
    naive: Totals  # each parcel's cheapest service, then repaired greedily
    baseline: Baseline | None
    infeasibility: Infeasibility | None
    groups: int
    seconds: dict[str, float] = field(default_factory=dict)
    rounds: int = 1  # solver runs (more than one when column generation priced arcs back in)

    @property
    def saving_vs_naive(self) -> int:
        """How much less than cheapest-then-repair the plan costs."""
        return self.naive.total - self.totals.total

    @property
    def saving_vs_baseline(self) -> int | None:
        """How much less than the single-carrier baseline the plan costs."""
        return None if self.baseline is None else self.baseline.total - self.totals.total


def _to_parcels(problem: Problem, labels: Int64s, priority: NDArray[np.bool_]) -> tuple[
    Int64s, NDArray[np.int8]
]:  # fmt: skip
    m = problem.shape[1]
    status = np.full(len(labels), ASSIGNED, dtype=np.int8)
    status[labels == m] = DEFERRED
    status[(labels == m) & priority] = UNPLACED
    status[labels < 0] = UNROUTABLE
    service = np.where((labels >= 0) & (labels < m), labels, -1)
    return service, status


def optimise(
    problem: Problem,
    *,
    time_limit: float | None = 60.0,
    baseline_name: str | None = None,
    method: str = MIN_COST_FLOW,
    columns_above: int = COLUMNS_ABOVE,
) -> Plan:
    """Minimise shipping cost plus deferral penalties under every capacity, exactly.

    `time_limit` bounds the min-cost-flow solve (None: solve in process, unbounded); when the
    solver is late or fails, the plan comes from regret-greedy and says why.
    `method=REGRET_GREEDY` skips the solver (to measure the heuristic). Networks with more
    than `columns_above` group arcs are solved by column generation (columns.py), exactly.
    """
    clock = time.perf_counter
    seconds: dict[str, float] = {}
    began = clock()
    n = problem.shape[0]
    groups = aggregate(problem)
    lay = layout(problem)
    net = build(groups, lay)
    seconds["aggregate"] = clock() - began
    began = clock()
    reason = ""
    rounds = 1
    if method == REGRET_GREEDY:
        result = FlowResult(None, "NOT_SOLVED")
        reason = "greedy requested"
    elif len(net.arc_group) > columns_above:
        result, rounds = solve_by_columns(net, groups, lay, _solver(time_limit), time_limit)
    else:
        result = _solver(time_limit)(net, time_limit)
    seconds["solve"] = clock() - began
    began = clock()
    if result.flows is not None:
        flows, solver = result.flows, MIN_COST_FLOW
    else:
        reason = reason or (
            f"time limit of {time_limit:g} s reached"
            if result.status == "TIME_LIMIT"
            else f"min-cost flow answered {result.status}"
        )
        flows = _with_capacity_flows(net, greedy.regret_greedy(groups, lay, net))
        solver = REGRET_GREEDY
    seconds["fallback"] = clock() - began
    began = clock()
    g_flows = flows[net.first_group_arc :]
    service, status = _to_parcels(problem, disaggregate(groups, net, g_flows, n), problem.priority)
    seconds["disaggregate"] = clock() - began
    began = clock()
    naive_flows = greedy.cheapest_then_repair(groups, lay, net)
    n_service, n_status = _to_parcels(
        problem, disaggregate(groups, net, naive_flows, n), problem.priority
    )
    seconds["naive"] = clock() - began
    plan_totals = totals(problem, service, status)
    report = None
    if plan_totals.unplaced_priority:
        report = infeasibility(problem, groups, lay, net, flows)
    return Plan(
        service=service,
        status=status,
        solver=solver,
        fallback_reason=reason,
        totals=plan_totals,
        naive=totals(problem, n_service, n_status),
        baseline=None if baseline_name is None else baseline(problem, baseline_name),
        infeasibility=report,
        groups=len(groups),
        seconds=seconds,
        rounds=rounds,
    )


def _with_capacity_flows(net: Network, g_flows: Int64s) -> Int64s:
    """Capacity-arc flows implied by group flows (each capacity path is a tree to the sink)."""
    first = net.first_group_arc
    flows = np.zeros(len(net.tails), dtype=np.int64)
    flows[first:] = g_flows
    inflow = np.zeros(int(max(net.tails.max(), net.heads.max())) + 1, dtype=np.int64)
    np.add.at(inflow, net.heads[first:], g_flows)
    # Capacity arcs are listed level by level (service, then site-carrier, then day-carrier),
    # and every capacity node has exactly one outgoing arc, so one pass pushes flow down.
    for a in range(first):
        flows[a] = inflow[net.tails[a]]
        inflow[net.heads[a]] += flows[a]
    return flows
