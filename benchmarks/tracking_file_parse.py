"""Tracking event file import: rows per second of CSV and JSON-lines parsing into updates.

Generates a seeded file of realistic events (USPS, UPS, FedEx and DHL numbers with valid check
digits and the raw codes and texts of the recorded carrier payloads; 20 events per parcel,
times with UTC offsets, 1 % bad rows) and times `parse_csv` / `parse_jsonl` on it: decoding,
ISO 8601 parsing, carrier lookup, mapping-table normalisation and grouping per parcel.
Usage: python benchmarks/tracking_file_parse.py [--rows N] [--repeat R]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from _common import report

from linkstar.tracking.connectors.files import COLUMNS, parse_csv, parse_jsonl, write_csv
from linkstar.tracking.core.numbers import gs1_mod10_check_digit, ups_check_digit

EVENTS = {
    "usps": [
        ("GX", "Shipping Label Created, USPS Awaiting Item"),
        ("03", "USPS in possession of item"),
        ("82", "Departed USPS Facility"),
        ("10", "Arrived at USPS Regional Facility"),
        ("07", "Arrived at Post Office"),
        ("OF", "Out for Delivery"),
        ("01", "Delivered, In/At Mailbox"),
    ],
    "ups": [
        ("M/MP", "Shipper created a label, UPS has not received the package yet."),
        ("I/OR", "Pickup Scan"),
        ("I/DP", "Departed from Facility"),
        ("I/AR", "Arrived at Facility"),
        ("X/48", "The receiver was not available for delivery."),
        ("I/OT", "Out For Delivery Today"),
        ("D/FS", "DELIVERED"),
    ],
    "fedex": [
        ("IN/OC", "Shipment information sent to FedEx"),
        ("PU/PU", "Picked up"),
        ("IT/DP", "Departed FedEx hub"),
        ("IT/AR", "At local FedEx facility"),
        ("IT/OD", "On FedEx vehicle for delivery"),
        ("DL/DL", "Delivered"),
    ],
    "dhl_parcel": [
        ("pre-transit", "The instruction data for this shipment have been provided."),
        ("transit", "The shipment has been processed in the parcel center of origin."),
        ("transit", "The shipment has been loaded onto the delivery vehicle."),
        ("delivered", "The shipment has been delivered to the recipient's neighbour."),
    ],
}
PLACES = [
    ("LOUISVILLE", "KY", "40213", "US"),
    ("PHILADELPHIA", "PA", "19154", "US"),
    ("MEMPHIS", "TN", "38118", "US"),
    ("Berlin", "", "10115", "DE"),
]


def _number(carrier: str, rng: random.Random) -> str:
    if carrier == "usps":
        body = "9400" + "".join(rng.choice("0123456789") for _ in range(17))
        return body + str(gs1_mod10_check_digit(body))
    if carrier == "ups":
        body = "A1B2C3" + "03" + "".join(rng.choice("0123456789") for _ in range(7))
        return f"1Z{body}{ups_check_digit(body)}"
    return "".join(rng.choice("0123456789") for _ in range(12 if carrier == "fedex" else 20))


def rows(count: int, seed: int = 6) -> list[dict[str, str]]:
    """`count` event rows, 20 per parcel, 1 % of them with an offset-less time."""
    rng = random.Random(seed)
    out: list[dict[str, str]] = []
    start = datetime(2025, 3, 1, tzinfo=UTC)
    while len(out) < count:
        carrier = rng.choice(list(EVENTS))
        number = _number(carrier, rng)
        moment = start + timedelta(minutes=rng.randrange(0, 40_000))
        for i in range(20):
            code, text = EVENTS[carrier][min(i * len(EVENTS[carrier]) // 20, 99)]
            city, state, postcode, country = rng.choice(PLACES)
            moment += timedelta(minutes=rng.randrange(30, 600))
            offset = "-05:00" if country == "US" else "+01:00"
            stamp = moment.strftime("%Y-%m-%dT%H:%M:%S") + (offset if rng.random() > 0.01 else "")
            out.append(
                {
                    "tracking_number": number,
                    "carrier": "dhl_parcel" if carrier == "dhl_parcel" else carrier,
                    "event_time": stamp,
                    "raw_code": code,
                    "raw_description": text,
                    "city": city,
                    "state": state,
                    "postcode": postcode,
                    "country": country,
                }
            )
    return out[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    data = rows(args.rows)
    csv_text = write_csv(data).encode()
    jsonl = "\n".join(json.dumps({k: r[k] for k in COLUMNS if k in r}) for r in data).encode()
    results = []
    for name, parse, payload in (("csv", parse_csv, csv_text), ("jsonl", parse_jsonl, jsonl)):
        samples = []
        for _ in range(args.repeat):
            began = time.perf_counter()
            result = parse(payload)
            samples.append(time.perf_counter() - began)
        best = min(samples)
        results.append(
            {
                "format": name,
                "rows": args.rows,
                "mb": round(len(payload) / 1e6, 1),
                "updates": result.columns.updates,
                "events": result.events,
                "row_errors": len(result.errors),
                "best_s": round(best, 3),
                "median_s": round(statistics.median(samples), 3),
                "rows_per_s": int(args.rows / best),
            }
        )
    # The floor on this machine at this moment: the csv module alone, plus the time parsing.
    began = time.perf_counter()
    for row in csv.reader(io.StringIO(csv_text.decode())):
        datetime.fromisoformat(row[2]) if row[2][:1].isdigit() else None
    floor = time.perf_counter() - began
    results.append(
        {
            "format": "csv.reader + fromisoformat only",
            "rows": args.rows,
            "mb": round(len(csv_text) / 1e6, 1),
            "updates": 0,
            "events": 0,
            "row_errors": 0,
            "best_s": round(floor, 3),
            "median_s": round(floor, 3),
            "rows_per_s": int(args.rows / floor),
        }
    )
    report("tracking_file_parse", results)


if __name__ == "__main__":
    main()
