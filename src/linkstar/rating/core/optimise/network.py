"""Lossless aggregation of a wave into groups, and the flow network over groups and capacities.

Parcels with the same (cost vector, site, priority, penalty) are interchangeable, so the exact
optimum over groups disaggregates to an exact optimum over parcels. Nodes of the network:

    group (supply = its parcels) -> (service, site) -> (carrier, site) -> (carrier, day) -> sink

and one exit arc per group straight to the sink: the deferral penalty for ordinary groups, and
for priority groups a *shortfall* cost larger than any other change a unit of flow can make, so
the solver first places as many priority parcels as fit and only then minimises cost.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from linkstar.rating.core.optimise.problem import Problem
from linkstar.rating.core.outcome import INELIGIBLE

Int64s = NDArray[np.int64]
Int32s = NDArray[np.int32]
Bools = NDArray[np.bool_]
SINK = 0


@dataclass(frozen=True)
class Groups:
    """Distinct rows of the wave: their costs, site, priority, penalty and parcel counts."""

    costs: Int64s  # (G, M)
    site: Int64s
    priority: Bools
    penalty: Int64s
    count: Int64s
    inverse: Int64s  # per parcel: its group (-1 when no service is eligible)
    first: Int64s  # per group: the index of its first parcel
    routable: Bools  # per parcel: some service is eligible

    def __len__(self) -> int:
        return len(self.count)


def aggregate(problem: Problem) -> Groups:
    """Group routable parcels with identical rows (np.unique over the rows, lossless)."""
    costs = problem.costs
    n, m = problem.shape
    routable = (costs != INELIGIBLE).any(axis=1) if m else np.zeros(n, dtype=np.bool_)
    # A priority parcel's penalty never matters: zero it so equal rows group together.
    penalty = np.where(problem.priority, 0, problem.penalty)
    keys = np.empty((n, m + 3), dtype=np.int64)
    keys[:, :m] = costs
    keys[:, m] = problem.site
    keys[:, m + 1] = problem.priority
    keys[:, m + 2] = penalty
    keys = keys[routable]
    first, inverse, count = _unique_rows(keys)
    unique = keys[first]
    full_inverse = np.full(n, -1, dtype=np.int64)
    full_inverse[routable] = inverse.ravel()
    return Groups(
        costs=np.ascontiguousarray(unique[:, :m]),
        site=unique[:, m].copy(),
        priority=unique[:, m + 1].astype(np.bool_),
        penalty=unique[:, m + 2].copy(),
        count=count.astype(np.int64),
        inverse=full_inverse,
        first=np.flatnonzero(routable)[first],
        routable=routable,
    )


# Fixed odd multipliers: the grouping (and so the disaggregation) is the same on every run.
_MULTIPLIERS = np.random.default_rng(20261204).integers(1, 2**62, 4096, dtype=np.int64) | 1


def _unique_rows(keys: Int64s) -> tuple[Int64s, Int64s, Int64s]:
    """np.unique(keys, axis=0) (first index, inverse, counts) via a row hash, checked exactly."""
    n, width = keys.shape
    if width > len(_MULTIPLIERS):
        return _unique_void(keys)
    digest = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for c in range(width):
            digest += keys[:, c].astype(np.uint64) * np.uint64(_MULTIPLIERS[c])
            digest ^= digest >> np.uint64(29)
    _, first, inverse, count = np.unique(
        digest, return_index=True, return_inverse=True, return_counts=True
    )
    # Sorting 64-bit digests is several times faster than sorting whole rows; a collision
    # (two different rows, one digest) is caught here and answered by the exact slow path.
    if not np.array_equal(keys, keys[first[inverse]]):
        return _unique_void(keys)
    return first.astype(np.int64), inverse.astype(np.int64), count.astype(np.int64)


def _unique_void(keys: Int64s) -> tuple[Int64s, Int64s, Int64s]:
    rows = np.ascontiguousarray(keys).view(np.dtype((np.void, keys.itemsize * keys.shape[1])))
    _, first, inverse, count = np.unique(
        rows.ravel(), return_index=True, return_inverse=True, return_counts=True
    )
    return first.astype(np.int64), inverse.ravel().astype(np.int64), count.astype(np.int64)


@dataclass(frozen=True)
class Layout:
    """Indices of the capacity nodes and their remaining capacities (n = unbounded)."""

    m: int  # services
    carrier_of: Int64s  # per service: carrier index
    day_of_site: Int64s  # per site: day index
    service_cap: Int64s  # per (site, service): index site * m + j
    site_cap: Int64s  # per (site, carrier): index site * K + k
    day_cap: Int64s  # per (day, carrier): index day * K + k

    @property
    def carriers(self) -> int:
        """K."""
        return int(self.carrier_of.max()) + 1 if len(self.carrier_of) else 0


def layout(problem: Problem) -> Layout:
    """Capacity arrays from the problem's capacity maps (unlisted = unbounded)."""
    n, m = problem.shape
    names = problem.carrier_names
    carrier_of = np.array([names.index(c) for c in problem.carriers], dtype=np.int64)
    k, sites, days = len(names), problem.sites, problem.days
    day_of_site = np.array([days.index(day) for _, day in sites], dtype=np.int64)
    unbounded = max(n, 1)
    service_cap = np.full(len(sites) * m, unbounded, dtype=np.int64)
    site_cap = np.full(len(sites) * k, unbounded, dtype=np.int64)
    day_cap = np.full(len(days) * k, unbounded, dtype=np.int64)
    site_index = {site: s for s, site in enumerate(sites)}
    column = {sid: j for j, sid in enumerate(problem.service_ids)}
    for (sid, warehouse, day), cap in problem.service_caps.items():
        s = site_index.get((warehouse, day))
        if s is not None:
            service_cap[s * m + column[sid]] = min(cap, unbounded)
    for (carrier, wh, day), cap in problem.carrier_caps.items():
        c = names.index(carrier)
        if wh is None:
            if day in days:
                day_cap[days.index(day) * k + c] = min(cap, unbounded)
        elif (s2 := site_index.get((wh, day))) is not None:
            site_cap[s2 * k + c] = min(cap, unbounded)
    return Layout(m, carrier_of, day_of_site, service_cap, site_cap, day_cap)


