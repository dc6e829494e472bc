"""Returns into stock: each returned unit is booked at the receiving warehouse as a `return`
entry; a unit that cannot be sold again is then written off (`write_off`), so the ledger shows
both what came back and what left the sellable stock.

A return id (`reference`) is booked once: the row is inserted first under a unique constraint,
so the same return posted twice, even concurrently, writes its ledger entries once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from linkstar.inventory.core import Disposition, LedgerKind, move
from linkstar.inventory.core.transfers import returnable
from linkstar.inventory.models import StockReturn, StockReturnLine
from linkstar.inventory.repository import (
    ReturnLineRepository,
    ReturnRepository,
    SkuRepository,
)
from linkstar.inventory.schemas import ReturnCreate, ReturnLineRead, ReturnRead
from linkstar.inventory.service import (
    WRITE,
    StockMove,
    apply_moves,
    known_skus,
    level_of,
    warehouse_by_code,
)
from linkstar.kit.errors import Conflict, InvalidInput
from linkstar.workspace.core import Principal


@dataclass(frozen=True)
class Booked:
    row: StockReturn
    created: bool  # False: this return id had been booked before; nothing was written


def book(
    session: Session,
    actor: Principal,
    order_ref: str,
    ordered: Mapping[str, int],
    data: ReturnCreate,
) -> Booked:
    """Book a return of an order that shipped `ordered` units per master SKU."""
    actor.require(WRITE)
    org = actor.organisation_id
    returns = ReturnRepository(session, org)
    existing = returns.find(reference=data.reference)
    if existing is not None:
        return _again(existing, order_ref)
    site = warehouse_by_code(session, actor, data.warehouse)
    pairs = [(line.sku, line.disposition) for line in data.lines]
    if len(set(pairs)) != len(pairs):
        raise InvalidInput("a SKU is listed twice with one disposition", {"field": "lines"})
    codes = sorted({sku for sku, _ in pairs})
    units: dict[str, int] = {}
    for line in data.lines:
        units[line.sku] = units.get(line.sku, 0) + line.quantity
    skus = known_skus(session, actor, codes)
    lines_repo = ReturnLineRepository(session, org)
    code_of = {v.id: k for k, v in skus.items()}
    returned = {
        code_of[s]: q for s, q in lines_repo.returned_units(order_ref).items() if s in code_of
    }
    for code in codes:
        returnable(ordered, returned, code, units[code])
    try:
        with session.begin_nested():
            row = returns.add(
                StockReturn(
                    reference=data.reference,
                    order_ref=order_ref,
                    warehouse_id=site.id,
                    note=data.note,
                    received_by=actor.label[:254],
                )
            )
    except IntegrityError:  # the same return id booked concurrently: it counts once
        again = returns.find(reference=data.reference)
        if again is None:  # pragma: no cover - the unique violation names an existing row
            raise
        return _again(again, order_ref)
    moves: list[StockMove] = []
    for line in data.lines:
        sku_id = skus[line.sku].id
        lines_repo.add(
            StockReturnLine(
                return_id=row.id,
                sku_id=sku_id,
                quantity=line.quantity,
                disposition=line.disposition.value,
            )
        )
        level = level_of(session, actor, sku_id, site.id)
        moves.append(StockMove(level, move(LedgerKind.return_, line.quantity), data.reference))
        if line.disposition is Disposition.write_off:
            moves.append(
                StockMove(
                    level,
                    move(LedgerKind.write_off, line.quantity),
                    data.reference,
                    "not restockable",
                )
            )
    session.flush()
    apply_moves(session, actor, moves)
    return Booked(row, True)


def _again(row: StockReturn, order_ref: str) -> Booked:
    if row.order_ref != order_ref:
        raise Conflict(
            f"return {row.reference} was booked for another order", {"field": "reference"}
        )
    return Booked(row, False)


def of_order(session: Session, actor: Principal, order_ref: str) -> list[StockReturn]:
    """The returns booked for one order, oldest first."""
    return ReturnRepository(session, actor.organisation_id).list(order_ref=order_ref)


def read(session: Session, actor: Principal, row: StockReturn, created: bool) -> ReturnRead:
    """A return with its lines by SKU code."""
    org = actor.organisation_id
    lines = ReturnLineRepository(session, org).list(return_id=row.id)
    codes = {s.id: s.sku for s in SkuRepository(session, org).select_ids({x.sku_id for x in lines})}
    return ReturnRead(
        id=row.id,
        reference=row.reference,
        order_id=row.order_ref,
        warehouse_id=row.warehouse_id,
        note=row.note,
        received_by=row.received_by,
        created_at=row.created_at,
        created=created,
        lines=[
            ReturnLineRead(
                sku=codes[x.sku_id], quantity=x.quantity, disposition=Disposition(x.disposition)
            )
            for x in sorted(lines, key=lambda x: (codes[x.sku_id], x.disposition))
        ],
    )
