"""`linkstar route simulate ORDERS`: two policies over the same order file, compared.

Every order is decided under the baseline policy (default: the built-in cheapest) and under the
candidate policy with the same rate cards, FX and ship date, then `rating.core.simulation`
compares cost, on-time probability and p90-versus-promise per carrier and per lane.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer
from rich.table import Table

from linkstar.cli.context import console, guarded
from linkstar.kit.errors import InvalidInput
from linkstar.rating import cells
from linkstar.rating.core.choose import Chooser, RankedPolicy
from linkstar.rating.core.fx import FxTable
from linkstar.rating.core.simulation import Outcome, Row, Simulation, compare
from linkstar.rating.order_columns import OrderColumns
from linkstar.rating.order_files import load_cards, read_fx
from linkstar.rating.route_files import Decisions, route_all


def outcomes(decisions: Decisions, columns: OrderColumns) -> list[Outcome]:
    """One Outcome per DECISIONS row (promised days from ORDERS)."""
    out = decisions.out
    promised = columns.fields["promised_days"]
    country = columns.fields["dest_country"]
    found: list[Outcome] = []
    for i in range(decisions.n):
        price_text, currency = out["price"][i], out["currency"][i]
        on_time, p90 = out["on_time_probability"][i], out["transit_p90_days"][i]
        found.append(
            Outcome(
                order_id=out["order_id"][i],
                status=out["status"][i],
                carrier=out["carrier"][i],
                service_id=out["service_id"][i],
                dest_country=country.values[country.codes[i]] or "",
                zone=out["zone"][i],
                price=cells.parse_money(price_text, currency) if price_text else None,
                currency=currency,
                on_time=float(on_time) if on_time else None,
                p90_days=float(p90) if p90 else None,
                promised_days=promised.values[promised.codes[i]],
            )
        )
    return found


def _money(amounts: dict[str, int]) -> str:
    return ", ".join(f"{cells.format_money(v, c)} {c}" for c, v in amounts.items()) or "-"


def _table(title: str, rows: list[Row]) -> Table:
    table = Table(title=title)
    headers = ("", "orders", "cost", "orders'", "cost'", "Δ cost", "on time → '", "p90>promise")
    for column in headers:
        table.add_column(column, overflow="fold")
    for r in rows:
        b, c = r.baseline, r.candidate
        table.add_row(
            r.key,
            str(b.orders),
            _money(b.cost),
            str(c.orders),
            _money(c.cost),
            _money(r.cost_delta()),
            f"{_pct(b.on_time)} → {_pct(c.on_time)}",
            f"{b.p90_over_promise} → {c.p90_over_promise}",
        )
    return table


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def print_simulation(sim: Simulation) -> None:
    """The comparison as tables (baseline columns, then the candidate's, primed)."""
    console.print(_table("per carrier", [sim.total, *sim.carriers]))
    console.print(_table("per lane (country, zone)", sim.lanes))
    console.print(f"{sim.changed} order(s) change service", highlight=False, markup=False)


@guarded
def simulate_file(
    orders: Path = typer.Argument(..., help="Orders: CSV with a header row, or .jsonl."),
    rate_cards: Path = typer.Option(..., "--rate-cards", help="Rate card(s), as for route."),
    policy: Path = typer.Option(..., "--policy", help="The candidate policy JSON (or a list)."),
    baseline: Path | None = typer.Option(
        None, "--baseline-policy", help="The policy to compare with (default: cheapest)."
    ),
    fx: Path | None = typer.Option(None, "--fx", help="FX CSV, as for route."),
    base: str = typer.Option("USD", "--base", help="Base currency of the FX table."),
    ship_date: str | None = typer.Option(None, "--ship-date", help="Ship date of rows without."),
    out: Path | None = typer.Option(None, "--out", help="Also write the comparison as JSON."),
) -> None:
    """Decide ORDERS under a baseline and a candidate policy; compare per carrier and lane."""
    from linkstar.cli.route import _columns, _date, _policy

    default_ship: date = _date(ship_date, "--ship-date")
    services = load_cards(rate_cards)
    table = read_fx(fx, base.upper()) if fx is not None else FxTable(base.upper())
    columns = _columns(orders)
    if columns is None:
        raise InvalidInput(f"{orders}: not a plain CSV (ragged rows?); fix it or use JSON lines")
    sides: list[list[Outcome]] = []
    for path in (baseline, policy):
        ranked: list[RankedPolicy] = _policy(path)
        decisions = route_all(Chooser(services, table, ranked), columns, default_ship)
        sides.append(outcomes(decisions, columns))
    sim = compare(sides[0], sides[1])
    print_simulation(sim)
    if out is not None:
        out.write_text(json.dumps(sim.as_json(), indent=2) + "\n", encoding="utf-8")