@dataclass(frozen=True)
class Network:
    """The arcs of the flow problem; group arcs are sorted by (group, label)."""

    tails: Int32s
    heads: Int32s
    caps: Int64s
    costs: Int64s
    supply_nodes: Int32s
    supplies: Int64s
    first_group_arc: int  # arcs before it are the capacity arcs
    arc_group: Int64s  # per group arc
    arc_label: Int64s  # per group arc: service column, or m for the exit arc
    shortfall_cost: int


def build(groups: Groups, lay: Layout) -> Network:
    """Arrays for SimpleMinCostFlow; node 0 is the sink, then capacity nodes, then groups."""
    m, k = lay.m, lay.carriers
    n_sites, n_days = len(lay.day_of_site), len(lay.day_cap) // max(k, 1)
    svc0 = 1
    site0 = svc0 + n_sites * m
    day0 = site0 + n_sites * k
    group0 = day0 + n_days * k
    # Capacity arcs: (site, service) -> (site, carrier) -> (day, carrier) -> sink.
    s_idx, j_idx = np.divmod(np.arange(n_sites * m), m)
    s2, c2 = np.divmod(np.arange(n_sites * k), max(k, 1))
    d3, c3 = np.divmod(np.arange(n_days * k), max(k, 1))
    cap_tails = np.concatenate([svc0 + s_idx * m + j_idx, site0 + s2 * k + c2, day0 + d3 * k + c3])
    cap_heads = np.concatenate(
        [
            site0 + s_idx * k + lay.carrier_of[j_idx],
            day0 + lay.day_of_site[s2] * k + c2,
            np.full(n_days * k, SINK),
        ]
    )
    cap_caps = np.concatenate([lay.service_cap, lay.site_cap, lay.day_cap])
    # Group arcs: one per eligible (group, service) and one exit arc per group; np.nonzero
    # walks the matrix row by row, so the arcs come sorted by (group, label) without a sort.
    open_cells = np.empty((len(groups), m + 1), dtype=np.bool_)
    open_cells[:, :m] = groups.costs != INELIGIBLE
    open_cells[:, m] = True
    arc_group, arc_label = (a.astype(np.int64) for a in np.nonzero(open_cells))
    del open_cells
    g_all = np.arange(len(groups))
    service_arc = arc_label < m
    j_safe = np.where(service_arc, arc_label, 0)
    unit = np.where(service_arc, groups.costs[arc_group, j_safe], groups.penalty[arc_group])
    # A cycle in the residual graph passes each capacity node at most once, between group
    # nodes, so it changes the cost by at most (2 * capacity nodes + 3) * the largest arc cost.
    largest = int(unit.max()) if len(unit) else 0
    shortfall = (2 * (group0 - 1) + 3) * max(largest, 1) + 1
    unit = np.where(~service_arc & groups.priority[arc_group], shortfall, unit)
    g_tails = group0 + arc_group
    g_heads = np.where(service_arc, svc0 + groups.site[arc_group] * m + j_safe, SINK)
    nodes = np.concatenate([[SINK], group0 + g_all]).astype(np.int32)
    total = int(groups.count.sum())
    return Network(
        tails=np.concatenate([cap_tails, g_tails]).astype(np.int32),
        heads=np.concatenate([cap_heads, g_heads]).astype(np.int32),
        caps=np.concatenate([cap_caps, groups.count[arc_group]]).astype(np.int64),
        costs=np.concatenate([np.zeros(len(cap_tails), dtype=np.int64), unit]).astype(np.int64),
        supply_nodes=nodes,
        supplies=np.concatenate([[-total], groups.count]).astype(np.int64),
        first_group_arc=len(cap_tails),
        arc_group=arc_group,
        arc_label=arc_label,
        shortfall_cost=shortfall,
    )


def disaggregate(groups: Groups, net: Network, flows: Int64s, n: int) -> Int64s:
    """Per parcel: the label its group's flow gives it, parcels of a group in file order."""
    labels = np.repeat(net.arc_label, flows)
    out = np.full(n, -1, dtype=np.int64)
    routable = np.flatnonzero(groups.routable)
    order = np.argsort(groups.inverse[routable], kind="stable")
    if len(labels) != len(order):
        raise RuntimeError("the flow does not place every parcel exactly once")
    out[routable[order]] = labels
    return out
