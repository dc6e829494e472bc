"""Allocation use cases: reserve stock for orders, release it, ship it.

The plan is made by the pure core over a snapshot of available stock; each chosen quantity is
then taken with an atomic conditional UPDATE (`allocated + q` only where at least q are still
available). When another transaction took the units in between, the order's reservations made
so far are given back, its stock re-read and the order planned again, so a race can cost a
re-plan but never an oversell. Ledger and allocation rows are written with multi-row inserts in
the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from linkstar.inventory.core import (
    AllocationDecision,
    AllocationPolicy,
    AllocationRequest,
    AllocationState,
    Allocator,
    LedgerKind,
    LineDecision,
    Site,
    Stock,
)
from linkstar.inventory.models import Allocation, Sku, StockLevel
from linkstar.inventory.repository import (
    AllocationRepository,
    LedgerRepository,
    SkuRepository,
    StockLevelRepository,
)
from linkstar.kit.errors import Conflict, InvalidInput
from linkstar.workspace import repository as wrepo
from linkstar.workspace.core import Permission, Principal

MAX_REPLANS = 5


@dataclass
class _Context:
    skus: dict[str, Sku]  # by code
    levels: dict[tuple[str, str], StockLevel]  # (sku code, warehouse id)
    stock: Stock


def sites(session: Session, organisation_id: str) -> list[Site]:
    """The organisation's active warehouses as allocation sees them."""
    rows = wrepo.WarehouseRepository(session, organisation_id).list(is_active=True)
    return [Site(w.id, w.code, w.country, w.postcode) for w in rows]


def allocate(
    session: Session,
    organisation_id: str,
    requests: Sequence[AllocationRequest],
    policy: AllocationPolicy,
    actor_label: str = "allocation",
) -> list[AllocationDecision]:
    """Reserve stock for each order and record the decision; never oversells.

    Unknown SKUs are refused up front (InvalidInput listing them) and nothing is reserved.
    An order already holding reservations is refused too: release it first.
    """
    if not requests:
        return []
    _validate(requests)
    skus_repo = SkuRepository(session, organisation_id)
    codes = {line.master_sku for r in requests for line in r.lines}
    skus = skus_repo.by_codes(codes)
    missing = sorted(codes - skus.keys())
    if missing:
        raise InvalidInput(f"unknown SKU(s): {', '.join(missing)}", {"skus": missing})
    allocations = AllocationRepository(session, organisation_id)
    held = {
        a.order_ref for a in allocations.for_orders([r.order_ref for r in requests], "reserved")
    }
    if held:
        raise InvalidInput(
            f"order(s) already allocated: {', '.join(sorted(held))}", {"orders": sorted(held)}
        )
    allocator = Allocator(sites(session, organisation_id), policy)
    ctx = _load(session, organisation_id, skus)
    levels_repo = StockLevelRepository(session, organisation_id)
    decisions = _reserve_batch(levels_repo, ctx, allocator, requests)
    ledger_rows: list[dict[str, object]] = []
    allocation_rows: list[dict[str, object]] = []
    for request, decision in zip(requests, decisions, strict=True):
        reasons = decision.as_dict()["reasons"]
        for line in decision.lines:
            for pick in line.picks:
                level = ctx.levels[(line.master_sku, pick.warehouse_id)]
                ledger_rows.append(
                    {
                        "stock_level_id": level.id,
                        "sku_id": level.sku_id,
                        "warehouse_id": level.warehouse_id,
                        "kind": LedgerKind.allocation.value,
                        "on_hand_delta": 0,
                        "allocated_delta": pick.quantity,
                        "reference": request.order_ref,
                        "note": line.line_ref,
                        "actor": actor_label,
                    }
                )
                allocation_rows.append(
                    {
                        "order_ref": request.order_ref,
                        "line_ref": line.line_ref,
                        "stock_level_id": level.id,
                        "sku_id": level.sku_id,
                        "warehouse_id": level.warehouse_id,
                        "quantity": pick.quantity,
                        "state": AllocationState.reserved.value,
                        "reasons": reasons,
                    }
                )
    try:
        allocations.write(allocation_rows)
    except IntegrityError:
        # Another transaction allocated one of these orders since the check above.
        raise Conflict("an order of this batch was allocated concurrently; retry") from None
    LedgerRepository(session, organisation_id).write(ledger_rows)
    for level in ctx.levels.values():  # the UPDATEs bypassed the ORM: reload on next access
        session.expire(level)
    return decisions


