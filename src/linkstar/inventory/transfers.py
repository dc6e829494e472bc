"""Transfers between warehouses: draft → in_transit → received (partial receipts) or cancelled.

Dispatch books `transfer_out` at the origin through `apply_moves`, whose conditional UPDATE
refuses to leave fewer units on hand than are reserved, so a transfer racing allocations can
never take reserved stock (nor can an allocation take units already dispatched). Receipts book
`transfer_in` at the destination, line by line, each guarded by a conditional UPDATE that
refuses over-receipt. Every status change claims the transfer row with a conditional UPDATE,
so two concurrent dispatches (or a receipt and a cancel) cannot both act on one transfer.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from linkstar.inventory.core import LedgerKind, TransferStatus, move
from linkstar.inventory.core.transfers import check_move, receipt_plan
from linkstar.inventory.models import Transfer, TransferLine
from linkstar.inventory.repository import (
    SkuRepository,
    StockLevelRepository,
    TransferLineRepository,
    TransferRepository,
)
from linkstar.inventory.schemas import (
    TransferCreate,
    TransferLineRead,
    TransferRead,
)
from linkstar.inventory.service import (
    READ,
    WRITE,
    StockMove,
    apply_moves,
    known_skus,
    level_of,
    warehouse_by_code,
)
from linkstar.kit.clock import utcnow
from linkstar.kit.errors import Conflict, InvalidInput, NotFound
from linkstar.kit.pagination import Page
from linkstar.workspace import audit
from linkstar.workspace import repository as wrepo
from linkstar.workspace.core import Principal

S = TransferStatus


def create(session: Session, actor: Principal, data: TransferCreate) -> Transfer:
    """Record a draft transfer; warehouses and SKUs must exist, a reference is used once."""
    actor.require(WRITE)
    origin = warehouse_by_code(session, actor, data.from_warehouse)
    destination = warehouse_by_code(session, actor, data.to_warehouse)
    if origin.id == destination.id:
        raise InvalidInput("a transfer needs two different warehouses", {"field": "to_warehouse"})
    transfers = TransferRepository(session, actor.organisation_id)
    if transfers.find(reference=data.reference) is not None:
        raise Conflict(f"transfer {data.reference} already exists", {"field": "reference"})
    codes = [line.sku for line in data.lines]
    if len(set(codes)) != len(codes):
        raise InvalidInput("a SKU is listed twice on the transfer", {"field": "lines"})
    skus = known_skus(session, actor, codes)
    try:
        with session.begin_nested():
            row = transfers.add(
                Transfer(
                    reference=data.reference,
                    from_warehouse_id=origin.id,
                    to_warehouse_id=destination.id,
                    status=S.draft.value,
                    carrier=data.carrier,
                    tracking_ref=data.tracking_ref,
                    eta=data.eta,
                    note=data.note,
                )
            )
    except IntegrityError:
        raise Conflict(
            f"transfer {data.reference} already exists", {"field": "reference"}
        ) from None
    lines = TransferLineRepository(session, actor.organisation_id)
    for line in data.lines:
        level_of(session, actor, skus[line.sku].id, destination.id)  # the stock table shows it
        lines.add(
            TransferLine(transfer_id=row.id, sku_id=skus[line.sku].id, quantity=line.quantity)
        )
    session.flush()
    audit.record(
        session,
        actor,
        "transfer.created",
        row,
        after={"reference": row.reference, "from": origin.code, "to": destination.code},
    )
    return row


def page(
    session: Session, actor: Principal, limit: int, cursor: str | None, status: str | None = None
) -> Page[Transfer]:
    """Transfers, newest first, optionally in one status."""
    actor.require(READ)
    filters = {"status": status} if status else {}
    return TransferRepository(session, actor.organisation_id).page_newest_first(
        limit, cursor, **filters
    )


def get(session: Session, actor: Principal, transfer_id: str) -> Transfer:
    actor.require(READ)
    return TransferRepository(session, actor.organisation_id).get(transfer_id)


def find_by_reference(session: Session, actor: Principal, reference: str) -> Transfer:
    actor.require(READ)
    row = TransferRepository(session, actor.organisation_id).find(reference=reference)
    if row is None:
        raise NotFound(f"no transfer {reference!r}", {"field": "reference"})
    return row


def read(session: Session, actor: Principal, transfer: Transfer) -> TransferRead:
    """The transfer with its lines (by SKU code) and warehouse codes."""
    org = actor.organisation_id
    session.refresh(transfer)
    lines = TransferLineRepository(session, org).of(transfer.id)
    codes = {s.id: s.sku for s in SkuRepository(session, org).select_ids({x.sku_id for x in lines})}
    sites = {w.id: w.code for w in wrepo.WarehouseRepository(session, org).list()}
    return TransferRead(
        id=transfer.id,
        reference=transfer.reference,
        from_warehouse_id=transfer.from_warehouse_id,
        from_warehouse=sites.get(transfer.from_warehouse_id, ""),
        to_warehouse_id=transfer.to_warehouse_id,
        to_warehouse=sites.get(transfer.to_warehouse_id, ""),
        status=S(transfer.status),
        carrier=transfer.carrier,
        tracking_ref=transfer.tracking_ref,
        eta=transfer.eta,
        note=transfer.note,
        created_at=transfer.created_at,
        dispatched_at=transfer.dispatched_at,
        received_at=transfer.received_at,
        cancelled_at=transfer.cancelled_at,
        lines=[
            TransferLineRead(
                sku=codes[x.sku_id],
                quantity=x.quantity,
                received_quantity=x.received_quantity,
                outstanding=x.quantity - x.received_quantity,
            )
            for x in sorted(lines, key=lambda x: codes[x.sku_id])
        ],
    )


def _claim(session: Session, actor: Principal, transfer_id: str, to: TransferStatus) -> Transfer:
    """Load the transfer, check the move, and take it with a conditional UPDATE."""
    transfers = TransferRepository(session, actor.organisation_id)
    row = transfers.get(transfer_id)
    current = S(row.status)
    check_move(current, to)
    now = utcnow()
    values: dict[str, object] = {}
    if to is S.in_transit:
        values = {"status": to.value, "dispatched_at": now}
    elif to is S.cancelled:
        values = {"status": to.value, "cancelled_at": now}
    if not transfers.claim(row.id, current.value, **values):
        raise Conflict(f"transfer {row.reference} was changed concurrently; reload and retry")
    session.refresh(row)
    return row


def dispatch(session: Session, actor: Principal, transfer_id: str) -> Transfer:
    """The units leave the origin: `transfer_out` entries; refused when they are reserved."""
    actor.require(WRITE)
    row = _claim(session, actor, transfer_id, S.in_transit)
    lines = TransferLineRepository(session, actor.organisation_id).of(row.id)
    moves = [
        StockMove(
            level_of(session, actor, line.sku_id, row.from_warehouse_id),
            move(LedgerKind.transfer_out, line.quantity),
            row.reference,
            "transfer dispatched",
        )
        for line in lines
    ]
    try:
        apply_moves(session, actor, moves)
    except InvalidInput as exc:
        raise _short(session, actor, exc, lines, moves) from None
    audit.record(session, actor, "transfer.dispatched", row, after={"status": row.status})
    return row


def _short(
    session: Session,
    actor: Principal,
    exc: InvalidInput,
    lines: list[TransferLine],
    moves: list[StockMove],
) -> InvalidInput:
    """The refusal of a dispatch, naming the SKU and what is free to move."""
    level_id = (exc.details or {}).get("stock_level_id")
    for line, step in zip(lines, moves, strict=True):
        if step.level.id == level_id:
            level = StockLevelRepository(session, actor.organisation_id).get(level_id)
            session.refresh(level)
            sku = SkuRepository(session, actor.organisation_id).get(line.sku_id)
            free = max(0, level.on_hand - level.allocated)
            return InvalidInput(
                f"SKU {sku.sku}: {line.quantity} to dispatch but only {free} on hand and not "
                f"reserved at the origin",
                {"field": "lines", "sku": sku.sku, "free": free},
            )
    return exc


def receive(
    session: Session, actor: Principal, transfer_id: str, requested: dict[str, int] | None = None
) -> Transfer:
    """Book arrived units (`transfer_in` at the destination); all outstanding without lines.

    Partial receipts keep the transfer in transit; the last one marks it received. Receiving
    more than is still on the way is refused and books nothing.
    """
    actor.require(WRITE)
    transfers = TransferRepository(session, actor.organisation_id)
    row = transfers.get(transfer_id)
    if row.status != S.in_transit.value:
        raise Conflict(
            f"transfer {row.reference} is {row.status}: only a transfer in transit can be received"
        )
    # Lock the transfer before reading its lines: a concurrent receipt or cancel waits.
    if not transfers.claim(row.id, S.in_transit.value):
        raise Conflict(f"transfer {row.reference} was changed concurrently; reload and retry")
    repo = TransferLineRepository(session, actor.organisation_id)
    lines = repo.of(row.id)
    skus = {
        s.id: s.sku
        for s in SkuRepository(session, actor.organisation_id).select_ids({x.sku_id for x in lines})
    }
    by_code = {skus[x.sku_id]: x for x in lines}
    plan = receipt_plan(
        {c: x.quantity - x.received_quantity for c, x in by_code.items()}, requested
    )
    moves = []
    for code, qty in sorted(plan.items()):
        line = by_code[code]
        if not repo.book_received(line.id, qty):
            raise InvalidInput(f"SKU {code}: more than is still on the way", {"field": "lines"})
        moves.append(
            StockMove(
                level_of(session, actor, line.sku_id, row.to_warehouse_id),
                move(LedgerKind.transfer_in, qty),
                row.reference,
                "transfer received",
            )
        )
    apply_moves(session, actor, moves)
    if all(x.quantity == x.received_quantity for x in repo.of(row.id)):
        transfers.claim(row.id, S.in_transit.value, status=S.received.value, received_at=utcnow())
    session.refresh(row)
    audit.record(
        session, actor, "transfer.received", row, after={"status": row.status, "units": plan}
    )
    return row


def cancel(session: Session, actor: Principal, transfer_id: str, note: str = "") -> Transfer:
    """Give up a transfer; units still on the way are booked back at the origin."""
    actor.require(WRITE)
    row = _claim(session, actor, transfer_id, S.cancelled)
    if row.dispatched_at is not None:
        lines = TransferLineRepository(session, actor.organisation_id).of(row.id)
        apply_moves(
            session,
            actor,
            [
                StockMove(
                    level_of(session, actor, x.sku_id, row.from_warehouse_id),
                    move(LedgerKind.transfer_in, x.quantity - x.received_quantity),
                    row.reference,
                    "transfer cancelled: back at the origin",
                )
                for x in lines
                if x.quantity > x.received_quantity
            ],
        )
    if note:
        row.note = note
        session.flush()
    audit.record(session, actor, "transfer.cancelled", row, after={"note": note})
    return row
