"""`linkstar route`: choose a carrier service for every order of a plain file, no database.

`linkstar route ORDERS --rate-cards PATH [--policy FILE] [--fx FILE] [--ship-date D]
--out DECISIONS` reads the orders (CSV or JSON lines) and the rate cards (a CSV folder, .zip or
.xlsx, or a folder of them) in memory and writes one decision per order.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterator
from datetime import date
from itertools import chain, islice
from pathlib import Path
from typing import Any

import typer
from rich.table import Table
from sqlalchemy.orm import Session
from typer.core import TyperGroup

from linkstar.cli.context import console, engine, guarded, settings, transaction
from linkstar.kit.clock import utcnow
from linkstar.kit.errors import InvalidInput, NotFound
from linkstar.orders.suspensions import suspend_and_reroute
from linkstar.rating import capacity_routing, fx_rates, routing, routing_setup
from linkstar.rating.cells import format_money
from linkstar.rating.core.choose import Chooser, RankedPolicy
from linkstar.rating.core.fx import FxTable
from linkstar.rating.core.optimise.capacities import CapacityRule
from linkstar.rating.core.policy_format import PolicyError, parse_policy
from linkstar.rating.order_columns import (
    FallBack,
    OrderColumns,
    read_csv_columns,
    read_jsonl_columns,
    validate,
)
from linkstar.rating.order_files import (
    DecisionWriter,
    HeldInput,
    load_cards,
    order_from_row,
    read_fx,
    read_orders,
)
from linkstar.rating.route_files import route_all
from linkstar.workspace import repository as repo
from linkstar.workspace.core import Principal, system_principal


class _FileOrCommand(TyperGroup):
    """`route ORDERS …` runs the file command; `route explain …` and friends are subcommands."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["file", *args]
        return super().resolve_command(ctx, args)


app = typer.Typer(
    cls=_FileOrCommand,
    help="Carrier routing: `linkstar route ORDERS --rate-cards PATH --out DECISIONS` on plain "
    "files, or explain/suspend/resume in a workspace.",
    no_args_is_help=True,
)


def _date(text: str | None, option: str) -> date:
    if not text:
        return utcnow().date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{option}: {text!r} is not a date (YYYY-MM-DD)") from None


def _policy(path: Path | None) -> list[RankedPolicy]:
    if path is None:
        return []
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"{path}: not a JSON file ({exc})") from None
    items = data if isinstance(data, list) else [data]
    out = []
    for i, item in enumerate(items):
        try:
            out.append(RankedPolicy(parse_policy(item), f"{path.name}#{i}", 1, i))
        except PolicyError as exc:
            raise InvalidInput(f"{path}: policy {i}: {exc}") from None
    return out


@app.command("file", hidden=True)
@guarded
def route_file(
    orders: Path = typer.Argument(..., help="Orders: CSV with a header row, or .jsonl."),
    rate_cards: Path = typer.Option(
        ..., "--rate-cards", help="A rate card (CSV folder, .zip, .xlsx) or a folder of them."
    ),
    out: Path = typer.Option(..., "--out", help="DECISIONS file (.csv, or .jsonl)."),
    policy: Path | None = typer.Option(None, "--policy", help="Policy JSON (or a list)."),
    fx: Path | None = typer.Option(
        None, "--fx", help="FX CSV: currency, rate_to_base, effective_date."
    ),
    base: str = typer.Option("USD", "--base", help="Base currency of the FX table."),
    capacities: Path | None = typer.Option(
        None,
        "--capacities",
        help="Capacities CSV (warehouse, service_id|carrier, day, max_parcels): optimise the "
        "whole batch at minimum cost; orders over capacity are deferred.",
    ),
    deferral_penalty: str = typer.Option(
        "5.00", "--deferral-penalty", help="With --capacities: the cost of a day's delay."
    ),
    baseline: str | None = typer.Option(
        None, "--baseline", help="With --capacities: a carrier or service to compare with."
    ),
    ship_date: str | None = typer.Option(
        None, "--ship-date", help="Ship date of rows without one (default: today)."
    ),
) -> None:
    """Route every order of ORDERS and write DECISIONS; bad rows are held with reason codes."""
    rules = capacity_routing.read_capacities(capacities) if capacities is not None else None
    default_ship = _date(ship_date, "--ship-date")
    services = load_cards(rate_cards)
    table = read_fx(fx, base.upper()) if fx is not None else FxTable(base.upper())
    chooser = Chooser(services, table, _policy(policy))
    json_lines = out.suffix.lower() in (".jsonl", ".ndjson")
    if rules is not None:  # one optimised wave: every order is decided, then re-decided together
        rows = read_orders(orders)
        _route_wave(rows, chooser, rules, default_ship, out, json_lines, deferral_penalty, baseline)
        return
    columns = _columns(orders)
    if columns is None:  # not a plain CSV: the row-by-row reader decides
        counts, fallbacks = _route_rows(orders, out, chooser, default_ship, json_lines)
    else:
        decisions = route_all(chooser, columns, default_ship)
        with out.open("w", encoding="utf-8", newline="") as handle:
            decisions.write(handle, json_lines)
        counts, fallbacks = decisions.counts, decisions.fallbacks
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "no orders"
    console.print(
        f"{sum(counts.values())} orders: {summary}; {fallbacks} fallback(s); "
        f"{len(services)} services → {out}",
        highlight=False,
        markup=False,
    )


