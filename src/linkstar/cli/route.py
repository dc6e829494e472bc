"""`linkstar route`: choose a carrier service for every order of a plain file, no database.

`linkstar route ORDERS --rate-cards PATH [--policy FILE] [--fx FILE] [--ship-date D]
--out DECISIONS` reads the orders (CSV or JSON lines) and the rate cards (a CSV folder, .zip or
.xlsx, or a folder of them) in memory and writes one decision per order.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup

from linkstar.cli.context import console, guarded
from linkstar.kit.clock import utcnow
from linkstar.kit.errors import InvalidInput
from linkstar.rating.core.choose import Chooser, RankedPolicy
from linkstar.rating.core.fx import FxTable
from linkstar.rating.core.policy import PolicyError, parse_policy
from linkstar.rating.order_files import (
    DecisionWriter,
    HeldInput,
    load_cards,
    order_from_row,
    read_fx,
    read_orders,
)


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
        None, "--capacities", help="Not yet supported (capacity-constrained routing)."
    ),
    ship_date: str | None = typer.Option(
        None, "--ship-date", help="Ship date of rows without one (default: today)."
    ),
) -> None:
    """Route every order of ORDERS and write DECISIONS; bad rows are held with reason codes."""
    if capacities is not None:
        raise InvalidInput(
            "--capacities is not yet supported: capacity-constrained routing "
            "comes in a later release; run without it"
        )
    default_ship = _date(ship_date, "--ship-date")
    services = load_cards(rate_cards)
    table = read_fx(fx, base.upper()) if fx is not None else FxTable(base.upper())
    chooser = Chooser(services, table, _policy(policy))
    counts: Counter[str] = Counter()
    fallbacks = 0
    json_lines = out.suffix.lower() in (".jsonl", ".ndjson")
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = DecisionWriter(handle, json_lines)
        for line, row in enumerate(read_orders(orders), start=2):
            item = order_from_row(row, line, default_ship)
            decision = item if isinstance(item, HeldInput) else chooser.choose(item)
            writer.write(decision)
            counts["held" if isinstance(decision, HeldInput) else decision.status] += 1
            fallbacks += 0 if isinstance(decision, HeldInput) else int(decision.fallback)
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "no orders"
    console.print(
        f"{sum(counts.values())} orders: {summary}; {fallbacks} fallback(s); "
        f"{len(services)} services → {out}",
        highlight=False,
        markup=False,
    )