def release(
    session: Session, organisation_id: str, order_ref: str, actor_label: str = "allocation"
) -> int:
    """Give back every unit reserved for an order; returns the units released."""
    return _settle(session, organisation_id, order_ref, AllocationState.released, actor_label)


def ship(
    session: Session, organisation_id: str, order_ref: str, actor_label: str = "allocation"
) -> int:
    """The order's reserved units left the warehouse: on_hand and allocated both drop."""
    return _settle(session, organisation_id, order_ref, AllocationState.shipped, actor_label)


def order_allocations(session: Session, actor: Principal, order_ref: str) -> list[Allocation]:
    """Every allocation row of one order, with its reasons."""
    actor.require(Permission.inventory_read)
    return AllocationRepository(session, actor.organisation_id).for_orders([order_ref])


def _settle(
    session: Session, organisation_id: str, order_ref: str, to: AllocationState, actor: str
) -> int:
    allocations = AllocationRepository(session, organisation_id)
    levels = StockLevelRepository(session, organisation_id)
    rows = sorted(
        allocations.for_orders([order_ref], AllocationState.reserved.value),
        key=lambda a: a.stock_level_id,
    )
    kind = LedgerKind.release if to is AllocationState.released else LedgerKind.shipment
    ledger: list[dict[str, object]] = []
    units = 0
    for row in rows:
        # Claim the row first: a concurrent release/ship of the same order finds it taken.
        if not allocations.claim(row.id, AllocationState.reserved.value, to.value):
            continue
        on_hand_delta = -row.quantity if kind is LedgerKind.shipment else 0
        if not levels.move(row.stock_level_id, on_hand_delta, -row.quantity):
            raise InvalidInput(  # only reachable when counters drifted from the ledger
                f"stock of allocation {row.id} no longer covers it: run reconciliation",
                {"allocation_id": row.id},
            )
        ledger.append(
            {
                "stock_level_id": row.stock_level_id,
                "sku_id": row.sku_id,
                "warehouse_id": row.warehouse_id,
                "kind": kind.value,
                "on_hand_delta": on_hand_delta,
                "allocated_delta": -row.quantity,
                "reference": order_ref,
                "note": row.line_ref,
                "actor": actor,
            }
        )
        units += row.quantity
    LedgerRepository(session, organisation_id).write(ledger)
    session.expire_all()
    return units


def _reserve_batch(
    levels: StockLevelRepository,
    ctx: _Context,
    allocator: Allocator,
    requests: Sequence[AllocationRequest],
) -> list[AllocationDecision]:
    """Plan every order, then reserve with one conditional UPDATE per stock level.

    A level whose UPDATE finds fewer units than the batch planned (another transaction took
    some) reserves nothing; the orders that used it give back their other levels' units and
    are planned again one by one against fresh counters.
    """
    planned = [allocator.plan(request, ctx.stock) for request in requests]
    wanted: dict[str, int] = {}
    for decision in planned:
        for level_id, qty in _level_quantities(ctx, decision.lines).items():
            wanted[level_id] = wanted.get(level_id, 0) + qty
    lost = levels.reserve_many(wanted)
    if not lost:
        return planned
    redo: list[int] = []
    for i, decision in enumerate(planned):
        mine = _level_quantities(ctx, decision.lines)
        if mine.keys() & lost:
            for level_id, qty in sorted(mine.items()):
                if level_id not in lost:
                    levels.move(level_id, 0, -qty)
            redo.append(i)
    _refresh(levels, ctx, {line.master_sku for i in redo for line in requests[i].lines})
    for i in redo:
        planned[i] = _one_by_one(levels, ctx, allocator, requests[i])
    return planned


