"""Reference point: Karrio's offline rate-sheet rating against our engine on an equivalent card.

Karrio (https://github.com/karrioapi/karrio) rates "universal" rate sheets offline with
`karrio.universal.mappers.rating_proxy.get_available_rates`: services with zones that carry a
price, a weight range and a list of destination postal codes. The equivalent card is the base
price table of WCP-GND from examples/rate-cards (zones by destination ZIP, brackets by weight,
no dimensional weight), restricted to the ZIPs the parcels go to (Karrio matches postal codes by
list membership). Karrio is never a project dependency: it lives in its own virtualenv and this
script calls that interpreter for the Karrio half, with the card and parcels as JSON.

Setup: python3 -m venv /tmp/karrio-venv && /tmp/karrio-venv/bin/pip install karrio karrio-generic
Usage: python benchmarks/karrio_reference.py [--parcels N] [--karrio-parcels M]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KARRIO_PYTHON = Path("/tmp/karrio-venv/bin/python")


def karrio_worker(card_path: str, parcels_path: str) -> None:
    """Runs inside the Karrio virtualenv: rate every parcel, print JSON (rates, seconds)."""
    import karrio.core.models as models
    import karrio.lib as lib
    from karrio.universal.mappers.rating_proxy import get_available_rates
    from karrio.universal.providers.rating import RatingMixinSettings

    card = json.loads(Path(card_path).read_text())
    parcels = json.loads(Path(parcels_path).read_text())
    zones = [
        models.ServiceZone(
            label=z["zone"],
            rate=z["rate"],
            min_weight=z["min_g"],
            max_weight=z["max_g"],
            postal_codes=z["postal_codes"],
        )
        for z in card["zones"]
    ]
    service = models.ServiceLevel(
        service_name=card["service_id"],
        service_code=card["service_id"],
        currency="USD",
        zones=zones,
        weight_unit="G",
        domicile=True,
    )
    settings = RatingMixinSettings(
        carrier_id="generic", account_country_code="US", services=[service], test_mode=True
    )
    shipper = lib.to_address(models.Address(country_code="US", postal_code="91761"))
    rates: list[float | None] = []
    began = time.process_time()
    for p in parcels:
        recipient = lib.to_address(models.Address(country_code="US", postal_code=p["zip"]))
        package = lib.to_packages([models.Parcel(weight=p["grams"], weight_unit="G")])[0]
        found, _ = get_available_rates(package, shipper, recipient, settings, is_domicile=True)
        rates.append(float(found[0].total_charge) if found else None)
    took = time.process_time() - began
    print(json.dumps({"seconds": took, "rates": rates}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--parcels", type=int, default=1_000_000)
    parser.add_argument("--karrio-parcels", type=int, default=3_000)
    args = parser.parse_args()
    import numpy as np

    from linkstar.rating.core.vector_lines import batch_lines
    from linkstar.rating.core.vectorised import ParcelBatch, price_batch
    from linkstar.rating.importer import parse_path

    root = Path(__file__).resolve().parents[1]
    card = parse_path(root / "examples" / "rate-cards").card
    assert card is not None
    service = next(s for s in card.compiled.services if s.service.service_id == "WCP-GND")
    rng = np.random.default_rng(20261204)
    zip3 = np.array([900, 902, 906, 913, 917, 921, 926, 930, 935, 940, 945, 950, 960, 975, 985])
    n = args.parcels
    zips = zip3[rng.integers(0, len(zip3), n)] * 100 + rng.integers(0, 100, n)
    grams = np.minimum(30_000, rng.lognormal(7.0, 0.9, n).astype(np.int64) + 50)
    zeros = np.zeros(n, dtype=np.int64)
    batch = ParcelBatch(
        grams, zeros, zeros, zeros, zips, np.zeros(n, dtype=np.bool_), "US", "91761", "US",
        __import__("datetime").date(2026, 12, 7),
    )  # fmt: skip
    load = os.getloadavg()[0]
    began = time.process_time()
    totals = price_batch(batch, [service]).totals[:, 0]
    ours = time.process_time() - began
    m = min(args.karrio_parcels, n)
    lines = batch_lines(ParcelBatch(
        grams[:m], zeros[:m], zeros[:m], zeros[:m], zips[:m], np.zeros(m, dtype=np.bool_), "US",
        "91761", "US", batch.ship_date,
    ), service)  # fmt: skip
    base = lines.lines[0][1]
    # The equivalent Karrio card: per zone and bracket, the ZIPs of the sample in that zone.
    labels = service.chart.zone_labels
    table = service.prices
    zones = []
    for code, prices in enumerate(table):
        if prices is None:
            continue
        in_zone = sorted(
            {f"{z:05d}" for z, c in zip(zips[:m], lines.zone, strict=True) if c == code}
        )
        if not in_zone:
            continue
        low = 1
        # Our bracket (previous top, top] in whole grams is Karrio's [min, max) = [low, top + 1).
        for top, price in zip(prices.maxes, prices.prices, strict=True):
            zones.append({"zone": labels[code], "rate": price / 100, "min_g": low,
                          "max_g": top + 1, "postal_codes": in_zone})  # fmt: skip
            low = top + 1
    if not KARRIO_PYTHON.exists():
        sys.exit(f"{KARRIO_PYTHON} not found: see the setup line in this file's docstring")
    with tempfile.TemporaryDirectory() as tmp:
        card_path, parcels_path = Path(tmp) / "card.json", Path(tmp) / "parcels.json"
        card_path.write_text(json.dumps({"service_id": "WCP-GND", "zones": zones}))
        # Karrio has no weight-rounding rule: it is given our billable weight (454 g steps).
        billable = lines.billable_weight_g
        sample = [
            {"zip": f"{int(z):05d}", "grams": int(g)}
            for z, g in zip(zips[:m], billable, strict=True)
        ]
        parcels_path.write_text(json.dumps(sample))
        done = subprocess.run(
            [str(KARRIO_PYTHON), __file__, "--karrio-worker", str(card_path), str(parcels_path)],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
    result = json.loads(done.stdout.strip().splitlines()[-1])
    rates = result["rates"]
    # Karrio's sheet has brackets only: compare the parcels within the last bracket of their zone.
    priced = [
        i
        for i in range(m)
        if int(totals[i]) >= 0 and lines.billable_weight_g[i] <= table[lines.zone[i]].maxes[-1]
    ]
    agree = sum(1 for i in priced if rates[i] is not None and round(rates[i] * 100) == base[i])
    ours_rate = n / ours
    karrio_rate = m / result["seconds"]
    print(f"load (1 min) {load:.1f}; figures are process CPU time")
    print(f"ours:   {n:,} parcels x 1 service in {ours:.3f} s = {ours_rate:,.0f} parcels/s")
    print(f"karrio: {m:,} parcels x 1 service in {result['seconds']:.3f} s = {karrio_rate:,.0f}/s")
    print(f"ratio: ours is {ours_rate / karrio_rate:,.0f}x faster")
    # Karrio quantises weights to 0.01 kg, so a parcel within 10 g of a bracket end can land in
    # the neighbouring bracket there: those are the disagreements.
    print(f"same base price on {agree:,} of {len(priced):,} bracket-priced sample parcels")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--karrio-worker":
        karrio_worker(sys.argv[2], sys.argv[3])
    else:
        main()
