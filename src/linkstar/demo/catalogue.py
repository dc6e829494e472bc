"""The demo seller's product catalogue, drawn from real retail data.

Harbor & Pine Trading sells home, kitchen and gift goods. Its master SKUs are the most-sold
stock codes of the UCI "Online Retail" data set (a real UK gift wholesaler, CC BY 4.0, read from
the reference data folder, never copied into the repository), so demo orders and stock have real
product names, real price levels and a real popularity skew. Inventory and orders both read this
one list, so their SKUs agree.
"""

from __future__ import annotations

import csv
import functools
import gzip
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

UCI_FILE = "uci_online_retail_subset_46k.csv.gz"
CATALOGUE_SIZE = 60
SKU_PREFIX = "HP-"


@dataclass(frozen=True, slots=True)
class CatalogueItem:
    sku: str  # master SKU: "HP-" + the UCI stock code
    name: str
    unit_price: Decimal  # the wholesaler's median unit price, GBP
    lines: int  # how many invoice lines sold it: a real popularity weight


@functools.cache
def catalogue(data_dir: Path, size: int = CATALOGUE_SIZE) -> tuple[CatalogueItem, ...]:
    """The `size` most frequent stock codes (ties by code), or () when the file is absent."""
    path = data_dir / UCI_FILE
    if not path.is_file():
        return ()
    counts: Counter[str] = Counter()
    names: dict[str, str] = {}
    prices: dict[str, list[Decimal]] = {}
    with gzip.open(path, "rt", encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            code = row["StockCode"].strip().upper()
            if row["InvoiceNo"].startswith("C") or not code[:1].isdigit():
                continue  # cancellations and non-product codes (POST, DOT, M, …)
            price = Decimal(row["UnitPrice"])
            if price <= 0 or not row["Description"].strip():
                continue
            counts[code] += 1
            names.setdefault(code, " ".join(row["Description"].split()).title())
            prices.setdefault(code, []).append(price)
    top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:size]
    return tuple(
        CatalogueItem(
            sku=SKU_PREFIX + code,
            name=names[code],
            unit_price=sorted(prices[code])[len(prices[code]) // 2],
            lines=count,
        )
        for code, count in top
    )
