"""`linkstar inventory transfer …` (stock moved between warehouses) and `linkstar orders
return` (a return received into stock)."""

from __future__ import annotations

from datetime import datetime

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from linkstar.cli.context import console, engine, guarded, settings, transaction
from linkstar.inventory import transfers
from linkstar.inventory.core import Disposition
from linkstar.inventory.schemas import (
    ReturnCreate,
    ReturnLineIn,
    TransferCreate,
    TransferLineIn,
    TransferRead,
)
from linkstar.kit.errors import InvalidInput, NotFound
from linkstar.orders import returns, service
from linkstar.workspace import repository as repo
from linkstar.workspace.core import Principal, system_principal

transfer_app = typer.Typer(
    help="Transfers between warehouses: create, dispatch, receive, cancel, list, show.",
    no_args_is_help=True,
)
ORG_OPTION = typer.Option(..., "--org", help="Organisation slug (see `linkstar org list`).")
LINES_HELP = "SKU=QUANTITY, repeatable (e.g. --line MUG-01=12)."


def _actor(session: Session, slug: str) -> Principal:
    org = repo.organisation_by_slug(session, slug)
    if org is None:
        raise NotFound(f"no organisation with slug {slug!r}")
    return system_principal(org.id, "cli")


def _say(text: str) -> None:
    console.print(text, highlight=False, markup=False, soft_wrap=True)


def _pairs(values: list[str]) -> list[tuple[str, int, str]]:
    """SKU=QUANTITY[:EXTRA] options as (sku, quantity, extra)."""
    found = []
    for value in values:
        sku, sep, rest = value.partition("=")
        qty_text, _sep, extra = rest.partition(":")
        qty = qty_text.strip()
        if not sep or not sku.strip() or not (qty.isascii() and qty.isdigit() and len(qty) <= 9):
            raise InvalidInput(f"--line {value!r}: expected SKU=QUANTITY")
        found.append((sku.strip(), int(qty), extra.strip()))
    return found


def _show(view: TransferRead) -> None:
    eta = f", ETA {view.eta:%Y-%m-%d}" if view.eta else ""
    _say(
        f"transfer {view.reference}: {view.from_warehouse} -> {view.to_warehouse}, "
        f"{view.status.value}{eta}"
    )
    for line in view.lines:
        _say(
            f"  {line.sku}: {line.quantity} unit(s), {line.received_quantity} received, "
            f"{line.outstanding} outstanding"
        )


@transfer_app.command("create")
@guarded
def create(
    reference: str = typer.Argument(..., help="Transfer number (unique)."),
    origin: str = typer.Option(..., "--from", help="Origin warehouse code."),
    destination: str = typer.Option(..., "--to", help="Destination warehouse code."),
    line: list[str] = typer.Option(..., "--line", help=LINES_HELP),
    carrier: str = typer.Option("", "--carrier"),
    tracking: str = typer.Option("", "--tracking", help="Carrier tracking reference."),
    eta: datetime | None = typer.Option(None, "--eta", help="Expected arrival (ISO date)."),
    org: str = ORG_OPTION,
) -> None:
    """Plan a transfer (a draft: nothing moves until it is dispatched)."""
    data = TransferCreate(
        reference=reference,
        from_warehouse=origin,
        to_warehouse=destination,
        lines=[TransferLineIn(sku=s, quantity=q) for s, q, _ in _pairs(line)],
        carrier=carrier,
        tracking_ref=tracking,
        eta=eta,
    )
    with transaction(engine(settings())) as session:
        actor = _actor(session, org)
        _show(transfers.read(session, actor, transfers.create(session, actor, data)))


@transfer_app.command("dispatch")
@guarded
def dispatch(reference: str = typer.Argument(...), org: str = ORG_OPTION) -> None:
    """The units leave the origin (refused when they are reserved for orders)."""
    with transaction(engine(settings())) as session:
        actor = _actor(session, org)
        row = transfers.find_by_reference(session, actor, reference)
        _show(transfers.read(session, actor, transfers.dispatch(session, actor, row.id)))


