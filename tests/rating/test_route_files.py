"""The columnar `linkstar route` writes exactly what the row-by-row path writes."""

import json
import sys
from datetime import date
from pathlib import Path

import pytest

from linkstar.cli.route import _columns, _policy, _route_rows
from linkstar.rating.core.choose import Chooser
from linkstar.rating.core.fx import FxTable
from linkstar.rating.order_files import load_cards
from linkstar.rating.route_files import route_all

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
from route_cli import write_orders  # noqa: E402

CARD = ROOT / "examples" / "rate-cards"
POLICY = ROOT / "examples" / "routing" / "policy.json"
SHIP = date(2026, 12, 7)


def _both(orders: Path, tmp: Path, policy: Path | None, json_lines: bool = False):
    chooser = Chooser(load_cards(CARD), FxTable("USD"), _policy(policy))
    suffix = ".jsonl" if json_lines else ".csv"
    old = tmp / f"old{suffix}"
    _route_rows(orders, old, chooser, SHIP, json_lines)
    columns = _columns(orders)
    assert columns is not None
    decisions = route_all(chooser, columns, SHIP)
    new = tmp / f"new{suffix}"
    with new.open("w", encoding="utf-8", newline="") as handle:
        decisions.write(handle, json_lines)
    return old.read_text(), new.read_text(), decisions


@pytest.mark.parametrize("policy", [None, POLICY])
def test_columnar_route_equals_row_by_row(tmp_path, policy):
    orders = tmp_path / "orders.csv"
    write_orders(orders, 1_500, seed=7)  # 1 % broken rows; the policy holds about a sixth
    old, new, decisions = _both(orders, tmp_path, policy)
    assert new == old
    assert sum(decisions.counts.values()) == 1_500
    assert decisions.counts["held"] >= 15


def test_json_lines_in_and_out_equal_row_by_row(tmp_path):
    orders = tmp_path / "orders.jsonl"
    rows = [
        {"order_id": "A", "origin_country": "US", "origin_postcode": "91761",
         "dest_country": "US", "dest_postcode": "94105", "weight_g": 1200, "length_mm": 300,
         "width_mm": 200, "height_mm": 100, "residential": True, "warehouse": "LAX"},
        {"order_id": "B", "origin_country": "US", "origin_postcode": "91761",
         "dest_country": "US", "dest_postcode": "94105", "weight_g": -1},
        {"order_id": "", "dest_country": "Narnia", "weight_g": "12"},
    ]  # fmt: skip
    text = "\n".join(json.dumps(r) for r in rows) + "\n{not json\n[1, 2]\n"
    orders.write_text(text)
    old, new, decisions = _both(orders, tmp_path, POLICY, json_lines=True)
    assert new == old
    assert decisions.counts["held"] == 4 and decisions.counts["assigned"] == 1
    assert '"order_id": "line 5", "status": "held"' in new


def test_a_ragged_csv_goes_row_by_row(tmp_path):
    orders = tmp_path / "orders.csv"
    write_orders(orders, 20, seed=3)
    with orders.open("a") as handle:
        handle.write("ORD-X,main-us\n")
    assert _columns(orders) is None
