"""Choosing: 1M parcels x 20 services rated and chosen in memory, and one order at a time.

Reuses the 20-service card of `rating_vectorised.py` (real USPS chart from ../shared/data),
adds transit-time and reliability priors per service, lane statistics for a few ZIP prefixes,
a suspension and a weighted policy with filters, then runs `choose_batch` over 1M seeded
parcels and `Chooser.choose` (full decision with every candidate's breakdown) over a sample,
checking that both pick the same service.
Usage: python benchmarks/routing_choose.py [--data DIR] [--parcels N] [--scalar N] [--repeat R]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import numpy as np
from _common import report
from rating_vectorised import CHART_FILE, as_parcels, build_card, random_parcels

from linkstar.rating.core import compile_card, price_batch, quote_totals
from linkstar.rating.core.choose import Chooser, RankedPolicy, RouteOrder
from linkstar.rating.core.fx import FxRate, FxTable
from linkstar.rating.core.policy_format import parse_policy
from linkstar.rating.core.reliability import LaneStats, ReliabilityBook
from linkstar.rating.core.suspension import Suspension
from linkstar.rating.core.vector_choose import choose_batch

POLICY = {
    "name": "benchmark",
    "filters": [
        {"id": "promise", "max_p90_over_promise_days": 1},
        {
            "id": "no-bluebird-heavy",
            "when": [{"field": "weight_g", "op": "gt", "value": 20000}],
            "exclude_carriers": ["bluebird"],
        },
        {"id": "reliable", "min_success_rate": 0.9},
    ],
    "objective": {"weights": {"cost": 1.0, "on_time": 0.5, "success": 0.2}},
}


def chooser_for(card, rng: np.random.Generator) -> Chooser:  # type: ignore[no-untyped-def]
    """Priors on every service, lane statistics, one suspension, the policy above."""
    services = tuple(
        replace(
            s,
            transit_days_p50=float(2 + i % 4),
            transit_days_p90=float(3 + i % 4 + i % 3),
            prior_on_time_bp=8_500 + 50 * (i % 10),
            prior_success_bp=9_300 + 30 * (i % 20),
        )
        for i, s in enumerate(card.services)
    )
    compiled = compile_card(replace(card, services=services))
    stats = [
        LaneStats(s.service_id, "LAX", "US", prefix, int(n), int(n * 0.97), int(n * 0.9), 2.5, 4.0)
        for s in services[::3]
        for prefix, n in (("9", rng.integers(50, 500)), ("100", rng.integers(10, 80)))
    ]
    fx = FxTable("USD", [FxRate("EUR", Decimal("1.08"), date(2024, 1, 1))])
    return Chooser(
        compiled.services,
        fx,
        [RankedPolicy(parse_policy(POLICY), "bench", 1, 0)],
        ReliabilityBook(services, stats),
        [Suspension(services[1].carrier, services[1].service_id)],
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    default_data = Path(__file__).resolve().parents[2] / "shared" / "data"
    parser.add_argument("--data", type=Path, default=default_data)
    parser.add_argument("--parcels", type=int, default=1_000_000)
    parser.add_argument("--scalar", type=int, default=3_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    chart_path = args.data / CHART_FILE
    if not chart_path.exists():
        sys.exit(f"{chart_path} not found: pass --data DIR (the shared data folder)")
    rng = np.random.default_rng(20261204)
    card, served = build_card(chart_path, rng)
    chooser = chooser_for(card, rng)
    batch = random_parcels(rng, args.parcels, served)
    n, s = len(batch), len(chooser.services)
    promised = rng.choice(np.array([0, 2, 3, 5, 7]), n)
    columns = {"weight_g": batch.weight_g.astype(np.float64)}
    choose_batch(chooser, random_parcels(rng, 10_000, served), "LAX")  # warm-up
    runs, cpu = [], []
    load = os.getloadavg()[0]
    for _ in range(args.repeat):
        began, used = time.perf_counter(), time.process_time()
        result = choose_batch(chooser, batch, "LAX", promised, columns)
        runs.append(time.perf_counter() - began)
        cpu.append(time.process_time() - used)
    rating = []
    for _ in range(args.repeat):
        began = time.perf_counter()
        price_batch(batch, chooser.services)
        rating.append(time.perf_counter() - began)
    rows: list[dict[str, object]] = [
        {
            "work": "price_batch alone (same machine, same moment)",
            "parcels": n,
            "services": s,
            "best_s": min(rating),
            "median_s": sorted(rating)[len(rating) // 2],
            "us_per_parcel": min(rating) / n * 1e6,
        },
        {
            "work": "choose_batch: rate + filter + score + choose",
            "parcels": n,
            "services": s,
            "best_s": min(runs),
            "median_s": sorted(runs)[len(runs) // 2],
            "us_per_parcel": min(runs) / n * 1e6,
        },
    ]
    parcels = as_parcels(batch, args.scalar)
    orders = [
        RouteOrder(
            f"o{i}",
            p,
            "LAX",
            int(promised[i]) or None,
            {"weight_g": p.weight_g},
        )
        for i, p in enumerate(parcels)
    ]
    for label, work in (
        ("scalar quote_totals, 20 services", lambda o: quote_totals(o.parcel, chooser.services)),
        ("scalar choose (full decision record)", chooser.choose),
    ):
        samples = []
        for order in orders:
            began = time.perf_counter()
            work(order)
            samples.append(time.perf_counter() - began)
        ordered = sorted(samples)
        rows.append(
            {
                "work": label,
                "parcels": len(orders),
                "services": s,
                "best_s": sum(samples),
                "median_s": sum(samples),
                "us_per_parcel": ordered[len(ordered) // 2] * 1e6,
            }
        )
    agree = 0
    for i, order in enumerate(orders):
        decision = chooser.choose(order)
        same_choice = (decision.chosen if decision.chosen is not None else -1) == result.choice[i]
        agree += same_choice and decision.fallback == bool(result.fallback[i])
    report("routing_choose", rows)
    held = float((result.choice < 0).mean())
    print(f"held: {held:.1%}; fallback: {float(result.fallback.mean()):.1%}")
    print(f"choose_batch process CPU best {min(cpu):.2f} s; load (1 min) at start {load:.1f}")
    print(f"scalar and vectorised agree (choice and fallback) on {agree:,} of {len(orders):,}")
    print("us_per_parcel: batch = best / parcels; scalar rows = median per order")


if __name__ == "__main__":
    main()