def _one_by_one(
    levels: StockLevelRepository, ctx: _Context, allocator: Allocator, request: AllocationRequest
) -> AllocationDecision:
    for _attempt in range(MAX_REPLANS):
        decision = allocator.plan(request, ctx.stock)
        if _reserve(levels, ctx, decision.lines):
            return decision
        # Lost a race: re-read this order's stock and plan again.
        _refresh(levels, ctx, {line.master_sku for line in request.lines})
    return AllocationDecision(
        request.order_ref,
        tuple(LineDecision(x.line_ref, x.master_sku, x.quantity, ()) for x in request.lines),
        {"note": f"stock changed under {MAX_REPLANS} plans in a row; nothing reserved"},
    )


def _level_quantities(ctx: _Context, lines: Sequence[LineDecision]) -> dict[str, int]:
    wanted: dict[str, int] = {}
    for line in lines:
        for pick in line.picks:
            level_id = ctx.levels[(line.master_sku, pick.warehouse_id)].id
            wanted[level_id] = wanted.get(level_id, 0) + pick.quantity
    return wanted


def _validate(requests: Sequence[AllocationRequest]) -> None:
    refs: set[str] = set()
    for request in requests:
        if not request.order_ref or len(request.order_ref) > 120:
            raise InvalidInput("order_ref must have 1 to 120 characters", {"field": "order_ref"})
        if request.order_ref in refs:
            raise InvalidInput(f"order {request.order_ref} is listed twice", {"field": "order_ref"})
        refs.add(request.order_ref)
        if not request.lines:
            raise InvalidInput(f"order {request.order_ref} has no lines", {"field": "lines"})
        if len({line.line_ref for line in request.lines}) != len(request.lines):
            raise InvalidInput(
                f"order {request.order_ref} repeats a line_ref", {"field": "line_ref"}
            )
        for line in request.lines:
            if line.quantity <= 0:
                raise InvalidInput(
                    f"order {request.order_ref} line {line.line_ref}: quantity must be positive",
                    {"field": "quantity"},
                )


def _load(session: Session, organisation_id: str, skus: dict[str, Sku]) -> _Context:
    by_id = {s.id: s.sku for s in skus.values()}
    ctx = _Context(skus, {}, {})
    for level in StockLevelRepository(session, organisation_id).for_skus(by_id):
        code = by_id[level.sku_id]
        ctx.levels[(code, level.warehouse_id)] = level
        ctx.stock[(code, level.warehouse_id)] = _available(level)
    return ctx


def _refresh(levels: StockLevelRepository, ctx: _Context, codes: set[str]) -> None:
    by_id = {ctx.skus[c].id: c for c in codes}
    for level in levels.for_skus(by_id):
        code = by_id[level.sku_id]
        ctx.levels[(code, level.warehouse_id)] = level
        ctx.stock[(code, level.warehouse_id)] = _available(level)


def _available(level: StockLevel) -> int:
    return max(0, level.on_hand - level.allocated - level.safety_stock)


def _reserve(levels: StockLevelRepository, ctx: _Context, lines: Sequence[LineDecision]) -> bool:
    """Take every pick of one order atomically; on a lost race give back what was taken."""
    wanted = _level_quantities(ctx, lines)
    done: list[tuple[str, int]] = []
    for level_id in sorted(wanted):  # one lock order for every transaction: no deadlocks
        if not levels.reserve(level_id, wanted[level_id]):
            for taken_id, qty in done:
                levels.move(taken_id, 0, -qty)
            for line in lines:  # the plan decremented the snapshot; undo it before re-reading
                for pick in line.picks:
                    key = (line.master_sku, pick.warehouse_id)
                    ctx.stock[key] = ctx.stock.get(key, 0) + pick.quantity
            return False
        done.append((level_id, wanted[level_id]))
    return True