def _columns(orders: Path) -> OrderColumns | None:
    """ORDERS as validated columns; None when only the row-by-row reader can read the CSV."""
    if not orders.is_file():
        raise InvalidInput(f"{orders}: no such file")
    if orders.suffix.lower() in (".jsonl", ".ndjson"):
        raw, bad = read_jsonl_columns(orders)
        return validate(raw, len(next(iter(raw.values()))) if raw else len(bad), bad)
    header = next(iter(read_orders(orders)), None)  # checks the header's required columns
    del header
    try:
        raw = read_csv_columns(orders)
    except FallBack:
        return None
    return validate(raw, len(next(iter(raw.values()))) if raw else 0)


def _route_rows(
    orders: Path, out: Path, chooser: Chooser, default_ship: date, json_lines: bool
) -> tuple[Counter[str], int]:
    """The row-by-row path: one `order_from_row` and `Chooser.choose` per row."""
    counts: Counter[str] = Counter()
    fallbacks = 0
    rows = read_orders(orders)
    first = list(islice(rows, 1))  # a missing file or header fails here, before DECISIONS
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = DecisionWriter(handle, json_lines)
        for line, row in enumerate(chain(first, rows), start=2):
            item = order_from_row(row, line, default_ship)
            decision = item if isinstance(item, HeldInput) else chooser.choose(item)
            writer.write(decision)
            counts["held" if isinstance(decision, HeldInput) else decision.status] += 1
            fallbacks += 0 if isinstance(decision, HeldInput) else int(decision.fallback)
    return counts, fallbacks


def _route_wave(
    rows: Iterator[dict[str, Any]],
    chooser: Chooser,
    rules: list[CapacityRule],
    default_ship: date,
    out: Path,
    json_lines: bool,
    penalty: str,
    baseline: str | None,
) -> None:
    """--capacities: choose every order, then re-decide the batch as one optimised wave."""
    items = [order_from_row(row, line, default_ship) for line, row in enumerate(rows, start=2)]
    decided = [i if isinstance(i, HeldInput) else chooser.choose(i) for i in items]
    ids = [c.service.service_id for c in chooser.services]
    carriers = [c.service.carrier for c in chooser.services]
    decisions, plan, currency = capacity_routing.optimise_decisions(
        decided, items, rules, delay_penalty=penalty, service_ids=ids, carriers=carriers,
        baseline=baseline,
    )  # fmt: skip
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = DecisionWriter(handle, json_lines)
        for decision in decisions:
            writer.write(decision)
    counts = Counter("held" if isinstance(d, HeldInput) else d.status for d in decisions)
    text = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "no orders"
    _print(f"{len(decisions)} orders: {text} → {out}")
    for line in [] if plan is None else capacity_routing.summary(plan, currency):
        _print(line)


ORG_OPTION = typer.Option(..., "--org", help="Organisation slug (see `linkstar org list`).")


def _actor(session: Session, slug: str) -> Principal:
    org = repo.organisation_by_slug(session, slug)
    if org is None:
        raise NotFound(f"no organisation with slug {slug!r}")
    return system_principal(org.id, "cli")


def _print(text: str) -> None:
    console.print(text, highlight=False, markup=False, soft_wrap=True)


