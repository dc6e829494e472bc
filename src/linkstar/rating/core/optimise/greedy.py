"""Heuristic assignments over groups: regret-greedy (the solver's fallback) and the naive
"each parcel's cheapest service, then repair" that the optimum is compared against.

Both return per-group flows shaped like the network's group arcs (label m = the exit arc:
deferral for ordinary groups, shortfall for priority groups), so they disaggregate the same way.
"""

from __future__ import annotations

import heapq

import numpy as np
from numpy.typing import NDArray

from linkstar.rating.core.optimise.network import Groups, Layout, Network
from linkstar.rating.core.outcome import INELIGIBLE

Int64s = NDArray[np.int64]


class _Rooms:
    """Remaining capacity along each (site, service) path to the sink."""

    def __init__(self, lay: Layout) -> None:
        self.m, self.k = lay.m, lay.carriers
        self.carrier_of = lay.carrier_of.tolist()
        self.day_of_site = lay.day_of_site.tolist()
        self.service = lay.service_cap.tolist()
        self.site = lay.site_cap.tolist()
        self.day = lay.day_cap.tolist()

    def room(self, s: int, j: int) -> int:
        """How many more parcels service j can take at site s."""
        c = self.carrier_of[j]
        return min(
            self.service[s * self.m + j],
            self.site[s * self.k + c],
            self.day[self.day_of_site[s] * self.k + c],
        )

    def take(self, s: int, j: int, q: int) -> None:
        """Use q parcels of room on the path of service j at site s."""
        c = self.carrier_of[j]
        self.service[s * self.m + j] -= q
        self.site[s * self.k + c] -= q
        self.day[self.day_of_site[s] * self.k + c] -= q


class _Options:
    """Per group: its (cost, label) options cheapest first, ties by label; ordinary groups may
    also defer (label m, at their penalty). Kept as sorted arrays and read one row at a time:
    lists of tuples for 700k groups x 20 services would take gigabytes."""

    def __init__(self, groups: Groups) -> None:
        g, m = groups.costs.shape
        full = np.empty((g, m + 1), dtype=np.int64)
        full[:, :m] = groups.costs
        full[:, m] = np.where(groups.priority, INELIGIBLE, groups.penalty)
        order = np.argsort(full, axis=1, kind="stable")
        self.costs = np.take_along_axis(full, order, axis=1)
        del full
        self.labels = order.astype(np.int16 if m < 2**15 - 1 else np.int64)
        del order
        self.size = (self.costs != INELIGIBLE).sum(axis=1).tolist()

    def __getitem__(self, g: int) -> list[tuple[int, int]]:
        n = self.size[g]
        return list(zip(self.costs[g, :n].tolist(), self.labels[g, :n].tolist(), strict=True))

    def cheapest_service(self, m: int) -> list[int | None]:
        """Per group: its cheapest eligible service (None when it has none)."""
        services = self.labels != m
        first = np.argmax(services, axis=1)
        rows = np.arange(len(self.size))
        ok = services[rows, first] & (self.costs[rows, first] != INELIGIBLE)
        return np.where(ok, self.labels[rows, first], -1).tolist()


def _flows(groups: Groups, net: Network, taken: dict[tuple[int, int], int]) -> Int64s:
    m = groups.costs.shape[1]
    keys = net.arc_group * (m + 1) + net.arc_label
    flows = np.zeros(len(keys), dtype=np.int64)
    if taken:
        pairs = np.array([g * (m + 1) + label for g, label in taken], dtype=np.int64)
        flows[np.searchsorted(keys, pairs)] = np.fromiter(taken.values(), dtype=np.int64)
    return flows


def _best_two(
    opts: list[tuple[int, int]], s: int, rooms: _Rooms, m: int
) -> tuple[tuple[int, int] | None, int | None]:
    best: tuple[int, int] | None = None
    for cost, label in opts:
        if label == m or rooms.room(s, label) > 0:
            if best is not None:
                return best, cost
            best = (cost, label)
    return best, None


def regret_greedy(groups: Groups, lay: Layout, net: Network) -> Int64s:
    """Assign groups in order of regret (second-best minus best option with room left)."""
    m = lay.m
    rooms = _Rooms(lay)
    options = _Options(groups)
    sites = groups.site.tolist()
    left = groups.count.tolist()
    prio = groups.priority.tolist()
    taken: dict[tuple[int, int], int] = {}
    never = 2**62  # a group with one option left goes before any with a choice

    def regret(g: int) -> tuple[tuple[int, int] | None, int]:
        best, second = _best_two(options[g], sites[g], rooms, m)
        if best is None:
            return None, never
        return best, never if second is None else second - best[0]

    # Priority groups first: they may not be deferred, so they get first call on capacity.
    heap = [(0 if prio[g] else 1, -regret(g)[1], g) for g in range(len(left))]
    heapq.heapify(heap)
    while heap:
        rank, neg, g = heapq.heappop(heap)
        best, now = regret(g)
        if best is None:  # a priority group with no room anywhere: shortfall
            taken[(g, m)] = taken.get((g, m), 0) + left[g]
            left[g] = 0
            continue
        if now < -neg and heap and (rank, -now, g) > heap[0]:
            heapq.heappush(heap, (rank, -now, g))  # stale: its regret fell, look again later
            continue
        label = best[1]
        q = left[g] if label == m else min(left[g], rooms.room(sites[g], label))
        if label != m:
            rooms.take(sites[g], label, q)
        taken[(g, label)] = taken.get((g, label), 0) + q
        left[g] -= q
        if left[g]:
            heapq.heappush(heap, (rank, -regret(g)[1], g))
    return _flows(groups, net, taken)


def cheapest_then_repair(groups: Groups, lay: Layout, net: Network) -> Int64s:
    """Everyone asks for their cheapest service; the overflow takes the cheapest option left.

    Priority groups go first, then the rest, each in the order their first parcel appears.
    """
    m = lay.m
    rooms = _Rooms(lay)
    options = _Options(groups)
    cheapest_of = options.cheapest_service(m)
    sites = groups.site.tolist()
    left = groups.count.tolist()
    order = np.lexsort((groups.first, ~groups.priority)).tolist()
    taken: dict[tuple[int, int], int] = {}
    for g in order:  # pass 1: the cheapest service, while it has room
        cheapest = cheapest_of[g]
        if cheapest >= 0:
            q = min(left[g], rooms.room(sites[g], cheapest))
            if q:
                rooms.take(sites[g], cheapest, q)
                taken[(g, cheapest)] = q
                left[g] -= q
    for g in order:  # pass 2: the overflow, cheapest option with room first
        if not left[g]:
            continue
        for _, label in options[g]:
            if not left[g]:
                break
            q = left[g] if label == m else min(left[g], rooms.room(sites[g], label))
            if q:
                if label != m:
                    rooms.take(sites[g], label, q)
                taken[(g, label)] = taken.get((g, label), 0) + q
                left[g] -= q
        if left[g]:  # a priority group that fits nowhere
            taken[(g, m)] = taken.get((g, m), 0) + left[g]
    return _flows(groups, net, taken)
