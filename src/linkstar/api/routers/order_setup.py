"""What shapes incoming orders: SKU mappings (CRUD, CSV import) and order rules (CRUD, dry run).

Same tag and permissions as the orders router; registered right after it.
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Response

from linkstar.api.deps import DbSession
from linkstar.api.idempotency import Idempotent
from linkstar.api.pagination import Paging
from linkstar.api.routing import api_router, created, errors, needs
from linkstar.api.schemas import PageOf
from linkstar.orders import setup
from linkstar.orders.schemas import (
    DryRunRead,
    DryRunRequest,
    RulePatch,
    RuleRead,
    RuleWrite,
    SkuCsvRead,
    SkuCsvRequest,
    SkuMappingRead,
    SkuMappingWrite,
)
from linkstar.workspace.core import Permission, Principal

router = api_router("orders")
READ = Permission.orders_read
WRITE = Permission.orders_write

# --- SKU mappings ----------------------------------------------------------------------------


@router.get(
    "/sku-mappings",
    summary="List SKU mappings",
    response_model=PageOf[SkuMappingRead],
    responses=errors(403, 422),
)
def list_sku_mappings(
    paging: Paging, session: DbSession, actor: Principal = Depends(needs(READ))
) -> dict[str, Any]:
    page = setup.mappings_page(session, actor, paging.limit, paging.cursor)
    return paging.out(page, SkuMappingRead.model_validate)


@router.post(
    "/sku-mappings",
    summary="Create or replace a SKU mapping",
    description="One channel SKU in one scope (`store_id`, or a whole `channel`) maps to a "
    "`master_sku` or to bundle `components`. Writing the same scope and SKU again replaces it.",
    status_code=201,
    response_model=SkuMappingRead,
    responses={**created("The mapping."), **errors(400, 403, 404, 413, 422)},
)
def put_sku_mapping(
    data: SkuMappingWrite,
    session: DbSession,
    idem: Idempotent,
    actor: Principal = Depends(needs(WRITE)),
) -> SkuMappingRead:
    row, _ = setup.put_mapping(
        session,
        actor,
        channel_sku=data.channel_sku,
        master_sku=data.master_sku,
        components=[c.model_dump() for c in data.components],
        store_id=data.store_id,
        channel=data.channel,
    )
    return SkuMappingRead.model_validate(row)


@router.post(
    "/sku-mappings/import",
    summary="Import SKU mappings from CSV",
    description="Columns store,channel,channel_sku,master_sku,components (components as "
    "`SKU*2|SKU`). Bad rows are listed with row, column and reason; good rows are kept.",
    response_model=SkuCsvRead,
    responses=errors(400, 403, 409, 413, 422),
)
def import_sku_mappings(
    data: SkuCsvRequest, session: DbSession, actor: Principal = Depends(needs(WRITE))
) -> SkuCsvRead:
    result = setup.import_mappings_csv(session, actor, data.csv)
    return SkuCsvRead(created=result.created, updated=result.updated, errors=result.errors)


@router.delete(
    "/sku-mappings/{mapping_id}",
    summary="Delete a SKU mapping",
    status_code=204,
    response_class=Response,
    responses=errors(403, 404),
)
def delete_sku_mapping(
    mapping_id: str, session: DbSession, actor: Principal = Depends(needs(WRITE))
) -> Response:
    setup.delete_mapping(session, actor, mapping_id)
    return Response(status_code=204)


# --- order rules -----------------------------------------------------------------------------


@router.get(
    "/order-rules",
    summary="List order rules",
    description="In evaluation order.",
    response_model=PageOf[RuleRead],
    responses=errors(403, 422),
)
def list_order_rules(session: DbSession, actor: Principal = Depends(needs(READ))) -> dict[str, Any]:
    rows = setup.list_rules(session, actor)
    return {"items": [RuleRead.model_validate(r) for r in rows], "next_cursor": None}


@router.post(
    "/order-rules",
    summary="Create an order rule",
    description="Validated as a whole; 422 `rule_invalid` lists every problem with its JSON "
    "path. `position` (default: last) moves later rules down.",
    status_code=201,
    response_model=RuleRead,
    responses={**created("The rule."), **errors(400, 403, 413, 422)},
)
def create_order_rule(
    data: RuleWrite,
    session: DbSession,
    idem: Idempotent,
    actor: Principal = Depends(needs(WRITE)),
) -> RuleRead:
    return RuleRead.model_validate(setup.create_rule(session, actor, data.model_dump()))


@router.post(
    "/order-rules/dry-run",
    summary="Dry-run a rule",
    description="What the rule (not saved) would have done to the orders of the last `days` "
    "days (default 30). Changes nothing.",
    response_model=DryRunRead,
    responses=errors(400, 403, 413, 422),
)
def dry_run_order_rule(
    data: DryRunRequest, session: DbSession, actor: Principal = Depends(needs(READ))
) -> DryRunRead:
    body = data.model_dump(exclude={"days"})
    result = setup.dry_run(session, actor, body, data.days)
    return DryRunRead.model_validate(result, from_attributes=True)


@router.get(
    "/order-rules/{rule_id}",
    summary="Read an order rule",
    response_model=RuleRead,
    responses=errors(403, 404),
)
def read_order_rule(
    rule_id: str, session: DbSession, actor: Principal = Depends(needs(READ))
) -> RuleRead:
    return RuleRead.model_validate(setup.get_rule(session, actor, rule_id))


@router.patch(
    "/order-rules/{rule_id}",
    summary="Update an order rule",
    description="Omitted fields are left unchanged; the result is validated as a whole.",
    response_model=RuleRead,
    responses=errors(400, 403, 404, 413, 422),
)
def update_order_rule(
    rule_id: str,
    data: RulePatch,
    session: DbSession,
    actor: Principal = Depends(needs(WRITE)),
) -> RuleRead:
    changes = data.model_dump(exclude_unset=True)
    return RuleRead.model_validate(setup.update_rule(session, actor, rule_id, changes))


@router.delete(
    "/order-rules/{rule_id}",
    summary="Delete an order rule",
    status_code=204,
    response_class=Response,
    responses=errors(403, 404),
)
def delete_order_rule(
    rule_id: str, session: DbSession, actor: Principal = Depends(needs(WRITE))
) -> Response:
    setup.delete_rule(session, actor, rule_id)
    return Response(status_code=204)
