"""Orders: the order hub's orders (import, pipeline steps, holds, state changes) and dead letters.

SKU mappings and order rules, which shape incoming orders, are in `order_setup`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Depends, Query

from linkstar.api.deps import DbSession
from linkstar.api.idempotency import Idempotent
from linkstar.api.pagination import Paging
from linkstar.api.routing import api_router, created, errors, needs
from linkstar.api.schemas import PageOf
from linkstar.kit.errors import InvalidInput
from linkstar.kit.pagination import Page
from linkstar.orders import flow, service
from linkstar.orders.ingest import IngestReport
from linkstar.orders.models import Order
from linkstar.orders.schemas import (
    DeadLetterDetailRead,
    DeadLetterRead,
    HoldRequest,
    ImportReportRead,
    ImportRequest,
    NoteRequest,
    OrderDetailRead,
    OrderEventRead,
    OrderLineRead,
    OrderPage,
    OrderPayloadRead,
    OrderRead,
    ReleaseRequest,
    RetryRead,
    StepReportRead,
    StepRequest,
    TransitionRequest,
)
from linkstar.workspace.core import Permission, Principal

router = api_router("orders")
READ = Permission.orders_read
WRITE = Permission.orders_write


def report_read(report: IngestReport) -> ImportReportRead:
    """The public view of an import report."""
    return ImportReportRead.model_validate({**report.as_json(), "order_ids": report.order_ids})


def detail_read(detail: service.OrderDetail) -> OrderDetailRead:
    base = OrderRead.model_validate(detail.order).model_dump()
    o = detail.order
    return OrderDetailRead(
        **base,
        buyer_phone=o.buyer_phone,
        ship_company=o.ship_company,
        ship_line1=o.ship_line1,
        ship_line2=o.ship_line2,
        ship_phone=o.ship_phone,
        address_flags=o.address_flags,
        subtotal=o.subtotal,
        shipping=o.shipping,
        tax=o.tax,
        discount=o.discount,
        split_plan=o.split_plan,
        lines=[OrderLineRead.model_validate(x) for x in detail.lines],
        timeline=[OrderEventRead.model_validate(x) for x in detail.events],
        payloads=[OrderPayloadRead.model_validate(x) for x in detail.payloads],
    )


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    if not cursor.isdigit():
        raise InvalidInput("malformed cursor", {"field": "cursor"})
    return int(cursor)


@router.get(
    "/orders",
    summary="List orders",
    description="Newest first. Filters: `state`, `store_id`, `channel`, `held`, and `q` "
    "(part of the external number or id, buyer name or e-mail, ship-to name).",
    response_model=OrderPage,
    responses=errors(403, 422),
)
def list_orders(
    paging: Paging,
    session: DbSession,
    actor: Principal = Depends(needs(READ)),
    state: Annotated[str | None, Query(max_length=20)] = None,
    store_id: Annotated[str | None, Query(max_length=32)] = None,
    channel: Annotated[str | None, Query(max_length=20)] = None,
    held: bool | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> dict[str, Any]:
    """A page of orders matching the filters."""
    filters = service.OrderFilters(state, store_id, channel, held, q)
    offset = _offset(paging.cursor)
    rows, total = service.list_orders(session, actor, filters, paging.limit, offset)
    more = offset + len(rows) < total
    page = Page(rows, str(offset + len(rows)) if more else None)
    return paging.out(page, OrderRead.model_validate) | {"total": total}


@router.post(
    "/orders/import",
    summary="Import canonical orders",
    description="Orders in LinkStar's canonical JSON (docs/orders.md) for one store, up to "
    "1,000 per request. Idempotent by (store, external_id): the copy with the highest "
    "`version` wins, older copies are kept as payloads only. An item that does not parse is "
    "kept as a dead letter and reported in `errors`; the other items are imported.",
    status_code=201,
    response_model=ImportReportRead,
    responses={**created("What the import did."), **errors(400, 403, 404, 413, 422)},
)
def import_orders(
    data: ImportRequest,
    session: DbSession,
    idem: Idempotent,
    actor: Principal = Depends(needs(WRITE)),
) -> ImportReportRead:
    """Create or update orders from canonical JSON."""
    report = service.import_items(session, actor, data.store_id, data.orders, data.source)
    return report_read(report)


@router.post(
    "/orders/allocate",
    summary="Allocate stock to checked orders",
    description="Reserves stock (inventory allocation, all or nothing per order) for checked "
    "orders that are not held: each becomes `allocated` with its picks on the timeline, or is "
    "held with reason `stock` and the shortfall. The same step runs as job `orders.allocate` "
    "after every import.",
    response_model=StepReportRead,
    responses=errors(403, 413, 422),
)
def allocate_orders(
    data: StepRequest, session: DbSession, actor: Principal = Depends(needs(WRITE))
) -> StepReportRead:
    report = flow.allocate_orders(session, actor, data.order_ids)
    return StepReportRead(advanced=report.advanced, held=report.held)


@router.post(
    "/orders/route",
    summary="Route allocated orders to a carrier service",
    description="Builds a parcel per allocated, unheld order (origin = its warehouse, weight "
    "and size from the SKUs) and routes it with the workspace's rate cards and policies: "
    "`routed` with the decision id on the timeline, or held with reason `routing` and the "
    "reason codes. Runs as job `orders.route` after allocation.",
    response_model=StepReportRead,
    responses=errors(403, 413, 422),
)
def route_orders(
    data: StepRequest, session: DbSession, actor: Principal = Depends(needs(WRITE))
) -> StepReportRead:
    report = flow.route_orders(session, actor, data.order_ids)
    return StepReportRead(advanced=report.advanced, held=report.held)


@router.get(
    "/orders/dead-letters",
    summary="List dead letters",
    description="Payloads that could not become orders, newest first; `state` is open, "
    "retried or discarded.",
    response_model=PageOf[DeadLetterRead],
    responses=errors(403, 422),
)
def list_dead_letters(
    paging: Paging,
    session: DbSession,
    actor: Principal = Depends(needs(READ)),
    state: Literal["open", "retried", "discarded"] | None = None,
) -> dict[str, Any]:
    page = service.list_dead_letters(session, actor, state, paging.limit, paging.cursor)
    return paging.out(page, DeadLetterRead.model_validate)


@router.get(
    "/orders/dead-letters/{dead_letter_id}",
    summary="Read a dead letter",
    description="With the raw payload as received.",
    response_model=DeadLetterDetailRead,
    responses=errors(403, 404),
)
def read_dead_letter(
    dead_letter_id: str, session: DbSession, actor: Principal = Depends(needs(READ))
) -> DeadLetterDetailRead:
    return DeadLetterDetailRead.model_validate(
        service.get_dead_letter(session, actor, dead_letter_id)
    )


@router.post(
    "/orders/dead-letters/{dead_letter_id}/retry",
    summary="Retry a dead letter",
    description="Parses the payload again (canonical JSON) and imports it. A retry that fails "
    "again leaves the dead letter open with the new error and creates nothing.",
    response_model=RetryRead,
    responses=errors(403, 404, 409),
)
def retry_dead_letter(
    dead_letter_id: str, session: DbSession, actor: Principal = Depends(needs(WRITE))
) -> RetryRead:
    result = service.retry_dead_letter(session, actor, dead_letter_id)
    return RetryRead(
        dead_letter=DeadLetterRead.model_validate(result.dead_letter),
        succeeded=result.error is None,
        error=result.error,
        report=None if result.report is None else report_read(result.report),
    )


@router.post(
    "/orders/dead-letters/{dead_letter_id}/discard",
    summary="Discard a dead letter",
    description="Marks it discarded (it is kept for the record).",
    response_model=DeadLetterRead,
    responses=errors(403, 404, 409),
)
def discard_dead_letter(
    dead_letter_id: str, session: DbSession, actor: Principal = Depends(needs(WRITE))
) -> DeadLetterRead:
    return DeadLetterRead.model_validate(
        service.discard_dead_letter(session, actor, dead_letter_id)
    )


@router.get(
    "/orders/{order_id}",
    summary="Read an order",
    description="With its lines, timeline (imports, address checks, rule applications, holds, "
    "state changes) and raw payloads.",
    response_model=OrderDetailRead,
    responses=errors(403, 404),
)
def read_order(
    order_id: str, session: DbSession, actor: Principal = Depends(needs(READ))
) -> OrderDetailRead:
    return detail_read(service.get_order(session, actor, order_id))


def _read(order: Order) -> OrderRead:
    return OrderRead.model_validate(order)


@router.post(
    "/orders/{order_id}/hold",
    summary="Hold an order",
    description="Adds a hold with a reason (one per reason; holding twice changes nothing).",
    response_model=OrderRead,
    responses=errors(403, 404, 409, 413, 422),
)
def hold_order(
    order_id: str,
    data: HoldRequest,
    session: DbSession,
    actor: Principal = Depends(needs(WRITE)),
) -> OrderRead:
    return _read(service.hold(session, actor, order_id, data.reason, data.detail))


@router.post(
    "/orders/{order_id}/release",
    summary="Release a hold",
    description="Releases the hold with `reason`, or every hold when it is omitted (audited).",
    response_model=OrderRead,
    responses=errors(403, 404, 409, 413, 422),
)
def release_order(
    order_id: str,
    data: ReleaseRequest,
    session: DbSession,
    actor: Principal = Depends(needs(WRITE)),
) -> OrderRead:
    return _read(service.release_hold(session, actor, order_id, data.reason, data.note))


@router.post(
    "/orders/{order_id}/cancel",
    summary="Cancel an order",
    description="Only before it ships (409 otherwise).",
    response_model=OrderRead,
    responses=errors(403, 404, 409, 413, 422),
)
def cancel_order(
    order_id: str,
    data: NoteRequest,
    session: DbSession,
    actor: Principal = Depends(needs(WRITE)),
) -> OrderRead:
    return _read(service.cancel(session, actor, order_id, data.note))


@router.post(
    "/orders/{order_id}/transition",
    summary="Move an order to another state",
    description="Along the state machine of docs/orders.md; a held order does not advance.",
    response_model=OrderRead,
    responses=errors(403, 404, 409, 413, 422),
)
def transition_order(
    order_id: str,
    data: TransitionRequest,
    session: DbSession,
    actor: Principal = Depends(needs(WRITE)),
) -> OrderRead:
    return _read(service.change_state(session, actor, order_id, data.state, data.note))
