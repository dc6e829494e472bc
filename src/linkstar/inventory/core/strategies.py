"""Allocation strategies: which warehouse(s) fill each order line, and a record of why.

Pure: works on an in-memory map of available units per (master SKU, warehouse id), which it
decrements as it plans, so a batch of orders is planned in sequence against the same stock.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from linkstar.inventory.core.geo import LatLon, centroid, distance_km
from linkstar.inventory.core.model import (
    AllocationDecision,
    AllocationPolicy,
    AllocationRequest,
    LineDecision,
    Pick,
    Site,
    Strategy,
)

Stock = dict[tuple[str, str], int]  # (master SKU, warehouse id) → units available to promise


class Allocator:
    """Plans orders against stock under one policy, over a fixed set of warehouses."""

    def __init__(self, sites: Sequence[Site], policy: AllocationPolicy) -> None:
        self.sites = tuple(sites)
        self.policy = policy
        listed = {wid: i for i, wid in enumerate(policy.warehouse_priority)}
        # Warehouses missing from the priority list come after it, by code.
        by_code = sorted(self.sites, key=lambda s: s.code)
        self.priority_rank = {
            s.warehouse_id: listed.get(s.warehouse_id, len(listed) + by_code.index(s))
            for s in self.sites
        }
        self.site_points: dict[str, LatLon | None] = {
            s.warehouse_id: centroid(s.country, s.postcode)[0] for s in self.sites
        }

    def plan(self, request: AllocationRequest, stock: Stock) -> AllocationDecision:
        """The decision for one order; `stock` is decremented by what it picks."""
        point, precision = centroid(request.dest_country, request.dest_postcode)
        candidates = [s for s in self.sites if s.warehouse_id not in request.excluded_warehouse_ids]
        distances = {
            s.warehouse_id: _distance(point, self.site_points[s.warehouse_id]) for s in candidates
        }
        preferred = {wid: i for i, wid in enumerate(request.preferred_warehouse_ids)}
        strategy = self.policy.strategy

        def rank(site: Site) -> tuple[float, ...]:
            wid = site.warehouse_id
            first = float(preferred.get(wid, len(preferred)))
            if strategy is Strategy.priority:
                return (first, self.priority_rank[wid], distances[wid])
            return (first, distances[wid], self.priority_rank[wid])

        ordered = sorted(candidates, key=rank)
        demand = _demand(request)
        fills_all = [s.warehouse_id for s in ordered if _covers(stock, s.warehouse_id, demand)]

        if not request.allow_split:
            chosen = _single(ordered, fills_all, stock, demand)
            picks = _take(request, stock, chosen[:1])
            rule = "one warehouse for the whole order (split not allowed)"
        elif strategy is Strategy.fewest_splits:
            chosen = fills_all[:1] or _cover(ordered, stock, demand)
            picks = _take(request, stock, chosen)
            rule = "fewest warehouses: one that holds everything, else greedy set cover"
        else:
            chosen = [s.warehouse_id for s in ordered]
            picks = _take(request, stock, chosen)
            rule = f"each line from the first warehouse by {strategy.value} that has stock"

        lines = tuple(
            LineDecision(line.line_ref, line.master_sku, line.quantity, tuple(picks[i]))
            for i, line in enumerate(request.lines)
        )
        decision = AllocationDecision(request.order_ref, lines)
        rolled_back = False
        if self.policy.all_or_nothing and any(line.shortfall for line in lines):
            _give_back(stock, lines)
            lines = tuple(LineDecision(x.line_ref, x.master_sku, x.requested, ()) for x in lines)
            rolled_back = True
        reasons: dict[str, Any] = {
            "strategy": strategy.value,
            "rule": rule,
            "allow_split": request.allow_split,
            "all_or_nothing": self.policy.all_or_nothing,
            "destination": {
                "country": request.dest_country,
                "postcode": request.dest_postcode,
                "centroid": list(point) if point else None,
                "precision": precision,
            },
            "candidates": [
                {
                    "warehouse_id": s.warehouse_id,
                    "code": s.code,
                    "rank": i + 1,
                    "priority": self.priority_rank[s.warehouse_id] + 1,
                    "distance_km": _km(distances[s.warehouse_id]),
                    "preferred": s.warehouse_id in preferred,
                    "fills_order": s.warehouse_id in fills_all,
                }
                for i, s in enumerate(ordered)
            ],
            "excluded": sorted(request.excluded_warehouse_ids),
        }
        if rolled_back:
            reasons["note"] = "all-or-nothing: the order could not be filled entirely"
        elif not candidates:
            reasons["note"] = "no warehouse left after exclusions"
        decision = AllocationDecision(request.order_ref, lines, reasons)
        decision.reasons["chosen"] = list(decision.warehouses)
        return decision


def _distance(a: LatLon | None, b: LatLon | None) -> float:
    return distance_km(a, b) if a is not None and b is not None else math.inf


def _km(value: float) -> float | None:
    return None if math.isinf(value) else round(value, 1)


def _demand(request: AllocationRequest) -> dict[str, int]:
    total: dict[str, int] = {}
    for line in request.lines:
        total[line.master_sku] = total.get(line.master_sku, 0) + line.quantity
    return total


def _covers(stock: Stock, wid: str, demand: dict[str, int]) -> bool:
    return all(stock.get((sku, wid), 0) >= qty for sku, qty in demand.items())


def _fillable(stock: Stock, wid: str, demand: dict[str, int]) -> int:
    return sum(min(qty, stock.get((sku, wid), 0)) for sku, qty in demand.items())


def _single(
    ordered: list[Site], fills_all: list[str], stock: Stock, demand: dict[str, int]
) -> list[str]:
    """The first warehouse that holds everything, else the one that can send the most."""
    if fills_all:
        return fills_all[:1]
    best, best_units = None, 0
    for site in ordered:
        units = _fillable(stock, site.warehouse_id, demand)
        if units > best_units:
            best, best_units = site.warehouse_id, units
    return [best] if best else []


def _cover(ordered: list[Site], stock: Stock, demand: dict[str, int]) -> list[str]:
    """Greedy set cover: repeatedly the warehouse that sends the most remaining units."""
    remaining = dict(demand)
    chosen: list[str] = []
    pool = [s.warehouse_id for s in ordered]
    while any(remaining.values()) and pool:
        best, best_units = None, 0
        for wid in pool:  # ordered by rank, so ties go to the better-ranked warehouse
            units = _fillable(stock, wid, remaining)
            if units > best_units:
                best, best_units = wid, units
        if best is None:
            break
        chosen.append(best)
        pool.remove(best)
        for sku, qty in remaining.items():
            remaining[sku] = qty - min(qty, stock.get((sku, best), 0))
    return chosen


def _take(request: AllocationRequest, stock: Stock, chosen: list[str]) -> list[list[Pick]]:
    """Fill each line from the chosen warehouses in order, decrementing `stock`."""
    picks: list[list[Pick]] = []
    for line in request.lines:
        need, got = line.quantity, []
        for wid in chosen:
            if need == 0:
                break
            key = (line.master_sku, wid)
            have = stock.get(key, 0)
            if have <= 0:
                continue
            qty = min(need, have)
            stock[key] = have - qty
            got.append(Pick(wid, qty))
            need -= qty
        picks.append(got)
    return picks


def _give_back(stock: Stock, lines: tuple[LineDecision, ...]) -> None:
    for line in lines:
        for pick in line.picks:
            key = (line.master_sku, pick.warehouse_id)
            stock[key] = stock.get(key, 0) + pick.quantity
