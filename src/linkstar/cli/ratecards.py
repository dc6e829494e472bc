"""`linkstar ratecards`: import carriers' rate cards, list the versions, quote a parcel."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from linkstar.cli.context import console, engine, err_console, guarded, settings, transaction
from linkstar.kit.clock import utcnow
from linkstar.kit.errors import InvalidInput, NotFound
from linkstar.rating import service
from linkstar.rating.cells import format_money
from linkstar.rating.core import Ineligible, Parcel
from linkstar.rating.sheets import read_path
from linkstar.workspace import repository as repo
from linkstar.workspace.core import Principal, system_principal

app = typer.Typer(help="Rate cards: import, list, quote.", no_args_is_help=True)

ORG_OPTION = typer.Option(..., "--org", help="Organisation slug (see `linkstar org list`).")
_DIMS = re.compile(r"^(\d+)x(\d+)x(\d+)$")


def _actor(session: Session, slug: str) -> Principal:
    org = repo.organisation_by_slug(session, slug)
    if org is None:
        raise NotFound(f"no organisation with slug {slug!r}")
    return system_principal(org.id, "cli")


@app.command("import")
@guarded
def import_card(
    path: Path = typer.Argument(..., help="A folder of CSV files, a .zip of them or an .xlsx."),
    org: str = ORG_OPTION,
    name: str | None = typer.Option(None, "--name", help="Card name (default: the carrier)."),
    effective_from: str | None = typer.Option(
        None, "--effective-from", help="First day of this version (YYYY-MM-DD)."
    ),
) -> None:
    """Validate a rate card and store it as a new version; every error is listed, none stored."""
    if not path.exists():
        raise InvalidInput(f"{path} does not exist")
    start = _date(effective_from, "--effective-from") if effective_from else None
    book = read_path(path)
    eng = engine(settings())
    with transaction(eng) as session:
        actor = _actor(session, org)
        result = service.parse_upload(session, actor, book)
        if result.card is None:
            for issue in result.issues:
                err_console.print(str(issue), highlight=False, markup=False, soft_wrap=True)
            err_console.print(
                f"rejected: {len(result.issues)} error(s), nothing was imported",
                highlight=False,
                markup=False,
            )
            raise typer.Exit(1)
        row = service.import_rate_card(session, actor, result.card, name=name, effective_from=start)
        counts = ", ".join(f"{n} {t}" for t, n in sorted(row.row_counts.items()) if n)
        console.print(
            f"imported {row.carrier}/{row.name} version {row.version} "
            f"effective from {row.effective_from}: {counts}",
            highlight=False,
            markup=False,
        )


@app.command("list")
@guarded
def list_cards(org: str = ORG_OPTION) -> None:
    """List every rate card version of an organisation."""
    eng = engine(settings())
    with transaction(eng) as session:
        actor = _actor(session, org)
        rows = service.list_versions(session, actor)
        table = Table()
        for column in ("carrier", "name", "version", "from", "to", "status", "services", "source"):
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(
                row.carrier,
                row.name,
                str(row.version),
                str(row.effective_from),
                str(row.effective_to or ""),
                row.status,
                str(len(row.service_ids)),
                row.source_filename,
            )
    console.print(table if rows else "no rate cards")


def _date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{option}: {text!r} is not a date (YYYY-MM-DD)") from None


@app.command("quote")
@guarded
def quote_parcel(
    org: str = ORG_OPTION,
    origin: str = typer.Option(..., "--from", help="Warehouse code the parcel leaves from."),
    to_country: str = typer.Option(..., "--to-country"),
    to_postcode: str = typer.Option(..., "--to-postcode"),
    weight_g: int = typer.Option(..., "--weight-g"),
    dims: str = typer.Option(..., "--dims", help="LxWxH in millimetres, e.g. 300x200x100."),
    residential: bool = typer.Option(False, "--residential"),
    ship_date: str | None = typer.Option(None, "--date", help="Ship date (default: today)."),
) -> None:
    """Price one parcel with every service in force: totals, then the services that refuse it."""
    match = _DIMS.match(dims.strip().lower())
    if match is None:
        raise InvalidInput(f"--dims: {dims!r} is not LxWxH in millimetres")
    day = _date(ship_date, "--date") if ship_date else utcnow().date()
    eng = engine(settings())
    with transaction(eng) as session:
        actor = _actor(session, org)
        warehouse = repo.WarehouseRepository(session, actor.organisation_id).find(
            code=origin.strip().upper()
        )
        if warehouse is None:
            raise NotFound(f"no warehouse {origin!r}")
        length, width, height = (int(g) for g in match.groups())
        try:
            parcel = Parcel(
                weight_g=weight_g,
                length_mm=length,
                width_mm=width,
                height_mm=height,
                origin_country=warehouse.country,
                origin_postcode=warehouse.postcode,
                dest_country=to_country,
                dest_postcode=to_postcode,
                ship_date=day,
                residential=residential,
            )
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None
        results = service.quote(session, actor, parcel)
    priced = [r for r in results if not isinstance(r.result, Ineligible)]
    refused = [r for r in results if isinstance(r.result, Ineligible)]
    priced.sort(key=lambda r: (r.result.currency, r.result.total))  # type: ignore[union-attr]
    eligible = Table("service", "carrier", "zone", "billable g", "lines", "total", title="Eligible")
    for found in priced:
        q = found.result
        assert not isinstance(q, Ineligible)
        lines = ", ".join(
            f"{line.code} {format_money(line.amount, q.currency)}" for line in q.lines
        )
        eligible.add_row(
            f"{q.service_id} ({found.service_name})",
            q.carrier,
            q.zone,
            str(q.billable_weight_g),
            lines,
            f"{format_money(q.total, q.currency)} {q.currency}",
        )
    console.print(eligible if priced else "no eligible service")
    if refused:
        table = Table("service", "carrier", "reasons", title="Not eligible")
        for found in refused:
            r = found.result
            assert isinstance(r, Ineligible)
            reasons = "; ".join(
                f"{reason.value}: {detail}"
                for reason, detail in zip(r.reasons, r.details, strict=True)
            )
            table.add_row(r.service_id, r.carrier, reasons)
        console.print(table)
