"""`linkstar route ORDERS --rate-cards PATH --out DECISIONS` on plain files, no database."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from linkstar.cli.main import app
from linkstar.rating.order_files import DECISION_COLUMNS, ORDER_COLUMNS, order_from_row
from tests.rating.importing import EXAMPLE

ROOT = Path(__file__).parents[2]
ORDERS = ROOT / "examples" / "routing" / "orders.csv"
runner = CliRunner()


def run(tmp_path: Path, *extra: str, orders: Path = ORDERS, out: str = "decisions.csv"):
    target = tmp_path / out
    result = runner.invoke(
        app,
        ["route", str(orders), "--rate-cards", str(EXAMPLE), "--out", str(target), *extra],
    )
    return result, target


def test_every_order_gets_a_decision_and_bad_rows_are_held_with_reasons(tmp_path):
    result, out = run(tmp_path, "--ship-date", "2026-12-07")
    assert result.exit_code == 0, result.output
    assert "6 orders: 1 assigned, 5 held" in result.output
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == list(DECISION_COLUMNS)
    by_id = {r["order_id"]: r for r in rows}
    assert len(by_id) == 6
    first = by_id["AMZ-1001"]
    assert (first["status"], first["carrier"], first["service_id"]) == (
        "assigned",
        "westcoast",
        "WCP-GND",
    )
    assert first["zone"] == "2" and first["billable_weight_g"] == "1362"
    breakdown = json.loads(first["price_breakdown"])
    assert breakdown == {"base": "7.95", "residential": "4.10", "peak": "1.25", "fuel": "1.90"}
    assert first["price"] == "15.20" and first["currency"] == "USD"
    assert json.loads(by_id["SHP-2002"]["reasons"]) == ["invalid_dest_postcode"]
    assert json.loads(by_id["EBY-3001"]["reasons"]) == ["unknown_dest_country", "invalid_weight_g"]
    assert json.loads(by_id["EBY-3002"]["reasons"]) == ["absurd_size"]
    assert json.loads(by_id["SHP-2001"]["reasons"]) == [
        "no_eligible_service",
        "restricted_contents",
    ]


def test_json_lines_in_and_out(tmp_path):
    source = tmp_path / "orders.jsonl"
    with ORDERS.open() as handle:
        lines = [json.dumps(row) for row in csv.DictReader(handle)]
    source.write_text("\n".join([*lines[:2], "{not json", ""]) + "\n")
    result, out = run(tmp_path, orders=source, out="decisions.jsonl")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["order_id"] for r in rows] == ["AMZ-1001", "AMZ-1002", "line 3"]
    assert rows[0]["fallback"] is False and rows[0]["price_breakdown"]["base"] == "7.95"
    assert rows[2]["status"] == "held" and rows[2]["reasons"] == ["malformed_row"]


def test_a_policy_that_refuses_everything_holds_with_the_filter(tmp_path):
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"name": "strict", "filters": [{"id": "x", "max_price": 100}]}))
    result, out = run(tmp_path, "--policy", str(policy))
    assert result.exit_code == 0, result.output
    rows = {r["order_id"]: r for r in csv.DictReader(out.open())}
    assert json.loads(rows["AMZ-1001"]["reasons"]) == ["no_eligible_service", "over_max_price"]


def test_bad_policy_capacities_and_cards_are_refused_before_writing(tmp_path):
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"name": "x", "filters": [{"id": "f", "min_success_rate": 3}]}))
    result, out = run(tmp_path, "--policy", str(policy))
    assert result.exit_code == 1 and "$.filters[0].min_success_rate" in result.output
    assert not out.exists()
    result, out = run(tmp_path, "--capacities", str(policy))
    assert result.exit_code == 1 and "header: needs max_parcels" in result.output
    assert not out.exists()
    result = runner.invoke(
        app, ["route", str(ORDERS), "--rate-cards", str(tmp_path), "--out", str(out)]
    )
    assert result.exit_code == 1 and "no rate card" in result.output
    headless = tmp_path / "headless.csv"
    headless.write_text("id,weight\n1,2\n")
    result, out = run(tmp_path, orders=headless)
    assert result.exit_code == 1 and "the header lacks order_id, dest_country, weight_g" in (
        result.output
    )
    assert not out.exists()


text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)


@settings(max_examples=300, suppress_health_check=list(HealthCheck))
@given(st.fixed_dictionaries({}, optional={c: text | st.integers() for c in ORDER_COLUMNS}))
def test_fuzzed_rows_never_crash_and_are_never_skipped(row):
    from datetime import date

    outcome = order_from_row(row, 7, date(2026, 12, 7))
    ref = getattr(outcome, "ref")
    assert ref
    reasons = getattr(outcome, "reasons", None)
    if reasons is not None:
        assert reasons and all(isinstance(r, str) and r for r in reasons)


values = {
    "dest_country": st.sampled_from(["US", "us", "CA", "XX", "", "UK"]),
    "dest_postcode": st.sampled_from(["90210", "10001", "9021", "ABCDE", "", "99501-1234"]),
    "weight_g": st.sampled_from(["1200", "-5", "0", "abc", "", "999999", "10000001", 3400]),
    "length_mm": st.sampled_from(["300", "9000", "-1", "", "100001"]),
    "declared_value": st.sampled_from(["45.00", "4.555", "-3", "", "1e9"]),
    "currency": st.sampled_from(["USD", "EUR", "usd", "", "ZZZ"]),
    "promised_days": st.sampled_from(["", "0", "3", "366", "2.5"]),
    "ship_date": st.sampled_from(["2026-12-07", "2026-13-01", "", "yesterday"]),
    "residential": st.sampled_from(["yes", "no", "maybe", ""]),
    "contents": st.sampled_from(["", "battery", "liquid powder"]),
}


@settings(max_examples=200, suppress_health_check=list(HealthCheck))
@given(st.fixed_dictionaries({}, optional=values))
def test_mutated_orders_are_decided_never_crash(changes):
    """Good rows with fields swapped for bad ones: each ends assigned or held with reasons."""
    from datetime import date

    from linkstar.rating.core.choose import Chooser
    from linkstar.rating.core.fx import FxTable
    from linkstar.rating.order_files import HeldInput, load_cards

    chooser = _CHOOSER.get("c") or _CHOOSER.setdefault(
        "c", Chooser(load_cards(EXAMPLE), FxTable("USD"))
    )
    with ORDERS.open() as handle:
        row = {**next(csv.DictReader(handle)), **changes}
    item = order_from_row(row, 2, date(2026, 12, 7))
    if isinstance(item, HeldInput):
        assert item.reasons and item.ref == "AMZ-1001"
        return
    decision = chooser.choose(item)
    assert decision.status in ("assigned", "held")
    if decision.status == "held":
        assert decision.reasons[0] == "no_eligible_service" and len(decision.reasons) > 1
    else:
        assert decision.choice is not None and decision.choice.total is not None


_CHOOSER: dict[str, object] = {}
