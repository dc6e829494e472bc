"""Rating throughput: the vectorised pricer (1M parcels x 20 services) and the scalar pricer.

Builds 20 services of 6 carriers with realistic brackets for USPS zones 1-9 up to 30 kg on the
real USPS zone chart (../shared/data), with residential, remote and extended-remote ZIP lists,
additional handling, oversize, peak and fuel surcharges; prices 1M random parcels from a seeded
RNG with `price_batch`, and 10k of them one by one with `quote_all` over the pre-built tables.
Usage: python benchmarks/rating_vectorised.py [--data DIR] [--parcels N] [--scalar N] [--repeat R]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
from _common import report

from linkstar.rating.core import (
    INELIGIBLE,
    DimRounding,
    Parcel,
    ParcelBatch,
    PostcodeSet,
    PriceBracket,
    PriceStep,
    RateCard,
    Service,
    Surcharge,
    SurchargeKind,
    compile_card,
    load_usps_zone_chart,
    price_batch,
    quote_all,
    quote_totals,
    zip3_zone_matrix,
)

CHART_FILE = "usps_zone_chart_2018-06_zip3_ranges.csv.gz"
SHIP = date(2024, 12, 10)
ORIGIN = "90058"  # a Los Angeles warehouse
LB = 454
CARRIERS = ("acme", "swift", "pacific", "northstar", "bluebird", "metro")
# (divisor cm³/kg or None, dimension rounding, weight rounding g) per service, cycled.
RULES = (
    (5022, DimRounding.up_inch, LB),  # 139 in³/lb, whole inches, whole pounds
    (5000, DimRounding.up_cm, 100),
    (6000, DimRounding.exact, 1),
    (None, DimRounding.exact, 50),
    (5022, DimRounding.nearest_inch, LB),
)


def _weights() -> list[int]:
    # 4, 8, 12 oz, then every pound to 30 kg: about 70 brackets per zone, like a ground card.
    return [113, 227, 340, *range(LB, 30_000, LB), 30_000]


def build_card(chart_path: Path, rng: np.random.Generator) -> tuple[RateCard, list[int]]:
    """20 services of 6 carriers on the USPS chart, and the served destination ZIP3s."""
    chart = load_usps_zone_chart(chart_path)
    served = sorted({int(e.dest.first) for e in chart.entries if not e.dest.is_range} | {
        n for e in chart.entries if e.dest.is_range
        for n in range(int(e.dest.first), int(e.dest.last) + 1)
    })  # fmt: skip
    services, brackets, steps, surcharges = [], [], [], []
    for i in range(20):
        carrier = CARRIERS[i % len(CARRIERS)]
        divisor, rounding, step_g = RULES[i % len(RULES)]
        sid = f"{carrier}-{i:02d}"
        services.append(
            Service(sid, carrier, f"{carrier} service {i}", "USD", "usps", "US",
                    frozenset({"US"}), dim_divisor=divisor, dim_rounding=rounding,
                    weight_rounding_g=step_g, max_weight_g=30_000, max_length_mm=2_700,
                    max_length_plus_girth_mm=3_300, fuel_bp=int(rng.integers(0, 1_800)),
                    min_charge=int(rng.integers(300, 900)),
                    restricted=frozenset({"battery"}) if i % 3 == 0 else frozenset(),
                    military=i % 4 != 0, po_box=i % 5 != 0)
        )  # fmt: skip
        first, per_kg = 350 + 25 * i, 90 + 7 * (i % 9)
        last_bracket = 30_000 if i % 2 == 0 else 9_988  # odd services: 22 lb, then per-lb steps
        for zone in range(1, 10):
            for w in (w for w in _weights() if w <= last_bracket):
                price = first + zone * 40 + (w * per_kg * (8 + zone)) // 10_000
                brackets.append(PriceBracket(sid, str(zone), w, price))
            if last_bracket < 30_000:
                steps.append(PriceStep(sid, str(zone), last_bracket, LB, per_kg * (8 + zone) // 20))
    remote_zip5 = [f"{z:05d}" for z in rng.choice(100_000, 3_000, replace=False)]
    extended_zip5 = [f"{z:05d}" for z in rng.choice(100_000, 600, replace=False)]
    for n, carrier in enumerate(CARRIERS):
        surcharges += [
            Surcharge(carrier, None, SurchargeKind.residential, amount=300 + 40 * n),
            Surcharge(carrier, None, SurchargeKind.remote, amount=395,
                      dest=PostcodeSet.parse("US", [*remote_zip5, ("995", "999"), ("967", "968")])),
            Surcharge(carrier, None, SurchargeKind.extended_remote, amount=995,
                      dest=PostcodeSet.parse("US", extended_zip5)),
            Surcharge(carrier, None, SurchargeKind.additional_handling, amount=1_650,
                      over_length_mm=1_219, over_second_length_mm=762, over_weight_g=22_680),
            Surcharge(carrier, None, SurchargeKind.oversize, amount=9_500,
                      over_length_plus_girth_mm=2_667),
            Surcharge(carrier, None, SurchargeKind.peak, percent_bp=300 + 100 * n,
                      effective_from=date(2024, 11, 1), effective_to=date(2025, 1, 15)),
        ]  # fmt: skip
    surcharges.append(
        Surcharge("acme", None, SurchargeKind.fuel_override, percent_bp=1_475,
                  effective_from=date(2024, 12, 1))
    )  # fmt: skip
    card = RateCard(tuple(services), {"usps": chart}, tuple(brackets), tuple(steps),
                    tuple(surcharges))  # fmt: skip
    return card, served


def random_parcels(rng: np.random.Generator, n: int, served: list[int]) -> ParcelBatch:
    """N parcels: log-normal weights up to 30 kg, box sizes, served ZIP3s + random last digits."""
    weight = np.clip(rng.lognormal(7.0, 1.0, n), 50, 32_000).astype(np.int64)
    sides = np.sort(rng.integers(50, 900, (3, n)), axis=0)[::-1]
    zip3 = np.asarray(served)[rng.integers(0, len(served), n)]
    return ParcelBatch(
        weight_g=weight,
        length_mm=sides[0].copy(),
        width_mm=sides[1].copy(),
        height_mm=sides[2].copy(),
        dest_postcode=zip3 * 100 + rng.integers(0, 100, n),
        residential=rng.random(n) < 0.7,
        origin_country="US",
        origin_postcode=ORIGIN,
        dest_country="US",
        ship_date=SHIP,
        po_box=rng.random(n) < 0.02,
        contents=(rng.random(n) < 0.05).astype(np.int64),
        contents_vocab=("battery",),
    )


def as_parcels(batch: ParcelBatch, count: int) -> list[Parcel]:
    """The first `count` parcels of a batch as scalar Parcel objects."""
    assert batch.po_box is not None and batch.contents is not None
    return [
        Parcel(int(batch.weight_g[i]), int(batch.length_mm[i]), int(batch.width_mm[i]),
               int(batch.height_mm[i]), "US", ORIGIN, "US", f"{int(batch.dest_postcode[i]):05d}",
               SHIP, residential=bool(batch.residential[i]), po_box=bool(batch.po_box[i]),
               contents=frozenset({"battery"}) if batch.contents[i] else frozenset())
        for i in range(count)
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    default_data = Path(__file__).resolve().parents[2] / "shared" / "data"
    parser.add_argument("--data", type=Path, default=default_data)
    parser.add_argument("--parcels", type=int, default=1_000_000)
    parser.add_argument("--scalar", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    chart_path = args.data / CHART_FILE
    if not chart_path.exists():
        sys.exit(f"{chart_path} not found: pass --data DIR (the shared data folder)")
    rng = np.random.default_rng(20240603)
    rows: list[dict[str, object]] = []

    began = time.perf_counter()
    card, served = build_card(chart_path, rng)
    compiled = compile_card(card)
    rows.append(_row("load USPS chart, build and compile 20 services", 0, 20, [_since(began)]))
    batch = random_parcels(rng, args.parcels, served)
    n, s = len(batch), len(compiled.services)

    matrix = zip3_zone_matrix(compiled.services[0].chart)
    origins = np.asarray(served)[rng.integers(0, len(served), n)]
    dest3 = batch.dest_postcode // 100
    lookups = [_timed(lambda: matrix[origins, dest3]) for _ in range(args.repeat)]
    rows.append(_row("zone look-ups, random (origin, dest) ZIP3 pairs", n, 1, lookups))

    price_batch(batch, compiled.services)  # warm-up: dense zone and postcode tables
    for reasons in (False, True):
        runs = [_timed(lambda r=reasons: price_batch(batch, compiled.services, reasons=r))
                for _ in range(args.repeat)]  # fmt: skip
        label = "vectorised totals" + (" + reason bitmasks" if reasons else "")
        rows.append(_row(label, n, s, runs))
    result = price_batch(batch, compiled.services)
    eligible = float((result.totals.min(axis=1) != INELIGIBLE).mean())

    parcels = as_parcels(batch, args.scalar)
    for label, pricer in (("scalar quote_totals", quote_totals), ("scalar quote_all", quote_all)):
        per_order = []
        for parcel in parcels:
            began = time.perf_counter()
            pricer(parcel, compiled)
            per_order.append(time.perf_counter() - began)
        rows.append(_row(f"{label} (one order at a time)", len(parcels), s, per_order, each=True))
    same = all(
        quote_totals(p, compiled) == [int(t) for t in result.totals[i]]
        for i, p in enumerate(parcels[:1_000])
    )
    report("rating_vectorised", rows)
    print(f"parcels with at least one eligible service: {eligible:.1%}")
    print(f"scalar totals identical to the vectorised matrix on 1,000 parcels: {same}")
    print("us_per_parcel (all services): vectorised = total / parcels; scalar = median per order")


def _since(began: float) -> float:
    return time.perf_counter() - began


def _timed(fn: object) -> float:
    began = time.perf_counter()
    fn()  # type: ignore[operator]
    return _since(began)


def _row(
    what: str, parcels: int, services: int, runs: list[float], each: bool = False
) -> dict[str, object]:
    """One table row; `runs` are repeated timings of the whole job, or (each) one per order."""
    if each:
        ordered = sorted(runs)
        total = sum(runs)
        per = statistics.median(runs)
        p99 = ordered[int(0.99 * len(ordered))]
    else:
        total = statistics.median(runs)
        per, p99 = (total / parcels if parcels else 0.0), 0.0
    return {
        "what": what,
        "parcels": parcels,
        "services": services,
        "total_ms": round(total * 1e3, 2),
        "us_per_parcel": round(per * 1e6, 2),
        "p99_us": round(p99 * 1e6, 2),
    }


if __name__ == "__main__":
    main()
