"""`linkstar inventory`: stock by SKU and warehouse, adjust, receive, import counts, reconcile."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from linkstar.cli import stock_moves
from linkstar.cli.context import console, engine, err_console, guarded, settings, transaction
from linkstar.inventory import importer, inbound, service
from linkstar.inventory.reconcile import reconcile
from linkstar.inventory.schemas import AdjustmentCreate, ReceiptCreate
from linkstar.kit.errors import InvalidInput, NotFound
from linkstar.workspace import repository as repo
from linkstar.workspace.core import Principal, system_principal

app = typer.Typer(
    help="Stock: list, adjust, receive, import counts, reconcile, transfers.",
    no_args_is_help=True,
)
app.add_typer(stock_moves.transfer_app, name="transfer")

ORG_OPTION = typer.Option(..., "--org", help="Organisation slug (see `linkstar org list`).")


def _actor(session: Session, slug: str) -> Principal:
    org = repo.organisation_by_slug(session, slug)
    if org is None:
        raise NotFound(f"no organisation with slug {slug!r}")
    return system_principal(org.id, "cli")


def _say(text: str) -> None:
    console.print(text, highlight=False, markup=False, soft_wrap=True)


@app.command("list")
@guarded
def list_stock(
    org: str = ORG_OPTION,
    sku: str | None = typer.Option(None, "--sku", help="Only this SKU."),
    warehouse: str | None = typer.Option(None, "--warehouse", help="Only this warehouse code."),
) -> None:
    """Stock by SKU and warehouse: on hand, allocated, safety, available, inbound."""
    with transaction(engine(settings())) as session:
        actor = _actor(session, org)
        wid = service.warehouse_by_code(session, actor, warehouse).id if warehouse else None
        rows = service.stock_table(session, actor, sku, wid)
    table = Table(
        "sku", "name", "warehouse", "on hand", "allocated", "safety", "available", "inbound"
    )
    for r in rows:
        table.add_row(
            r.sku,
            r.sku_name,
            r.warehouse_code,
            *(str(v) for v in (r.on_hand, r.allocated, r.safety_stock, r.available, r.inbound)),
        )
    console.print(table if rows else "no stock")


@app.command("adjust")
@guarded
def adjust(
    sku: str = typer.Argument(..., help="Master SKU."),
    warehouse: str = typer.Argument(..., help="Warehouse code."),
    quantity: int = typer.Option(..., "--by", help="Signed change of on hand, e.g. --by -3."),
    reason: str = typer.Option(..., "--reason", help="Why (kept in the ledger)."),
    org: str = ORG_OPTION,
) -> None:
    """Correct on hand by a signed quantity (an adjustment ledger entry)."""
    with transaction(engine(settings())) as session:
        actor = _actor(session, org)
        data = AdjustmentCreate(sku=sku, warehouse=warehouse, quantity=quantity, reason=reason)
        row = service.stock_of(session, actor, service.adjust(session, actor, data))
    _say(f"{row.sku} at {row.warehouse_code}: on hand {row.on_hand}, available {row.available}")


@app.command("receive")
@guarded
def receive(
    sku: str = typer.Argument(None, help="Master SKU (omit with --inbound)."),
    warehouse: str = typer.Argument(None, help="Warehouse code (omit with --inbound)."),
    quantity: int = typer.Argument(None, help="Units received."),
    reference: str = typer.Option("", "--reference", help="Delivery note or PO."),
    shipment: str | None = typer.Option(
        None, "--inbound", help="Receive this inbound shipment (reference)."
    ),
    org: str = ORG_OPTION,
) -> None:
    """Book received units onto on hand, or receive a whole inbound shipment."""
    with transaction(engine(settings())) as session:
        actor = _actor(session, org)
        if shipment:
            found = inbound.find_by_reference(session, actor, shipment)
            view = inbound.read(session, actor, inbound.receive(session, actor, found.id))
            units = sum(x.quantity for x in view.lines)
            _say(f"received inbound {view.reference}: {len(view.lines)} line(s), {units} unit(s)")
            return
        if not (sku and warehouse and quantity):
            raise InvalidInput("give SKU WAREHOUSE QUANTITY, or --inbound REFERENCE")
        data = ReceiptCreate(sku=sku, warehouse=warehouse, quantity=quantity, reference=reference)
        row = service.stock_of(session, actor, service.receive(session, actor, data))
    _say(f"{row.sku} at {row.warehouse_code}: on hand {row.on_hand}, available {row.available}")


@app.command("import")
@guarded
def import_counts(
    path: Path = typer.Argument(..., help="CSV: sku, warehouse, on_hand[, safety_stock][, name]."),
    org: str = ORG_OPTION,
) -> None:
    """Import a stock count: good rows set on hand (one adjustment each), bad rows are listed."""
    if not path.is_file():
        raise InvalidInput(f"{path} is not a file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(f"{path} is not UTF-8 text") from None
    with transaction(engine(settings())) as session:
        result = importer.import_counts(session, _actor(session, org), text)
    for error in result.errors:
        err_console.print(f"{path.name}: {error}", highlight=False, markup=False, soft_wrap=True)
    rejected = len({e.row for e in result.errors})
    _say(
        f"{result.applied} adjusted, {result.unchanged} unchanged, "
        f"{len(result.created_skus)} SKU(s) created, {rejected} row(s) rejected"
    )
    if result.errors:
        raise typer.Exit(1)


@app.command("reconcile")
@guarded
def reconcile_command(
    org: str = ORG_OPTION,
    repair: bool = typer.Option(
        False, "--repair", help="Set drifted counters to the ledger's sums."
    ),
) -> None:
    """Recompute every counter from the ledger and list the drifts (exit 1 when any)."""
    with transaction(engine(settings())) as session:
        actor = _actor(session, org)
        result = reconcile(session, actor.organisation_id, repair=repair)
        names = {s.id: s.sku for s in service.skus_all(session, actor)}
        codes = {
            w.id: w.code for w in repo.WarehouseRepository(session, actor.organisation_id).list()
        }
    for d in result.drifts:
        _say(
            f"drift {names.get(d.key[0], d.key[0])} at {codes.get(d.key[1], d.key[1])}: stored "
            f"on hand {d.stored.on_hand} / allocated {d.stored.allocated}, ledger "
            f"{d.derived.on_hand} / {d.derived.allocated}"
        )
    _say(
        f"{result.checked} stock level(s) checked, {len(result.drifts)} drift(s)"
        + (", repaired" if result.repaired else "")
    )
    if result.drifts and not repair:
        raise typer.Exit(1)
