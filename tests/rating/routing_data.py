"""Order rows (the ORDERS format) shared by the routing tests."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

ORDERS = Path(__file__).parents[2] / "examples" / "routing" / "orders.csv"


def example_rows() -> list[dict[str, Any]]:
    """The example ORDERS file as dicts (one good order first, then bad ones)."""
    with ORDERS.open() as handle:
        return list(csv.DictReader(handle))


def good_row(order_id: str = "T-1", **changes: Any) -> dict[str, Any]:
    """A parcel the example card prices (WestCoast Ground, zone 2)."""
    row = dict(example_rows()[0])
    row.update(order_id=order_id, **changes)
    return row
