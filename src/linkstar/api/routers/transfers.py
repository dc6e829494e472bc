"""Stock movements between and into warehouses: transfers (create, dispatch, receive, cancel)
and returns received against an order."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from linkstar.api.deps import DbSession
from linkstar.api.idempotency import Idempotent
from linkstar.api.pagination import Paging
from linkstar.api.routing import api_router, created, errors, needs
from linkstar.api.schemas import PageOf
from linkstar.inventory import transfers
from linkstar.inventory.core import TransferStatus
from linkstar.inventory.schemas import (
    ReturnCreate,
    ReturnRead,
    TransferCancel,
    TransferCreate,
    TransferRead,
    TransferReceive,
)
from linkstar.orders import returns
from linkstar.workspace.core import Permission, Principal

router = api_router("transfers")
READ = Permission.inventory_read
WRITE = Permission.inventory_write


@router.get(
    "/transfers",
    summary="List transfers",
    description="Newest first, with lines; optionally only one status.",
    response_model=PageOf[TransferRead],
    responses=errors(403, 422),
)
def list_transfers(
    paging: Paging,
    session: DbSession,
    status: Annotated[TransferStatus | None, Query(description="Only this status.")] = None,
    actor: Principal = Depends(needs(READ)),
) -> dict[str, object]:
    page = transfers.page(
        session, actor, paging.limit, paging.cursor, status.value if status else None
    )
    return paging.out(page, lambda row: transfers.read(session, actor, row))


@router.post(
    "/transfers",
    summary="Plan a transfer",
    description="A draft moving SKU quantities from one warehouse (`from_warehouse`, a code) to "
    "another; nothing moves until it is dispatched. `reference` is unique (409 when taken).",
    status_code=201,
    response_model=TransferRead,
    responses={**created("The draft transfer."), **errors(400, 403, 404, 409, 413, 422)},
)
def create_transfer(
    data: TransferCreate,
    session: DbSession,
    idem: Idempotent,
    actor: Principal = Depends(needs(WRITE)),
) -> TransferRead:
    return transfers.read(session, actor, transfers.create(session, actor, data))


@router.get(
    "/transfers/{transfer_id}",
    summary="Read a transfer",
    response_model=TransferRead,
    responses=errors(403, 404),
)
def read_transfer(
    transfer_id: str, session: DbSession, actor: Principal = Depends(needs(READ))
) -> TransferRead:
    return transfers.read(session, actor, transfers.get(session, actor, transfer_id))


@router.post(
    "/transfers/{transfer_id}/dispatch",
    summary="Dispatch a transfer",
    description="The units leave the origin (`transfer_out` ledger entries) and count as "
    "inbound at the destination. Refused (422, nothing written) when the origin does not hold "
    "them on hand beyond what is reserved for orders; 409 unless the transfer is a draft.",
    response_model=TransferRead,
    responses=errors(403, 404, 409, 422),
)
def dispatch_transfer(
    transfer_id: str, session: DbSession, actor: Principal = Depends(needs(WRITE))
) -> TransferRead:
    return transfers.read(session, actor, transfers.dispatch(session, actor, transfer_id))


@router.post(
    "/transfers/{transfer_id}/receive",
    summary="Receive a transfer",
    description="Books arrived units at the destination (`transfer_in`). Without lines, every "
    "unit still on the way; with lines, a partial receipt. More than is on the way is refused "
    "(422, nothing written). The last receipt marks the transfer received.",
    response_model=TransferRead,
    responses=errors(400, 403, 404, 409, 413, 422),
)
def receive_transfer(
    transfer_id: str,
    data: TransferReceive,
    session: DbSession,
    actor: Principal = Depends(needs(WRITE)),
) -> TransferRead:
    requested: dict[str, int] = {}
    for line in data.lines:
        requested[line.sku] = requested.get(line.sku, 0) + line.quantity
    row = transfers.receive(session, actor, transfer_id, requested or None)
    return transfers.read(session, actor, row)


@router.post(
    "/transfers/{transfer_id}/cancel",
    summary="Cancel a transfer",
    description="A draft is dropped; units of a transfer in transit that have not arrived are "
    "booked back at the origin (`transfer_in`). 409 once received or cancelled.",
    response_model=TransferRead,
    responses=errors(400, 403, 404, 409, 413, 422),
)
def cancel_transfer(
    transfer_id: str,
    data: TransferCancel,
    session: DbSession,
    actor: Principal = Depends(needs(WRITE)),
) -> TransferRead:
    return transfers.read(session, actor, transfers.cancel(session, actor, transfer_id, data.note))


@router.get(
    "/orders/{order_id}/returns",
    summary="Returns of an order",
    response_model=list[ReturnRead],
    responses=errors(403, 404),
)
def list_returns(
    order_id: str,
    session: DbSession,
    actor: Principal = Depends(needs(Permission.orders_read)),
) -> list[ReturnRead]:
    return returns.returns_of(session, actor, order_id)


@router.post(
    "/orders/{order_id}/returns",
    summary="Receive a return",
    description="Units of a shipped order that came back to a warehouse: `restock` lines go "
    "back on hand (`return` ledger entries), `write_off` lines are booked in and written off. "
    "The order becomes `returned`. The same `reference` (return id) again changes nothing and "
    "answers the booked return with `created: false`. More units than the order shipped, less "
    "earlier returns, are refused (422).",
    status_code=201,
    response_model=ReturnRead,
    responses={**created("The return."), **errors(400, 403, 404, 409, 413, 422)},
)
def receive_return(
    order_id: str,
    data: ReturnCreate,
    session: DbSession,
    idem: Idempotent,
    actor: Principal = Depends(needs(Permission.orders_write)),
) -> ReturnRead:
    return returns.receive_return(session, actor, order_id, data)