@app.command("explain")
@guarded
def explain(
    order: str = typer.Argument(..., help="The order id (subject) to explain."),
    org: str = ORG_OPTION,
) -> None:
    """Why the newest routing decision about ORDER chose what it chose."""
    eng = engine(settings())
    with transaction(eng) as session:
        row = routing.explain(session, _actor(session, org), order)
        choice = row.chosen_service_id or "nothing"
        price = "" if row.price is None else f" for {format_money(row.price, row.currency or '')}"
        _print(
            f"{row.subject_ref}: {row.status}, {row.chosen_carrier or ''} {choice}{price}; "
            f"policy {row.policy_name or '-'} v{row.policy_version}; "
            f"fallback {'yes' if row.fallback else 'no'}; decided {row.created_at:%Y-%m-%d %H:%M}"
        )
        if row.reasons:
            _print("reasons: " + ", ".join(row.reasons))
        table = Table()
        for column in ("service", "carrier", "price", "p90 d", "on time", "score", "rejected"):
            table.add_column(column, overflow="fold")
        for c in row.candidates:
            price_text = "" if c["total"] is None else format_money(c["total"], c["currency"])
            table.add_row(
                ("* " if c["service_id"] == row.chosen_service_id else "") + c["service_id"],
                c["carrier"],
                price_text,
                "" if c.get("transit_p90_days") is None else f"{c['transit_p90_days']:.1f}",
                "" if c.get("on_time_probability") is None else f"{c['on_time_probability']:.2f}",
                "" if c.get("score") is None else f"{c['score']:.4f}",
                f"{c['rejected_by']}: {', '.join(c['reasons'])}" if c["rejected_by"] else "",
            )
    console.print(table)


@app.command("suspend")
@guarded
def suspend(
    org: str = ORG_OPTION,
    carrier: str = typer.Option(..., "--carrier"),
    service_id: str | None = typer.Option(None, "--service", help="One service (default: all)."),
    dest: list[str] = typer.Option([], "--dest", help="Destination country (repeat); default all."),
    origin: list[str] = typer.Option([], "--origin", help="Warehouse code or origin country."),
    starts: str | None = typer.Option(None, "--from", help="First day (YYYY-MM-DD)."),
    ends: str | None = typer.Option(None, "--until", help="Last day (YYYY-MM-DD)."),
    reason: str = typer.Option("", "--reason"),
) -> None:
    """Take a carrier or service out of routing; lists the orders whose decision chose it."""
    eng = engine(settings())
    with transaction(eng) as session:
        result = suspend_and_reroute(
            session,
            _actor(session, org),
            carrier=carrier,
            service_id=service_id,
            dest_countries=dest,
            origins=origin,
            starts=_date(starts, "--from") if starts else None,
            ends=_date(ends, "--until") if ends else None,
            reason=reason,
        )
        moved = result.rerouted
        _print(
            f"suspension {result.suspension.id}: {len(result.affected)} decision(s) chose it; "
            f"{len(moved.advanced)} unshipped order(s) re-routed, {len(moved.held)} held"
        )
        for ref in result.affected:
            _print(ref)


@app.command("resume")
@guarded
def resume(
    suspension_id: str = typer.Argument(..., help="The suspension's id."),
    org: str = ORG_OPTION,
) -> None:
    """End a suspension."""
    eng = engine(settings())
    with transaction(eng) as session:
        row = routing_setup.resume(session, _actor(session, org), suspension_id)
        _print(f"resumed {row.carrier} {row.service_id or '(every service)'}")


fx_app = typer.Typer(help="The FX table routing converts prices with.", no_args_is_help=True)


@fx_app.command("set")
@guarded
def fx_set(
    path: Path = typer.Argument(..., help="CSV: currency, rate_to_base, effective_date."),
    org: str = ORG_OPTION,
    base: str = typer.Option("USD", "--base", help="The base currency."),
) -> None:
    """Replace the FX table; a file with any bad row changes nothing."""
    if not path.is_file():
        raise InvalidInput(f"{path}: no such file")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    eng = engine(settings())
    with transaction(eng) as session:
        stored = fx_rates.set_fx_table(session, _actor(session, org), base, rows)
    _print(f"{len(stored)} rate(s), base {base.upper()}")


@fx_app.command("list")
@guarded
def fx_list(org: str = ORG_OPTION) -> None:
    """Print the FX table."""
    eng = engine(settings())
    with transaction(eng) as session:
        rows = fx_rates.fx_rows(session, _actor(session, org))
        table = Table()
        for column in ("currency", "rate to base", "base", "from"):
            table.add_column(column)
        for r in rows:
            table.add_row(r.currency, r.rate_to_base, r.base_currency, str(r.effective_date))
    console.print(table if rows else "no FX rates")


# Registered here so that `route simulate …` resolves as a subcommand, not as an ORDERS file.
from linkstar.cli.route_simulate import (  # noqa: E402
    list_simulations,
    show_simulation,
    simulate_file,
)

app.command("simulate")(simulate_file)
simulations_app = typer.Typer(help="Stored routing simulations.", no_args_is_help=True)
simulations_app.command("list")(list_simulations)
simulations_app.command("show")(show_simulation)
app.add_typer(simulations_app, name="simulations")
