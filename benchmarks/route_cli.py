"""`linkstar route` end to end on a generated ORDERS CSV: read, validate, rate, choose, write.

Generates N order rows (seeded) for the example rate card (examples/rate-cards, 2 services with
priors) into a temporary folder, with ~1 % bad rows (unknown country, negative weight, bad
postcode, absurd size), runs the command in-process through Typer, and checks that DECISIONS has
one row per order. cpu_s is the process CPU time (it does not depend on the machine's load).
Usage: python benchmarks/route_cli.py [--rows N] [--policy]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import tempfile
import time
from pathlib import Path

from _common import report
from typer.testing import CliRunner

from linkstar.cli.main import app
from linkstar.rating.order_files import ORDER_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
CARD = ROOT / "examples" / "rate-cards"
POLICY = ROOT / "examples" / "routing" / "policy.json"
ZIP3 = ["900", "902", "906", "913", "917", "921", "926", "930", "935", "940", "945", "950"]


def write_orders(path: Path, rows: int, seed: int = 20261204) -> None:
    """N parcels from Ontario, CA to California ZIPs; one in a hundred is broken on purpose."""
    rng = random.Random(seed)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(ORDER_COLUMNS)
        for i in range(rows):
            weight = min(30_000, int(rng.lognormvariate(7.0, 0.9)) + 50)
            sides = sorted((rng.randint(50, 600) for _ in range(3)), reverse=True)
            dest = f"{rng.choice(ZIP3)}{rng.randint(0, 99):02d}"
            country = "US"
            if i % 100 == 99:  # the broken ones
                match rng.randint(0, 3):
                    case 0:
                        country = "XX"
                    case 1:
                        weight = -5
                    case 2:
                        dest = "ABCDE"
                    case _:
                        sides[0] = 9_000
            writer.writerow(
                [
                    f"ORD-{i:07d}", "main-us", rng.choice(["amazon", "shopify", "ebay"]), "LAX",
                    "US", "91761", country, dest, "", "CA", rng.choice(["yes", "no"]), weight,
                    *sides, f"{rng.randint(500, 20000) / 100:.2f}", "USD", "", "no",
                    rng.choice(["standard", "expedited"]), rng.choice(["", "3", "5"]), "2026-12-07",
                ]
            )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--policy", action="store_true", help="Use examples/routing/policy.json.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        orders, out = Path(tmp) / "orders.csv", Path(tmp) / "decisions.csv"
        began = time.perf_counter()
        write_orders(orders, args.rows)
        generated = time.perf_counter() - began
        command = ["route", str(orders), "--rate-cards", str(CARD), "--out", str(out)]
        if args.policy:
            command += ["--policy", str(POLICY)]
        load = os.getloadavg()[0]
        began, cpu = time.perf_counter(), time.process_time()
        result = CliRunner().invoke(app, command)
        took, cpu = time.perf_counter() - began, time.process_time() - cpu
        assert result.exit_code == 0, result.output
        with out.open() as handle:
            written = sum(1 for _ in handle) - 1
    assert written == args.rows, (written, args.rows)
    report(
        "route_cli",
        [
            {
                "work": "linkstar route (CSV in, CSV out)" + (" + policy" if args.policy else ""),
                "rows": args.rows,
                "seconds": took,
                "rows_per_s": args.rows / took,
                "us_per_row": took / args.rows * 1e6,
                "cpu_s": cpu,
                "load_1min": load,
            }
        ],
    )
    print(f"generating the CSV took {generated:.1f} s; {result.output.strip()}")


if __name__ == "__main__":
    main()
