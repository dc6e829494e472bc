"""`linkstar route simulate`: a policy compared per carrier and lane before it goes live.

Workspace mode (`--org`): the newest stored decision of every past order (since a date) against
the policy replayed on the same inputs (optionally with other rate cards), stored as a
simulation like the API's; `route simulations list|show` read the stored ones. File mode (ORDERS):
every order decided under a baseline policy (default: the built-in cheapest) and the candidate,
with the same rate cards, FX and ship date. `rating.core.simulation` compares cost, on-time
probability and p90-versus-promise.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from linkstar.cli.context import console, engine, guarded, settings, transaction
from linkstar.kit.errors import InvalidInput
from linkstar.rating import cells, simulation_runs
from linkstar.rating.core.choose import Chooser, RankedPolicy
from linkstar.rating.core.fx import FxTable
from linkstar.rating.core.simulation import Outcome, compare
from linkstar.rating.order_columns import OrderColumns
from linkstar.rating.order_files import load_cards, read_fx
from linkstar.rating.route_files import Decisions, route_all
from linkstar.rating.simulation import MAX_ORDERS


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


def _table(title: str, rows: list[dict[str, Any]]) -> Table:
    table = Table(title=title)
    headers = ("", "orders", "cost", "orders'", "cost'", "Δ cost", "on time → '", "p90>promise")
    for column in headers:
        table.add_column(column, overflow="fold")
    for r in rows:
        b, c = r["baseline"], r["candidate"]
        table.add_row(
            r["key"],
            str(b["orders"]),
            _money(b["cost"]),
            str(c["orders"]),
            _money(c["cost"]),
            _money(r["cost_delta"]),
            f"{_pct(b['on_time_probability'])} → {_pct(c['on_time_probability'])}",
            f"{b['p90_over_promise']} → {c['p90_over_promise']}",
        )
    return table


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def print_simulation(result: dict[str, Any]) -> None:
    """A comparison (`Simulation.as_json()`) as tables: baseline columns, then the candidate's."""
    console.print(_table("per carrier", [result["total"], *result["carriers"]]))
    console.print(_table("per lane (country, zone)", result["lanes"]))
    changed = result["changed_service"]
    console.print(f"{changed} order(s) change service", highlight=False, markup=False)


@guarded
def simulate_file(
    orders: Path | None = typer.Argument(
        None, help="Orders (CSV or .jsonl): compare two policies on a file, no database."
    ),
    policy: Path = typer.Option(..., "--policy", help="The candidate policy JSON."),
    rate_cards: Path | None = typer.Option(
        None, "--rate-cards", help="Rate card(s); file mode: required; workspace: instead of its."
    ),
    org: str | None = typer.Option(None, "--org", help="Workspace mode: replay its past orders."),
    since: str | None = typer.Option(None, "--since", help="Workspace: orders decided from D."),
    baseline: Path | None = typer.Option(
        None, "--baseline-policy", help="File mode: the policy to compare with (default cheapest)."
    ),
    fx: Path | None = typer.Option(None, "--fx", help="File mode: FX CSV, as for route."),
    base: str = typer.Option("USD", "--base", help="Base currency of the FX table."),
    ship_date: str | None = typer.Option(None, "--ship-date", help="Ship date of rows without."),
    out: Path | None = typer.Option(None, "--out", help="Also write the comparison as JSON."),
) -> None:
    """Compare a policy with what was decided (--org) or with another policy (ORDERS file)."""
    from linkstar.cli.route import _columns, _date, _policy

    if orders is None:
        if org is None:
            raise InvalidInput("give ORDERS (file mode) or --org (replay the workspace's orders)")
        result = _workspace(org, policy, rate_cards, _date(since, "--since") if since else None)
    else:
        if rate_cards is None:
            raise InvalidInput("--rate-cards is required with an ORDERS file")
        default_ship: date = _date(ship_date, "--ship-date")
        services = load_cards(rate_cards)
        table = read_fx(fx, base.upper()) if fx is not None else FxTable(base.upper())
        columns = _columns(orders)
        if columns is None:
            raise InvalidInput(
                f"{orders}: not a plain CSV (ragged rows?); fix it or use JSON lines"
            )
        sides: list[list[Outcome]] = []
        for path in (baseline, policy):
            ranked: list[RankedPolicy] = _policy(path)
            decisions = route_all(Chooser(services, table, ranked), columns, default_ship)
            sides.append(outcomes(decisions, columns))
        result = compare(sides[0], sides[1]).as_json()
    print_simulation(result)
    if out is not None:
        out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


def _workspace(
    org: str, policy: Path, rate_cards: Path | None, since: date | None
) -> dict[str, Any]:
    """Run and store the simulation in the workspace (in this process, whatever its size)."""
    from linkstar.cli.route import _actor

    try:
        body = json.loads(policy.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"{policy}: not a JSON file ({exc})") from None
    if not isinstance(body, dict):
        raise InvalidInput(f"{policy}: one policy object is replayed in a workspace")
    services = load_cards(rate_cards) if rate_cards is not None else None
    with transaction(engine(settings())) as session:
        sim = simulation_runs.start(
            session,
            _actor(session, org),
            body=body,
            since=since,
            inline_limit=MAX_ORDERS,
            services=services,
            cards_label=rate_cards.name if rate_cards is not None else "",
        )
        console.print(f"stored simulation {sim.id}", highlight=False, markup=False)
        assert sim.result is not None
        return dict(sim.result)


@guarded
def list_simulations(
    org: str = typer.Option(..., "--org", help="The organisation's slug."),
    limit: int = typer.Option(20, "--limit", min=1, max=200, help="How many, newest first."),
) -> None:
    """The workspace's stored simulations, newest first, with status and progress."""
    from linkstar.cli.route import _actor

    table = Table()
    for column in ("id", "created", "policy", "status", "orders", "Δ cost"):
        table.add_column(column, overflow="fold")
    with transaction(engine(settings())) as session:
        page = simulation_runs.simulations_page(session, _actor(session, org), limit, None)
        for sim in page.items:
            delta = _money(sim.result["total"]["cost_delta"]) if sim.result else ""
            table.add_row(
                sim.id,
                f"{sim.created_at:%Y-%m-%d %H:%M}",
                sim.policy_label,
                sim.status,
                f"{sim.orders_done}/{sim.orders_total}",
                delta,
            )
    console.print(table)


@guarded
def show_simulation(
    simulation_id: str = typer.Argument(..., help="The simulation's id."),
    org: str = typer.Option(..., "--org", help="The organisation's slug."),
) -> None:
    """One stored simulation: status, progress and the comparison once done."""
    from linkstar.cli.route import _actor

    with transaction(engine(settings())) as session:
        sim = simulation_runs.get_simulation(session, _actor(session, org), simulation_id)
        console.print(
            f"{sim.id}: {sim.policy_label}, {sim.status}, "
            f"{sim.orders_done}/{sim.orders_total} orders",
            highlight=False,
            markup=False,
        )
        if sim.error:
            console.print(f"error: {sim.error}", highlight=False, markup=False)
        if sim.result:
            print_simulation(dict(sim.result))
