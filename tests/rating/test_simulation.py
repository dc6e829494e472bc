"""Simulation compares two sides exactly, and `linkstar route simulate` sums what route writes."""

import csv
import json
import sys
from dataclasses import replace
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from linkstar.cli.main import app
from linkstar.rating import cells
from linkstar.rating.core.simulation import HELD_KEY, Comparison, Outcome, compare

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
from route_cli import write_orders  # noqa: E402

CARD = ROOT / "examples" / "rate-cards"
POLICY = ROOT / "examples" / "routing" / "policy.json"


def test_compare_sums_each_side_per_carrier_and_lane():
    base = [
        Outcome("a", "assigned", "swift", "S1", "US", "2", 1000, "USD", 0.9, 3.0, 2),
        Outcome("b", "assigned", "swift", "S1", "US", "5", 1500, "USD", 0.8, 4.0, None),
        Outcome("c", "held"),
    ]
    cand = [
        Outcome("a", "assigned", "bluebird", "B1", "US", "2", 1200, "USD", 0.95, 2.0, 2),
        Outcome("b", "assigned", "swift", "S1", "US", "5", 1500, "USD", 0.8, 4.0, None),
        Outcome("c", "assigned", "bluebird", "B1", "US", "2", 700, "USD", 0.5, None, 3),
    ]
    sim = compare(base, cand)
    assert sim.changed == 2
    assert sim.total.baseline.cost == {"USD": 2500} and sim.total.candidate.cost == {"USD": 3400}
    assert sim.total.cost_delta() == {"USD": 900}
    assert sim.total.baseline.p90_over_promise == 1 and sim.total.candidate.p90_over_promise == 1
    assert [r.key for r in sim.carriers] == ["bluebird", "swift", HELD_KEY]
    swift = sim.carriers[1]
    assert (swift.baseline.orders, swift.candidate.orders) == (2, 1)
    assert swift.cost_delta() == {"USD": -1000}
    assert [r.key for r in sim.lanes] == ["US zone 2", "US zone 5", HELD_KEY]
    assert sim.lanes[0].candidate.on_time == (0.95 + 0.5) / 2
    assert sim.as_json()["changed_service"] == 2


def _route_cost(orders: Path, out: Path, *policy: str) -> tuple[int, int]:
    command = ["route", str(orders), "--rate-cards", str(CARD), "--out", str(out)]
    result = CliRunner().invoke(app, [*command, "--ship-date", "2026-12-07", *policy])
    assert result.exit_code == 0, result.output
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    cost = sum(cells.parse_money(r["price"], r["currency"]) for r in rows if r["price"])
    return cost, sum(r["status"] == "held" for r in rows)


def test_simulate_file_sums_what_route_writes(tmp_path):
    orders = tmp_path / "orders.csv"
    write_orders(orders, 400, seed=11)
    report = tmp_path / "sim.json"
    result = CliRunner().invoke(
        app,
        ["route", "simulate", str(orders), "--rate-cards", str(CARD), "--policy", str(POLICY),
         "--ship-date", "2026-12-07", "--out", str(report)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "per carrier" in result.output
    data = json.loads(report.read_text())
    base_cost, base_held = _route_cost(orders, tmp_path / "a.csv")
    cand_cost, cand_held = _route_cost(orders, tmp_path / "b.csv", "--policy", str(POLICY))
    total = data["total"]
    assert total["baseline"]["orders"] == total["candidate"]["orders"] == 400
    assert total["baseline"]["cost"] == {"USD": base_cost}
    assert total["candidate"]["cost"] == {"USD": cand_cost}
    assert (total["baseline"]["held"], total["candidate"]["held"]) == (base_held, cand_held)
    assert total["cost_delta"] == {"USD": cand_cost - base_cost}


def test_simulate_refuses_a_missing_policy_file(tmp_path):
    orders = tmp_path / "orders.csv"
    write_orders(orders, 5)
    result = CliRunner().invoke(
        app,
        ["route", "simulate", str(orders), "--rate-cards", str(CARD),
         "--policy", str(tmp_path / "nope.json")],
    )  # fmt: skip
    assert result.exit_code != 0
    assert "not a JSON file" in result.output


_outcomes = st.builds(
    Outcome,
    order_id=st.sampled_from(["a", "b", "c", "d"]),
    status=st.sampled_from(["assigned", "held"]),
    carrier=st.sampled_from(["swift", "bluebird"]),
    service_id=st.sampled_from(["S1", "B1"]),
    dest_country=st.sampled_from(["US", "CA"]),
    zone=st.sampled_from(["2", "5"]),
    price=st.one_of(st.none(), st.integers(0, 10**6)),
    currency=st.sampled_from(["USD", "EUR"]),
    on_time=st.one_of(st.none(), st.floats(0, 1)),
    p90_days=st.one_of(st.none(), st.floats(0, 20)),
    promised_days=st.one_of(st.none(), st.integers(1, 9)),
)


@given(st.lists(st.tuples(_outcomes, _outcomes), max_size=12), st.integers(1, 5))
def test_stored_batches_add_up_to_the_whole(pairs, size):
    """Summing batches, storing the sums as JSON in between, gives exactly `compare`'s result."""
    pairs = [(b, replace(c, order_id=b.order_id)) for b, c in pairs]
    pairs = list({b.order_id: (b, c) for b, c in pairs}.values())  # one pair per order
    state = None
    for start in range(0, len(pairs), size):
        part = pairs[start : start + size]
        running = Comparison.from_state(json.loads(json.dumps(state)) if state else None)
        running.add([b for b, _ in part], [c for _, c in part])
        state = running.state()
    whole = compare([b for b, _ in pairs], [c for _, c in pairs]).as_json()
    assert Comparison.from_state(state).result().as_json() == whole
