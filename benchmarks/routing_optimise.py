"""Capacity-constrained optimisation of 1M parcels x 20 services: exact, vs greedy, vs the LP.

Prices 1M random parcels (half from a Los Angeles warehouse, half from New Jersey) against the
20 services of `rating_vectorised` on the real USPS zone chart with the vectorised pricer, then
caps the 5 services most parcels would pick at 55 % of that demand at each warehouse, and one
carrier at 70 % of its demand over both warehouses; 5 % of parcels are priority, the rest may be
deferred at a penalty by tier. Reports the exact optimum (OR-Tools min-cost flow after lossless
grouping), regret-greedy and cheapest-then-repair against it, the single-carrier baseline, peak
memory (ru_maxrss of this process and of the forked solver) and the LP check on 10k parcels.
Usage: python benchmarks/routing_optimise.py [--data DIR] [--parcels N] [--lp N]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
from _common import report
from rating_vectorised import CHART_FILE, build_card, random_parcels

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.rating.optimise_lp import lp_optimum

from linkstar.rating.core import INELIGIBLE, ParcelBatch, compile_card, price_batch
from linkstar.rating.core.optimise import REGRET_GREEDY, Problem, optimise

DAY = date(2024, 12, 10)
WAREHOUSES = (("LAX1", "90058"), ("EWR1", "08817"))


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime + children.ru_utime + children.ru_stime


def _from_catalogue(
    rng: np.random.Generator, batch: ParcelBatch, catalogue: ParcelBatch | None, zip5: str
) -> ParcelBatch:
    """The batch shipped from `zip5`, its parcels packed as products of the catalogue."""
    if catalogue is None:
        return dataclasses.replace(batch, origin_postcode=zip5)
    # A few best sellers make most of the orders (Zipf-like popularity).
    popularity = 1.0 / np.arange(1, len(catalogue) + 1)
    pick = rng.choice(len(catalogue), len(batch), p=popularity / popularity.sum())
    return dataclasses.replace(
        batch,
        origin_postcode=zip5,
        weight_g=catalogue.weight_g[pick],
        length_mm=catalogue.length_mm[pick],
        width_mm=catalogue.width_mm[pick],
        height_mm=catalogue.height_mm[pick],
    )


def build_problem(data: Path, parcels: int, products: int) -> tuple[Problem, float]:
    """The priced wave with binding capacities, and the seconds pricing took."""
    rng = np.random.default_rng(20261204)
    card, served = build_card(data / CHART_FILE, rng)
    compiled = compile_card(card).services
    catalogue = random_parcels(rng, products, served) if products else None
    began = time.perf_counter()
    matrices, sites = [], []
    for s, (_, zip5) in enumerate(WAREHOUSES):
        share = parcels // len(WAREHOUSES) + (s < parcels % len(WAREHOUSES))
        batch = _from_catalogue(rng, random_parcels(rng, share, served), catalogue, zip5)
        matrices.append(price_batch(batch, compiled).totals)
        sites.append(np.full(share, s, dtype=np.int64))
    priced = time.perf_counter() - began
    costs = np.ascontiguousarray(np.concatenate(matrices))
    site = np.concatenate(sites)
    ids = tuple(c.service.service_id for c in compiled)
    carriers = tuple(c.service.carrier for c in compiled)
    # Demand if capacity were unlimited: each parcel's cheapest service.
    eligible = (costs != INELIGIBLE).any(axis=1)
    cheapest = costs.argmin(axis=1)
    caps: dict[tuple[str, str, date], int] = {}
    carrier_caps: dict[tuple[str, str | None, date], int] = {}
    for s, (wh, _) in enumerate(WAREHOUSES):
        demand = np.bincount(cheapest[eligible & (site == s)], minlength=len(ids))
        for j in np.argsort(-demand)[:5].tolist():
            caps[(ids[j], wh, DAY)] = int(demand[j] * 0.55)
    demand_by_carrier = {c: int(np.isin(cheapest[eligible],
                                        [j for j, cc in enumerate(carriers) if cc == c]).sum())
                         for c in set(carriers)}  # fmt: skip
    busiest = max(sorted(demand_by_carrier), key=demand_by_carrier.__getitem__)
    carrier_caps[(busiest, None, DAY)] = int(demand_by_carrier[busiest] * 0.7)
    n = len(costs)
    tier = rng.integers(0, 3, n)  # penalty per tier: economy, standard, express-ish
    # Deferring ships the parcel later anyway: its cheapest price plus a delay cost by tier.
    cheapest_price = np.where(eligible, costs.min(axis=1), 0)
    problem = Problem(
        costs=costs,
        service_ids=ids,
        carriers=carriers,
        site=site,
        sites=tuple((wh, DAY) for wh, _ in WAREHOUSES),
        priority=rng.random(n) < 0.05,
        penalty=cheapest_price + np.array([300, 600, 1_200])[tier],
        service_caps=caps,
        carrier_caps=carrier_caps,
    )
    return problem, priced


def subproblem(problem: Problem, count: int) -> Problem:
    """The first `count` parcels with every capacity scaled down in proportion."""
    share = count / problem.shape[0]
    return dataclasses.replace(
        problem,
        costs=problem.costs[:count],
        site=problem.site[:count],
        priority=problem.priority[:count],
        penalty=problem.penalty[:count],
        service_caps={k: int(v * share) for k, v in problem.service_caps.items()},
        carrier_caps={k: int(v * share) for k, v in problem.carrier_caps.items()},
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    default_data = Path(__file__).resolve().parents[2] / "shared" / "data"
    parser.add_argument("--data", type=Path, default=default_data)
    parser.add_argument("--parcels", type=int, default=1_000_000)
    parser.add_argument("--lp", type=int, default=10_000)
    parser.add_argument("--products", type=int, default=400,
                        help="catalogue size (0: every parcel a random size)")  # fmt: skip
    parser.add_argument("--time-limit", type=float, default=60.0)
    args = parser.parse_args()
    if not (args.data / CHART_FILE).exists():
        sys.exit(f"{args.data / CHART_FILE} not found: pass --data DIR (the shared data folder)")
    print("load before:", os.getloadavg())
    problem, priced = build_problem(args.data, args.parcels, args.products)
    n, m = problem.shape
    rows: list[dict[str, object]] = [
        {"what": "price the wave (vectorised pricer)", "parcels": n, "services": m,
         "wall_s": round(priced, 2), "cpu_s": "", "total": "", "gap_pct": ""},
    ]  # fmt: skip
    cpu, began = _cpu(), time.perf_counter()
    plan = optimise(problem, time_limit=args.time_limit, baseline_name="acme")
    wall, used = time.perf_counter() - began, _cpu() - cpu
    best = plan.totals.total
    what = f"optimise exactly ({plan.solver}, {plan.groups:,} groups, {plan.rounds} rounds)"
    rows.append({"what": what,
                 "parcels": n, "services": m, "wall_s": round(wall, 2), "cpu_s": round(used, 2),
                 "total": best, "gap_pct": 0.0})  # fmt: skip
    cpu, began = _cpu(), time.perf_counter()
    greedy = optimise(problem, method=REGRET_GREEDY)
    rows.append({"what": "regret-greedy (the fallback)", "parcels": n, "services": m,
                 "wall_s": round(time.perf_counter() - began, 2), "cpu_s": round(_cpu() - cpu, 2),
                 "total": greedy.totals.total,
                 "gap_pct": round(100 * (greedy.totals.total - best) / best, 2)})  # fmt: skip
    rows.append({"what": "cheapest service, then repair", "parcels": n, "services": m,
                 "wall_s": "", "cpu_s": "", "total": plan.naive.total,
                 "gap_pct": round(100 * (plan.naive.total - best) / best, 2)})  # fmt: skip
    assert plan.baseline is not None
    rows.append({"what": "single carrier (acme, no capacities)", "parcels": n, "services": m,
                 "wall_s": "", "cpu_s": "", "total": plan.baseline.total,
                 "gap_pct": round(100 * (plan.baseline.total - best) / best, 2)})  # fmt: skip
    small = subproblem(problem, min(args.lp, n))
    began = time.perf_counter()
    exact = optimise(small).totals.total
    flow_s = time.perf_counter() - began
    by_columns = optimise(small, columns_above=0)  # the column-generation path, same wave
    began = time.perf_counter()
    lp = lp_optimum(small)
    lp_s = time.perf_counter() - began
    what = f"LP check on {small.shape[0]:,} parcels (HiGHS {lp_s:.1f} s, flow {flow_s:.2f} s)"
    gap = "" if lp is None else round(100 * (exact - lp) / lp, 6)
    rows.append({"what": what, "parcels": small.shape[0], "services": m, "wall_s": "",
                 "cpu_s": "", "total": exact, "gap_pct": gap})  # fmt: skip
    report("routing_optimise", rows)
    self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"stages (s): {', '.join(f'{k} {v:.2f}' for k, v in plan.seconds.items())}")
    t = plan.totals
    print(f"optimum: {t.assigned:,} assigned, {t.deferred:,} deferred (penalty {t.penalty:,}), "
          f"{t.unplaced_priority:,} priority unplaced, {t.unroutable:,} unroutable")  # fmt: skip
    print(f"LP optimum {lp} == flow optimum {exact}: {lp is not None and abs(lp - exact) < 0.5}")
    print(
        f"column generation on the same wave: {by_columns.totals.total} "
        f"({by_columns.rounds} rounds), equal: {by_columns.totals.total == exact}"
    )
    print(f"ru_maxrss: this process {self_mb:,.0f} MB, largest child (solver) {child_mb:,.0f} MB")
    print("load after:", os.getloadavg())


if __name__ == "__main__":
    main()