@transfer_app.command("receive")
@guarded
def receive(
    reference: str = typer.Argument(...),
    line: list[str] = typer.Option([], "--line", help=f"{LINES_HELP} Omit to receive all."),
    org: str = ORG_OPTION,
) -> None:
    """Book arrived units at the destination (all outstanding, or the given lines)."""
    requested = {s: q for s, q, _ in _pairs(line)}
    with transaction(engine(settings())) as session:
        actor = _actor(session, org)
        row = transfers.find_by_reference(session, actor, reference)
        done = transfers.receive(session, actor, row.id, requested or None)
        _show(transfers.read(session, actor, done))


@transfer_app.command("cancel")
@guarded
def cancel(
    reference: str = typer.Argument(...),
    note: str = typer.Option("", "--note"),
    org: str = ORG_OPTION,
) -> None:
    """Cancel a transfer; units still on the way are booked back at the origin."""
    with transaction(engine(settings())) as session:
        actor = _actor(session, org)
        row = transfers.find_by_reference(session, actor, reference)
        _show(transfers.read(session, actor, transfers.cancel(session, actor, row.id, note)))


@transfer_app.command("list")
@guarded
def list_transfers(
    status: str | None = typer.Option(None, "--status", help="draft, in_transit, …"),
    org: str = ORG_OPTION,
) -> None:
    """The newest 100 transfers."""
    with transaction(engine(settings())) as session:
        actor = _actor(session, org)
        rows = transfers.page(session, actor, 100, None, status).items
        views = [transfers.read(session, actor, row) for row in rows]
    table = Table("reference", "from", "to", "status", "units", "received", "eta")
    for v in views:
        table.add_row(
            v.reference,
            v.from_warehouse,
            v.to_warehouse,
            v.status.value,
            str(sum(x.quantity for x in v.lines)),
            str(sum(x.received_quantity for x in v.lines)),
            f"{v.eta:%Y-%m-%d}" if v.eta else "",
        )
    console.print(table if views else "no transfers")


@transfer_app.command("show")
@guarded
def show(reference: str = typer.Argument(...), org: str = ORG_OPTION) -> None:
    """One transfer with its lines."""
    with transaction(engine(settings())) as session:
        actor = _actor(session, org)
        _show(
            transfers.read(session, actor, transfers.find_by_reference(session, actor, reference))
        )


@guarded
def receive_return(
    ref: str = typer.Argument(..., help="Order id, external id or number."),
    return_id: str = typer.Option(..., "--return-id", help="The return id (booked once)."),
    warehouse: str = typer.Option(..., "--warehouse", help="Receiving warehouse code."),
    line: list[str] = typer.Option(
        ...,
        "--line",
        help="SKU=QUANTITY[:write_off], repeatable; restocked unless marked write_off.",
    ),
    note: str = typer.Option("", "--note"),
    org: str = ORG_OPTION,
) -> None:
    """Receive a return of a shipped order into stock; the order becomes returned."""
    lines = []
    for sku, qty, extra in _pairs(line):
        try:
            disposition = Disposition(extra or Disposition.restock.value)
        except ValueError:
            raise InvalidInput(f"--line {sku}: disposition is restock or write_off") from None
        lines.append(ReturnLineIn(sku=sku, quantity=qty, disposition=disposition))
    data = ReturnCreate(reference=return_id, warehouse=warehouse, lines=lines, note=note)
    with transaction(engine(settings())) as session:
        actor = _actor(session, org)
        order = service.order_by_ref(session, actor, ref)
        view = returns.receive_return(session, actor, order.id, data)
    if not view.created:
        _say(f"return {view.reference} was already booked: nothing changed")
        return
    units = ", ".join(f"{x.sku} x{x.quantity} {x.disposition.value}" for x in view.lines)
    _say(f"return {view.reference} booked: {units}; order {ref} is returned")
