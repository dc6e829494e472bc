"""What an optimisation reports: totals, cost by carrier, baselines and infeasibility."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from numpy.typing import NDArray

from linkstar.rating.core.optimise.network import Groups, Layout, Network
from linkstar.rating.core.optimise.problem import Problem
from linkstar.rating.core.outcome import INELIGIBLE

Int64s = NDArray[np.int64]
# Per-parcel status codes of a plan.
ASSIGNED, DEFERRED, UNPLACED, UNROUTABLE = 0, 1, 2, 3
STATUS_NAMES = ("assigned", "deferred", "unplaced_priority", "no_eligible_service")


@dataclass(frozen=True)
class Totals:
    """The cost of one assignment of the wave, in the problem's currency (minor units)."""

    total: int  # shipping + deferral penalties
    shipping: int
    assigned: int
    deferred: int
    penalty: int
    unplaced_priority: int
    unroutable: int
    cost_by_carrier: dict[str, int]
    parcels_by_carrier: dict[str, int]

    def as_json(self) -> dict[str, Any]:
        """Plain JSON values."""
        return dict(self.__dict__)


def totals(problem: Problem, service: Int64s, status: NDArray[np.int8]) -> Totals:
    """Sum an assignment (service column per parcel, -1 when none) by carrier."""
    rows = np.flatnonzero(status == ASSIGNED)
    cols = service[rows]
    cost = problem.costs[rows, cols]
    by_service = np.zeros(problem.shape[1], dtype=np.int64)
    np.add.at(by_service, cols, cost)  # exact integers, unlike bincount's float weights
    count_service = np.bincount(cols, minlength=problem.shape[1])
    cost_by: dict[str, int] = {}
    count_by: dict[str, int] = {}
    for j, carrier in enumerate(problem.carriers):
        cost_by[carrier] = cost_by.get(carrier, 0) + int(by_service[j])
        count_by[carrier] = count_by.get(carrier, 0) + int(count_service[j])
    deferred = status == DEFERRED
    penalty = int(problem.penalty[deferred].sum())
    shipping = int(cost.sum())
    return Totals(
        total=shipping + penalty,
        shipping=shipping,
        assigned=len(rows),
        deferred=int(deferred.sum()),
        penalty=penalty,
        unplaced_priority=int((status == UNPLACED).sum()),
        unroutable=int((status == UNROUTABLE).sum()),
        cost_by_carrier=cost_by,
        parcels_by_carrier=count_by,
    )


@dataclass(frozen=True)
class Baseline:
    """Every parcel on one carrier (or one service), capacities ignored."""

    name: str
    total: int
    not_served: int  # parcels it cannot take, priced at their cheapest service instead


def baseline(problem: Problem, name: str) -> Baseline:
    """The seller's single-carrier (or single-service) cost of the wave."""
    cols = [j for j, (s, c) in enumerate(zip(problem.service_ids, problem.carriers, strict=True))
            if name in (s, c)]  # fmt: skip
    if not cols:
        raise ValueError(f"baseline {name!r} is neither a service nor a carrier of the wave")
    eligible = (problem.costs != INELIGIBLE).any(axis=1)
    own = problem.costs[:, cols].min(axis=1)
    served = own != INELIGIBLE
    cheapest = problem.costs.min(axis=1)
    total = int(own[served].sum()) + int(cheapest[eligible & ~served].sum())
    return Baseline(name, total, int((eligible & ~served).sum()))


@dataclass(frozen=True)
class Binding:
    """A full capacity on every path the unplaced priority parcels could take."""

    kind: str  # service | carrier
    name: str
    warehouse: str | None  # None: a carrier's capacity over every warehouse
    day: date
    capacity: int

    def as_json(self) -> dict[str, Any]:
        """Plain JSON values."""
        return {**self.__dict__, "day": self.day.isoformat()}


@dataclass(frozen=True)
class Infeasibility:
    """How many priority parcels cannot fit, out of how many, and the capacities that bind."""

    unplaced: int
    priority: int
    binding: tuple[Binding, ...]

    def as_json(self) -> dict[str, Any]:
        """Plain JSON values."""
        return {
            "unplaced_priority": self.unplaced,
            "priority": self.priority,
            "binding": [b.as_json() for b in self.binding],
        }


def infeasibility(
    problem: Problem, groups: Groups, lay: Layout, net: Network, flows: Int64s
) -> Infeasibility:
    """The capacities on the cut between the unplaced priority parcels and the sink.

    Nodes reachable in the residual graph from a group with shortfall form one side of a
    minimum cut; the capacity arcs that leave that side are full and are what binds.
    """
    m, first = lay.m, net.first_group_arc
    g_flow = flows[first:]
    exit_arc = net.arc_label == m
    short = np.zeros(len(groups), dtype=np.bool_)
    short[net.arc_group[exit_arc & groups.priority[net.arc_group] & (g_flow > 0)]] = True
    nodes = int(max(net.tails.max(), net.heads.max())) + 1 if len(net.tails) else 1
    in_r = np.zeros(nodes, dtype=np.bool_)
    cap_t, cap_h = net.tails[:first], net.heads[:first]
    cap_f, cap_c = flows[:first], net.caps[:first]
    g_heads = net.heads[first:]
    g_caps = net.caps[first:]
    while True:
        before = int(in_r.sum()) + int(short.sum())
        open_fwd = ~exit_arc & short[net.arc_group] & (g_flow < g_caps)
        in_r[g_heads[open_fwd]] = True
        in_r[cap_h[in_r[cap_t] & (cap_f < cap_c)]] = True
        in_r[cap_t[in_r[cap_h] & (cap_f > 0)]] = True
        back = ~exit_arc & in_r[g_heads] & (g_flow > 0)
        short[net.arc_group[back]] = True
        in_r[0] = False  # the sink is never crossed: its arcs are the cut
        if int(in_r.sum()) + int(short.sum()) == before:
            break
    leaving = np.flatnonzero(in_r[cap_t] & ~in_r[cap_h])
    binding = [_describe(problem, lay, int(a)) for a in leaving]
    unplaced = int(g_flow[exit_arc & groups.priority[net.arc_group]].sum())
    priority = int(groups.count[groups.priority].sum())
    return Infeasibility(unplaced, priority, tuple(b for b in binding if b is not None))


def _describe(problem: Problem, lay: Layout, arc: int) -> Binding | None:
    m, k = lay.m, lay.carriers
    n_sites = len(lay.day_of_site)
    if arc < n_sites * m:
        s, j = divmod(arc, m)
        wh, day = problem.sites[s]
        sid = problem.service_ids[j]
        cap = problem.service_caps.get((sid, wh, day))
        return None if cap is None else Binding("service", sid, wh, day, cap)
    arc -= n_sites * m
    names = problem.carrier_names
    if arc < n_sites * k:
        s, c = divmod(arc, k)
        wh, day = problem.sites[s]
        ccap = problem.carrier_caps.get((names[c], wh, day))
        return None if ccap is None else Binding("carrier", names[c], wh, day, ccap)
    d, c = divmod(arc - n_sites * k, k)
    day = problem.days[d]
    dcap = problem.carrier_caps.get((names[c], None, day))
    return None if dcap is None else Binding("carrier", names[c], None, day, dcap)
