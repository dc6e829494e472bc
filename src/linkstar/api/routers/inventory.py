"""Inventory: master SKUs, stock by SKU and warehouse, the ledger, receipts and adjustments,
inbound shipments with their legs, stores' listing buffers, reconciliation."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from linkstar.api.deps import DbSession
from linkstar.api.idempotency import Idempotent
from linkstar.api.pagination import Paging
from linkstar.api.routing import api_router, created, errors, needs
from linkstar.api.schemas import PageOf
from linkstar.inventory import inbound, publishing, service
from linkstar.inventory.reconcile import reconcile
from linkstar.inventory.schemas import (
    AdjustmentCreate,
    DriftRead,
    InboundCreate,
    InboundRead,
    LedgerRead,
    ListingRead,
    ReceiptCreate,
    ReconcileRead,
    ReconcileRequest,
    SkuCreate,
    SkuRead,
    StockList,
    StockRead,
    StorePolicyRead,
    StorePolicySet,
)
from linkstar.workspace.core import Permission, Principal

router = api_router("inventory")
READ = Permission.inventory_read
WRITE = Permission.inventory_write


@router.get(
    "/skus",
    summary="List master SKUs",
    description="By SKU code.",
    response_model=PageOf[SkuRead],
    responses=errors(403, 422),
)
def list_skus(
    paging: Paging, session: DbSession, actor: Principal = Depends(needs(READ))
) -> dict[str, object]:
    return paging.out(
        service.skus_page(session, actor, paging.limit, paging.cursor), SkuRead.model_validate
    )


@router.post(
    "/skus",
    summary="Add a master SKU",
    description="`sku` is unique in the organisation (409 when taken). Dimensions in mm, "
    "weight in grams, `origin_country` ISO alpha-2.",
    status_code=201,
    response_model=SkuRead,
    responses={**created("The SKU."), **errors(400, 403, 409, 413, 422)},
)
def create_sku(
    data: SkuCreate, session: DbSession, idem: Idempotent, actor: Principal = Depends(needs(WRITE))
) -> SkuRead:
    return SkuRead.model_validate(service.create_sku(session, actor, data))


@router.get(
    "/skus/{sku_id}",
    summary="Read a master SKU",
    response_model=SkuRead,
    responses=errors(403, 404),
)
def read_sku(sku_id: str, session: DbSession, actor: Principal = Depends(needs(READ))) -> SkuRead:
    return SkuRead.model_validate(service.get_sku(session, actor, sku_id))


@router.get(
    "/inventory",
    summary="Stock by SKU and warehouse",
    description="on_hand, allocated, safety_stock, available (on_hand - allocated - "
    "safety_stock) and inbound (units on inbound shipments not yet received), by SKU code "
    "then warehouse code.",
    response_model=StockList,
    responses=errors(403, 422),
)
def list_stock(
    session: DbSession,
    sku: Annotated[str | None, Query(max_length=64, description="Only this SKU code.")] = None,
    warehouse_id: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 500,
    actor: Principal = Depends(needs(READ)),
) -> StockList:
    return StockList(items=service.stock_table(session, actor, sku, warehouse_id, limit))


@router.get(
    "/inventory/ledger",
    summary="The stock ledger",
    description="Every change of stock, newest first: receipt, adjustment, allocation, "
    "release, shipment, return, transfer_in, transfer_out, with its deltas and reference.",
    response_model=PageOf[LedgerRead],
    responses=errors(403, 422),
)
def list_ledger(
    paging: Paging,
    session: DbSession,
    sku_id: Annotated[str | None, Query(max_length=32)] = None,
    warehouse_id: Annotated[str | None, Query(max_length=32)] = None,
    actor: Principal = Depends(needs(READ)),
) -> dict[str, object]:
    page = service.ledger_page(session, actor, paging.limit, paging.cursor, sku_id, warehouse_id)
    return paging.out(page, LedgerRead.model_validate)


@router.post(
    "/inventory/adjustments",
    summary="Adjust stock",
    description="A signed correction of on_hand with a reason, written to the ledger. One that "
    "would make stock negative or leave fewer units than are reserved is refused (422).",
    status_code=201,
    response_model=StockRead,
    responses={
        **created("The stock level after the adjustment."),
        **errors(400, 403, 404, 413, 422),
    },
)
def adjust(
    data: AdjustmentCreate,
    session: DbSession,
    idem: Idempotent,
    actor: Principal = Depends(needs(WRITE)),
) -> StockRead:
    return service.stock_of(session, actor, service.adjust(session, actor, data))


@router.post(
    "/inventory/receipts",
    summary="Receive stock",
    description="Units that arrived at a warehouse outside an inbound shipment.",
    status_code=201,
    response_model=StockRead,
    responses={**created("The stock level after the receipt."), **errors(400, 403, 404, 413, 422)},
)
def receive(
    data: ReceiptCreate,
    session: DbSession,
    idem: Idempotent,
    actor: Principal = Depends(needs(WRITE)),
) -> StockRead:
    return service.stock_of(session, actor, service.receive(session, actor, data))


@router.post(
    "/inventory/reconcile",
    summary="Reconcile counters with the ledger",
    description="Recomputes every counter from the ledger and lists the drifts; with "
    "`repair`, sets drifted counters to the ledger's sums.",
    response_model=ReconcileRead,
    responses=errors(400, 403, 413, 422),
)
def reconcile_stock(
    data: ReconcileRequest, session: DbSession, actor: Principal = Depends(needs(WRITE))
) -> ReconcileRead:
    result = reconcile(session, actor.organisation_id, repair=data.repair)
    return ReconcileRead(
        organisation_id=actor.organisation_id,
        checked=result.checked,
        repaired=result.repaired,
        drifts=[
            DriftRead(
                sku_id=d.key[0],
                warehouse_id=d.key[1],
                stored_on_hand=d.stored.on_hand,
                stored_allocated=d.stored.allocated,
                ledger_on_hand=d.derived.on_hand,
                ledger_allocated=d.derived.allocated,
            )
            for d in result.drifts
        ],
    )


@router.get(
    "/inbound-shipments",
    summary="List inbound shipments",
    description="Newest first, with legs and lines.",
    response_model=PageOf[InboundRead],
    responses=errors(403, 422),
)
def list_inbound(
    paging: Paging, session: DbSession, actor: Principal = Depends(needs(READ))
) -> dict[str, object]:
    page = inbound.page(session, actor, paging.limit, paging.cursor)
    return paging.out(page, lambda row: inbound.read(session, actor, row))


@router.post(
    "/inbound-shipments",
    summary="Record an inbound shipment",
    description="Legs in travel order (factory, consolidation, ocean, air, truck, warehouse), "
    "each with departure, ETA and arrival; lines of SKU and quantity. `reference` is unique.",
    status_code=201,
    response_model=InboundRead,
    responses={**created("The shipment."), **errors(400, 403, 404, 409, 413, 422)},
)
def create_inbound(
    data: InboundCreate,
    session: DbSession,
    idem: Idempotent,
    actor: Principal = Depends(needs(WRITE)),
) -> InboundRead:
    return inbound.read(session, actor, inbound.create(session, actor, data))


@router.get(
    "/inbound-shipments/{inbound_id}",
    summary="Read an inbound shipment",
    response_model=InboundRead,
    responses=errors(403, 404),
)
def read_inbound(
    inbound_id: str, session: DbSession, actor: Principal = Depends(needs(READ))
) -> InboundRead:
    return inbound.read(session, actor, inbound.get(session, actor, inbound_id))


@router.post(
    "/inbound-shipments/{inbound_id}/receive",
    summary="Receive an inbound shipment",
    description="Books every line's outstanding units onto on_hand as receipts (once; 409 "
    "when already received).",
    response_model=InboundRead,
    responses=errors(403, 404, 409),
)
def receive_inbound(
    inbound_id: str, session: DbSession, actor: Principal = Depends(needs(WRITE))
) -> InboundRead:
    return inbound.read(session, actor, inbound.receive(session, actor, inbound_id))


@router.get(
    "/stock-policies",
    summary="List stores' listing buffers",
    response_model=PageOf[StorePolicyRead],
    responses=errors(403, 422),
)
def list_policies(
    paging: Paging, session: DbSession, actor: Principal = Depends(needs(READ))
) -> dict[str, object]:
    page = publishing.policies_page(session, actor, paging.limit, paging.cursor)
    return paging.out(page, StorePolicyRead.model_validate)


@router.get(
    "/stores/{store_id}/stock-policy",
    summary="A store's listing buffers",
    description="The defaults (list everything available) when none are set.",
    response_model=StorePolicyRead,
    responses=errors(403, 404),
)
def read_policy(
    store_id: str, session: DbSession, actor: Principal = Depends(needs(READ))
) -> StorePolicyRead:
    return publishing.policy_of(session, actor, store_id)


@router.put(
    "/stores/{store_id}/stock-policy",
    summary="Set a store's listing buffers",
    description="Listed = 0 below `stop_selling_below` units available, else "
    "floor(available * `percent_of_available` / 100), capped at `max_listed`.",
    response_model=StorePolicyRead,
    responses=errors(400, 403, 404, 413, 422),
)
def set_policy(
    store_id: str,
    data: StorePolicySet,
    session: DbSession,
    actor: Principal = Depends(needs(WRITE)),
) -> StorePolicyRead:
    return StorePolicyRead.model_validate(publishing.set_policy(session, actor, store_id, data))


@router.get(
    "/stores/{store_id}/listings",
    summary="What a store should list",
    description="Per active SKU: available in every warehouse, and the quantity after the "
    "store's buffers.",
    response_model=list[ListingRead],
    responses=errors(403, 404),
)
def read_listings(
    store_id: str, session: DbSession, actor: Principal = Depends(needs(READ))
) -> list[ListingRead]:
    return [
        ListingRead(sku=x.sku, available=x.available, quantity=x.quantity)
        for x in publishing.listings(session, actor, store_id)
    ]
