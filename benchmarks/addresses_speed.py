"""Batch address checking speed on one core: 50k US addresses drawn from the zipcodes database.

Each address takes a real ZIP with its city and state (primary or acceptable name, sometimes
lower-cased, sometimes with a state name, a lost leading zero or a misspelt city), a street from a
small list of real-looking street lines, sometimes a unit, a PO box or an APO line, a phone number
in the ZIP's area code and an e-mail address, drawn with a seeded RNG. It reports the one-off cost
of building the ZIP tables, `check` throughput, and the whole file pipeline (read CSV, check,
write CSV) as the `linkstar address check` command runs it.
Usage: python benchmarks/addresses_speed.py [--count N] [--seed S]
"""

from __future__ import annotations

import argparse
import csv
import random
import tempfile
import time
from collections import Counter
from pathlib import Path

import zipcodes
from _common import report

from linkstar.addresses.core import FIELDS, AddressInput, check
from linkstar.addresses.core.zipdb import zip_index
from linkstar.addresses.files import Row, read_addresses, result_row, write_results

STREETS = [
    "Main St", "Oak Avenue", "north maple drive", "W. Sunset Boulevard", "E 42nd Street",
    "Elm Ct", "Park Road", "Lakeview Terrace", "S Washington Ave", "Highland Parkway",
    "Mill Creek Lane", "Cedar Hollow Circle", "Market Street NW", "Route 9",
]  # fmt: skip
UNITS = ["", "", "", "Apt 4B", "Suite 200", "#12", "Unit 7", "Fl 3", "Ste 123456"]
NAMES = ["Maria Gonzalez", "James O'Connor", "PRIYA RAMAN", "li wei", "Sophie Martin"]


def addresses(count: int, seed: int) -> list[AddressInput]:
    """A seeded, varied batch of US addresses at real ZIPs."""
    rng = random.Random(seed)
    rows = [r for r in zipcodes.list_all() if r["active"]]
    out = []
    for i in range(count):
        row = rng.choice(rows)
        city = rng.choice([row["city"], *row["acceptable_cities"]])
        postcode = row["zip_code"]
        roll = rng.random()
        if roll < 0.05:
            postcode = postcode.lstrip("0") or postcode
        elif roll < 0.08:
            city = city[:-1] + "x"
        elif roll < 0.2:
            city = city.lower()
        line1 = f"{rng.randint(1, 9999)} {rng.choice(STREETS)}"
        if row["zip_code_type"] == "PO BOX" or rng.random() < 0.02:
            line1 = f"PO Box {rng.randint(1, 9999)}"
        elif row["zip_code_type"] == "MILITARY":
            line1 = f"PSC {rng.randint(1, 9999)} Box {rng.randint(1, 9999)}"
        area = rng.choice(row["area_codes"] or ["212"])
        out.append(AddressInput(
            id=str(i), name=rng.choice(NAMES), company="Acme LLC" if rng.random() < 0.1 else "",
            line1=line1, line2=rng.choice(UNITS), city=city, state=row["state"],
            postcode=postcode, country=rng.choice(["US", "US", "USA", "us"]),
            phone=f"({area}) 555-{rng.randint(0, 9999):04d}", email=f"buyer{i}@example.com",
        ))  # fmt: skip
    return out


def main() -> None:
    """Measure and report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=20261122)
    args = parser.parse_args()
    batch = addresses(args.count, args.seed)
    started = time.perf_counter()
    zip_index()
    build = time.perf_counter() - started
    check(batch[0])  # the per-country tables are filled on first use
    started = time.perf_counter()
    results = [check(address) for address in batch]
    elapsed = time.perf_counter() - started
    verdicts = Counter(r.verdict.value for r in results)
    with tempfile.TemporaryDirectory() as temp:
        source, out = Path(temp) / "in.csv", Path(temp) / "out.csv"
        with source.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(FIELDS)
            writer.writerows([getattr(a, f) for f in FIELDS] for a in batch)
        started = time.perf_counter()
        write_results(
            out,
            (result_row(check(item.address)) for item in read_addresses(source)
             if isinstance(item, Row)),
        )  # fmt: skip
        pipeline = time.perf_counter() - started
    rows = [
        {"work": "build ZIP tables (once per process)", "addresses": 0, "seconds": build,
         "per_second": 0.0},
        {"work": "check() batch, one core", "addresses": len(batch), "seconds": elapsed,
         "per_second": len(batch) / elapsed},
        {"work": "file pipeline: read CSV, check, write CSV", "addresses": len(batch),
         "seconds": pipeline, "per_second": len(batch) / pipeline},
    ]  # fmt: skip
    report("addresses_speed", rows)
    print("verdicts:", dict(verdicts))


if __name__ == "__main__":
    main()
