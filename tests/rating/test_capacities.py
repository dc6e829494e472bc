"""Capacity rules and `linkstar route --capacities`: the optimised wave on plain files."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from linkstar.cli.main import app
from linkstar.rating.core.optimise.capacities import (
    CAPACITY_COLUMNS,
    CapacityRule,
    expand,
    parse_rules,
)
from tests.rating.importing import EXAMPLE

ROOT = Path(__file__).parents[2]
WAVE = ROOT / "examples" / "routing" / "wave-orders.csv"
CAPACITIES = ROOT / "examples" / "routing" / "capacities.csv"
MON = date(2026, 12, 7)
runner = CliRunner()


def run(tmp_path: Path, capacities: Path, *extra: str):
    out = tmp_path / "decisions.csv"
    result = runner.invoke(
        app,
        ["route", str(WAVE), "--rate-cards", str(EXAMPLE), "--capacities", str(capacities),
         "--out", str(out), *extra],
    )  # fmt: skip
    return result, out


def test_the_example_wave_is_optimised_under_its_capacities(tmp_path):
    result, out = run(tmp_path, CAPACITIES, "--deferral-penalty", "15.00", "--baseline", "WCP-2DAY")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"8 orders: 7 assigned, 1 deferred → {out}"
    assert lines[1] == (
        "optimised 8 parcels with min_cost_flow (7 groups): 7 assigned, 1 deferred; total "
        "191.05 USD (shipping 141.49 USD, deferral 49.56 USD)"
    )
    assert lines[2:] == [
        "saving vs cheapest-then-repair: 16.52 USD",
        "saving vs WCP-2DAY for all: 73.99 USD",
        "cost by carrier: westcoast 141.49 USD (7)",
    ]
    rows = {r["order_id"]: r for r in csv.DictReader(out.open())}
    chosen = {k: (r["status"], r["service_id"]) for k, r in rows.items()}
    assert chosen == {
        "W-1001": ("assigned", "WCP-2DAY"),
        "W-1002": ("assigned", "WCP-GND"),
        "W-1003": ("assigned", "WCP-2DAY"),
        "W-1004": ("assigned", "WCP-GND"),
        "W-1005": ("assigned", "WCP-2DAY"),
        "W-1006": ("deferred", ""),
        "W-1007": ("assigned", "WCP-GND"),
        "W-1008": ("assigned", "WCP-2DAY"),
    }
    # The dated rule (3) beats the every-day rule (4) for ground; the carrier takes 7 on Mondays.
    assert sum(s == ("assigned", "WCP-GND") for s in chosen.values()) == 3
    assert json.loads(rows["W-1006"]["reasons"]) == ["deferred_over_capacity"]
    assert rows["W-1002"]["price"] == "20.28"
    assert (ROOT / "examples" / "routing" / "wave-decisions.csv").read_text() == out.read_text()


def test_priority_orders_that_cannot_fit_are_reported_with_what_binds(tmp_path):
    caps = tmp_path / "caps.csv"
    caps.write_text("warehouse,carrier,day,max_parcels\nLAX,westcoast,2026-12-07,1\n")
    result, out = run(tmp_path, caps)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == (
        "INFEASIBLE: 1 of 2 priority parcels cannot fit; binding: carrier westcoast at LAX on "
        "2026-12-07: 1"
    )
    rows = list(csv.DictReader(out.open()))
    reasons = sorted(json.loads(r["reasons"])[0] for r in rows if r["status"] == "deferred")
    assert reasons == ["deferred_over_capacity"] * 6 + ["priority_over_capacity"]
    assert sum(r["status"] == "assigned" for r in rows) == 1


def test_bad_capacities_are_refused_before_anything_is_written(tmp_path):
    caps = tmp_path / "caps.csv"
    caps.write_text(
        "warehouse,service_id,carrier,day,max_parcels\n"
        "LAX,WCP-GND,westcoast,,1\n"  # both
        ",WCP-GND,,,1\n"  # a service without a warehouse
        "LAX,WCP-GND,,someday,x\n"
    )
    result, out = run(tmp_path, caps)
    assert result.exit_code == 1
    for part in ("line 2, service_id: give exactly one of service_id or carrier",
                 "line 3, warehouse: a service capacity needs a warehouse",
                 "line 4, day: not a date", "line 4, max_parcels: a whole number"):  # fmt: skip
        assert part in result.output
    assert not out.exists()
    caps.write_text("warehouse,service_id,day,max_parcels\nLAX,NOPE,,1\n")
    result, out = run(tmp_path, caps)
    assert result.exit_code == 1 and "capacities name what no rate card has: service NOPE" in (
        result.output
    )
    assert not out.exists()
    result, out = run(tmp_path, CAPACITIES, "--deferral-penalty", "-3")
    assert result.exit_code == 1 and "--deferral-penalty" in result.output
    assert not out.exists()
    result, out = run(tmp_path, CAPACITIES, "--baseline", "nobody")
    assert result.exit_code == 1 and "--baseline 'nobody'" in result.output
    assert not out.exists()


def test_the_most_specific_rule_wins_per_day():
    rules, errors = parse_rules([
        {"warehouse": "LAX", "service_id": "A", "day": "", "max_parcels": "10"},
        {"warehouse": "LAX", "service_id": "A", "day": "Monday", "max_parcels": "5"},
        {"warehouse": "LAX", "service_id": "A", "day": "2026-12-07", "max_parcels": "2"},
        {"warehouse": "", "carrier": "a", "day": "tue", "max_parcels": "9"},
        {"warehouse": "", "carrier": "a", "day": "TUESDAY", "max_parcels": "9"},
    ])  # fmt: skip
    assert errors and str(errors[0]) == "line 6, day: the same capacity as line 5"
    assert rules[3] == CapacityRule("carrier", "a", None, 1, 9)
    sites = [("LAX", MON), ("LAX", date(2026, 12, 14)), ("LAX", date(2026, 12, 8)), ("EWR", MON)]
    service_caps, carrier_caps = expand(rules, sites)
    assert service_caps == {
        ("A", "LAX", MON): 2,
        ("A", "LAX", date(2026, 12, 14)): 5,
        ("A", "LAX", date(2026, 12, 8)): 10,
    }
    assert carrier_caps == {("a", None, date(2026, 12, 8)): 9}


cell = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)


@settings(max_examples=200, suppress_health_check=list(HealthCheck))
@given(st.lists(st.fixed_dictionaries({}, optional={c: cell for c in CAPACITY_COLUMNS})))
def test_fuzzed_rows_are_rules_or_errors_never_crashes(rows):
    rules, errors = parse_rules(rows)
    bad_lines = {e.line for e in errors}
    assert len(rules) + len(bad_lines) == len(rows)
    for rule in rules:
        assert rule.kind in ("service", "carrier") and rule.max_parcels >= 0
