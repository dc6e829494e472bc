"""Order export parsing speed: 100,000 orders in Amazon's tab-delimited order report and in
Shopify's orders export CSV, ~1.5 line rows per order, through `parse_order_file`.

SKUs, titles and prices come from the real UCI Online Retail subset (../shared/data); buyers,
addresses and times from a seeded RNG. Prints wall and CPU seconds per format (CPU time is the
fair figure on a shared machine) and checks every order parsed.
Usage: python benchmarks/orders_file_parse.py [--orders N] [--data DIR] [--xlsx N]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _common import report

from linkstar.orders.connectors.files import parse_order_file

AMAZON_HEADER = [
    "order-id",
    "order-item-id",
    "purchase-date",
    "payments-date",
    "buyer-email",
    "buyer-name",
    "buyer-phone-number",
    "sku",
    "product-name",
    "quantity-purchased",
    "currency",
    "item-price",
    "item-tax",
    "shipping-price",
    "shipping-tax",
    "ship-service-level",
    "recipient-name",
    "ship-address-1",
    "ship-address-2",
    "ship-address-3",
    "ship-city",
    "ship-state",
    "ship-postal-code",
    "ship-country",
    "ship-phone-number",
    "sales-channel",
    "is-business-order",
    "is-prime",
]
SHOPIFY_HEADER = [
    "Name",
    "Email",
    "Financial Status",
    "Fulfillment Status",
    "Currency",
    "Subtotal",
    "Shipping",
    "Taxes",
    "Total",
    "Discount Amount",
    "Shipping Method",
    "Created at",
    "Lineitem quantity",
    "Lineitem name",
    "Lineitem price",
    "Lineitem sku",
    "Billing Name",
    "Shipping Name",
    "Shipping Address1",
    "Shipping Address2",
    "Shipping City",
    "Shipping Zip",
    "Shipping Province",
    "Shipping Country",
    "Shipping Phone",
    "Cancelled at",
    "Id",
    "Tags",
]
CITIES = [
    ("SEATTLE", "WA", "98103"),
    ("AUSTIN", "TX", "78702"),
    ("BOSTON", "MA", "02139"),
    ("DENVER", "CO", "80205"),
    ("MIAMI", "FL", "33130"),
]
NAMES = ["Daniel Kim", "Maria Lopez", "Priya Raman", "Owen Price", "Aiko Tanaka", "José Álvarez"]


def catalogue(data: Path) -> list[tuple[str, str, str]]:
    with gzip.open(data / "uci_online_retail_subset_46k.csv.gz", "rt", encoding="utf-8") as f:
        rows = {
            (r["StockCode"], r["Description"].strip(), r["UnitPrice"])
            for r in csv.DictReader(f)
            if r["Description"]
        }
    return sorted(r for r in rows if float(r[2]) > 0)[:2000]


def amazon_file(n: int, items: list[tuple[str, str, str]], rng: random.Random) -> bytes:
    out = io.StringIO()
    out.write("\t".join(AMAZON_HEADER) + "\n")
    start = datetime(2026, 11, 1, tzinfo=UTC)
    for i in range(n):
        order_id = f"1{i % 10:02d}-{i:07d}-{rng.randrange(10**7):07d}"
        when = (start + timedelta(seconds=rng.randrange(30 * 86400))).isoformat()
        name = rng.choice(NAMES)
        city, state, zip5 = rng.choice(CITIES)
        for j in range(1 if rng.random() < 0.6 else rng.randint(2, 3)):
            sku, title, price = rng.choice(items)
            qty = rng.randint(1, 3)
            row = [
                order_id,
                f"{i:09d}{j}",
                when,
                when,
                f"b{i}@marketplace.amazon.com",
                name,
                "",
                sku,
                title,
                str(qty),
                "USD",
                f"{float(price) * qty:.2f}",
                f"{float(price) * qty * 0.08:.2f}",
                "3.99" if j == 0 else "0.00",
                "0.00",
                "Standard",
                name,
                f"{rng.randint(1, 9999)} Main St",
                "",
                "",
                city,
                state,
                zip5,
                "US",
                "+1 206-555-0100",
                "Amazon.com",
                "false",
                "false",
            ]
            out.write("\t".join(row) + "\n")
    return out.getvalue().encode()


def shopify_file(n: int, items: list[tuple[str, str, str]], rng: random.Random) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(SHOPIFY_HEADER)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    for i in range(n):
        when = (start + timedelta(seconds=rng.randrange(30 * 86400))).strftime(
            "%Y-%m-%d %H:%M:%S +0000"
        )
        name = rng.choice(NAMES)
        city, state, zip5 = rng.choice(CITIES)
        for j in range(1 if rng.random() < 0.6 else rng.randint(2, 3)):
            sku, title, price = rng.choice(items)
            first = j == 0
            writer.writerow(
                [
                    f"#{1000 + i}",
                    f"b{i}@example.com" if first else "",
                    "paid" if first else "",
                    "unfulfilled" if first else "",
                    "USD" if first else "",
                    "",
                    "4.99" if first else "",
                    "",
                    "",
                    "",
                    "Standard" if first else "",
                    when,
                    rng.randint(1, 3),
                    title,
                    price,
                    sku,
                    name if first else "",
                    name if first else "",
                    f"{rng.randint(1, 9999)} Main St" if first else "",
                    "",
                    city if first else "",
                    f"'{zip5}" if first else "",
                    state if first else "",
                    "US" if first else "",
                    "",
                    "",
                    str(5_000_000_000_000 + i) if first else "",
                    "",
                ]
            )
    return out.getvalue().encode()


def xlsx_of(csv_bytes: bytes) -> bytes:
    """The same rows as an XLSX workbook (numbers as numbers, like a spreadsheet export)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    for row in csv.reader(io.StringIO(csv_bytes.decode())):
        sheet.append([float(v) if v.replace(".", "", 1).isdigit() and "." in v else v for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--xlsx", type=int, default=20_000, help="orders in the XLSX run (0: skip)")
    parser.add_argument("--data", type=Path, default=Path(__file__).parents[2] / "shared" / "data")
    args = parser.parse_args()
    rng = random.Random(20261204)
    items = catalogue(args.data)
    rows = []
    runs = [(args.orders, "amazon", amazon_file(args.orders, items, rng), "report.txt")]
    runs.append(
        (args.orders, "shopify", shopify_file(args.orders, items, rng), "orders_export.csv")
    )
    if args.xlsx:
        runs.append(
            (args.xlsx, "shopify", xlsx_of(shopify_file(args.xlsx, items, rng)), "orders.xlsx")
        )
    for count, preset, data, filename in runs:
        start, cpu = time.perf_counter(), time.process_time()
        result = parse_order_file(data, filename, preset)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        assert len(result.orders) == count and not result.errors, (
            len(result.orders),
            result.errors[:3],
        )
        rows.append(
            {
                "file": filename,
                "orders": count,
                "rows": result.rows,
                "MB": round(len(data) / 1e6, 1),
                "wall_s": round(seconds, 2),
                "cpu_s": round(cpu, 2),
                "orders_per_cpu_s": int(count / cpu),
            }
        )
    report("orders_file_parse", rows)


if __name__ == "__main__":
    main()
