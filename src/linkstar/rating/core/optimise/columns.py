"""Exact solves of big waves on a fraction of the arcs: column generation with a certificate.

A wave where almost every parcel is different (709k groups x 20 services = 14M arcs) is too
big to hand to the solver whole. Most of those arcs can never carry flow: a group goes to one
of its few cheapest services unless capacities push it further. So:

1. solve the network restricted to each group's exit arc and its cheapest services: those
   cheaper than its cheapest option without a binding capacity (left out losslessly) and at
   most `CHEAPEST` of them;
2. price the arcs left out with node potentials taken from that optimum: shortest distances
   in its residual graph, computed on the small graph of capacity nodes after eliminating the
   group nodes (a group with flow on arc u and an open arc v gives the edge u -> v of weight
   c_v - c_u);
3. an arc left out whose reduced cost is negative could improve the plan: add those and solve
   again. When none is negative the potentials prove the restricted optimum optimal for the
   whole network (no negative cycle in its residual graph), so the answer stays exact.

All costs are integers well below 2**53, so float64 distances are exact.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from linkstar.rating.core.optimise.flow import FlowResult
from linkstar.rating.core.optimise.network import Groups, Layout, Network
from linkstar.rating.core.outcome import INELIGIBLE

Int64s = NDArray[np.int64]
Bools = NDArray[np.bool_]
Solver = Callable[[Network, float | None], FlowResult]
CHEAPEST = 6  # at most this many services per group in the first restricted network
MAX_ROUNDS = 8  # then the whole network is solved


def unbounded_paths(groups: Groups, lay: Layout) -> Bools:
    """Per (site, service): no capacity on its path can ever bind (each holds the whole wave)."""
    total = int(groups.count.sum())
    sites, m, k = len(lay.day_of_site), lay.m, lay.carriers
    s, j = np.divmod(np.arange(sites * m), max(m, 1))
    c = lay.carrier_of[j] if m else j
    room = np.minimum(
        lay.service_cap[s * m + j],
        np.minimum(lay.site_cap[s * k + c], lay.day_cap[lay.day_of_site[s] * k + c]),
    )
    return (room >= total).reshape(sites, m)


def initial_columns(groups: Groups, net: Network, lay: Layout, k: int = CHEAPEST) -> Bools:
    """Per group arc of `net`: kept in the first round.

    Losslessly left out: a service dearer than the group's cheapest option on a path without a
    binding capacity (such a service, or waiting for an ordinary group): whatever flow the
    dearer arc carried could move there for less. Of the rest, the k cheapest are kept."""
    m = groups.costs.shape[1]
    label = net.arc_label
    service = label < m
    free = unbounded_paths(groups, lay)[groups.site]
    eligible = groups.costs != INELIGIBLE
    bound = np.where(free & eligible, groups.costs, INELIGIBLE).min(axis=1, initial=INELIGIBLE)
    bound = np.where(groups.priority, bound, np.minimum(bound, groups.penalty))
    if m > k:
        bound = np.minimum(bound, np.partition(groups.costs, k - 1, axis=1)[:, k - 1])
    cost = groups.costs[net.arc_group, np.where(service, label, 0)]
    return ~service | (cost <= bound[net.arc_group])


def restricted(net: Network, keep: Bools) -> tuple[Network, Int64s]:
    """The network with only the kept group arcs, and their indices among the group arcs."""
    first = net.first_group_arc
    chosen = np.flatnonzero(keep)
    arcs = np.concatenate([np.arange(first), first + chosen])
    sub = Network(
        tails=net.tails[arcs],
        heads=net.heads[arcs],
        caps=net.caps[arcs],
        costs=net.costs[arcs],
        supply_nodes=net.supply_nodes,
        supplies=net.supplies,
        first_group_arc=first,
        arc_group=net.arc_group[chosen],
        arc_label=net.arc_label[chosen],
        shortfall_cost=net.shortfall_cost,
    )
    return sub, chosen


def _capacity_distances(
    net: Network,
    flows: Int64s,
    keep: Bools,
    carrying: Int64s,
    g_heads: Int64s,
    g_costs: NDArray[np.float64],
    n_groups: int,
) -> NDArray[np.float64]:
    """Shortest distances from a virtual root (0 to every node) over the residual graph,
    restricted to the capacity nodes (group nodes eliminated). `carrying` are the group arcs
    with flow; `g_heads`/`g_costs` the group arcs' heads and costs."""
    first = net.first_group_arc
    nodes = int(net.tails[:first].max(initial=0)) + 1  # every capacity node has an out-arc
    w = np.full((nodes, nodes), np.inf)
    t, h, c, f = net.tails[:first], net.heads[:first], net.caps[:first], flows[:first]
    w[t[f < c], h[f < c]] = 0.0
    w[h[f > 0], t[f > 0]] = 0.0
    kept = np.flatnonzero(keep)
    # Kept arcs per group, in arc order (arcs are sorted by group).
    per_group = np.bincount(net.arc_group[kept], minlength=n_groups)
    start = np.concatenate([[0], np.cumsum(per_group)[:-1]])
    g = net.arc_group[carrying]
    reps = per_group[g]
    offsets = np.arange(int(reps.sum())) - np.repeat(np.cumsum(reps) - reps, reps)
    other = kept[np.repeat(start[g], reps) + offsets]
    source = np.repeat(carrying, reps)
    differs = other != source
    u, v = g_heads[source[differs]], g_heads[other[differs]]
    weight = g_costs[other[differs]] - g_costs[source[differs]]
    np.minimum.at(w, (u, v), weight)
    d = np.zeros(nodes)
    for _ in range(nodes + 1):
        nd = np.minimum(d, (d[:, None] + w).min(axis=0))
        if np.array_equal(nd, d):
            return d
        d = nd
    raise ArithmeticError("negative cycle in the residual graph of an optimal flow")


def violations(net: Network, flows: Int64s, keep: Bools, groups: Groups) -> Bools:
    """Group arcs left out whose reduced cost under the optimum's potentials is negative."""
    first = net.first_group_arc
    carrying = np.flatnonzero(flows[first:] > 0)
    heads = net.heads[first:].astype(np.int64)
    costs = net.costs[first:].astype(np.float64)
    d = _capacity_distances(net, flows, keep, carrying, heads, costs, len(groups))
    d_group = np.zeros(len(groups))
    np.minimum.at(d_group, net.arc_group[carrying], d[heads[carrying]] - costs[carrying])
    out = np.flatnonzero(~keep)
    reduced = d_group[net.arc_group[out]] + costs[out] - d[heads[out]]
    bad = np.zeros(len(keep), dtype=np.bool_)
    bad[out[reduced < 0]] = True
    return bad


def solve_by_columns(
    net: Network, groups: Groups, lay: Layout, solve: Solver, time_limit: float | None
) -> tuple[FlowResult, int]:
    """The optimal flows of `net` (indexed like `net`), and how many rounds it took."""
    deadline = None if time_limit is None else time.monotonic() + time_limit
    first = net.first_group_arc
    keep = initial_columns(groups, net, lay)
    for rounds in range(1, MAX_ROUNDS + 1):
        left = None if deadline is None else max(deadline - time.monotonic(), 0.0)
        sub, chosen = restricted(net, keep)
        result = solve(sub, left)
        if result.flows is None:
            return result, rounds
        flows = np.zeros(len(net.tails), dtype=np.int64)
        flows[:first] = result.flows[:first]
        flows[first + chosen] = result.flows[first:]
        bad = violations(net, flows, keep, groups)
        if not bad.any():
            return FlowResult(flows, result.status, result.cost), rounds
        keep |= bad
    left = None if deadline is None else max(deadline - time.monotonic(), 0.0)
    return solve(net, left), MAX_ROUNDS + 1
