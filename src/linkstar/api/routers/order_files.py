"""Order export files: upload a marketplace's order report into one store."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool

from linkstar.api.deps import DbSession
from linkstar.api.idempotency import Idempotent
from linkstar.api.routing import api_router, created, errors, needs
from linkstar.api.uploads import read_file_form
from linkstar.kit.errors import InvalidInput
from linkstar.orders.connectors.presets import PRESETS
from linkstar.orders.files import import_file
from linkstar.orders.schemas import FileImportRead
from linkstar.workspace.core import Permission, Principal

router = api_router("orders")

_UPLOAD_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file", "store_id", "preset"],
                "properties": {
                    "file": {"type": "string", "format": "binary"},
                    "store_id": {"type": "string"},
                    "preset": {"type": "string", "enum": sorted(PRESETS)},
                },
            }
        }
    },
}


async def _form(request: Request) -> tuple[str, bytes, str, str]:
    filename, data, form = await read_file_form(request, "the export")
    values = {}
    for name in ("store_id", "preset"):
        value = form.get(name)
        if not isinstance(value, str) or not value.strip():
            raise InvalidInput(f"the `{name}` field is required", {"field": name})
        values[name] = value.strip()
    return filename, data, values["store_id"], values["preset"]


@router.post(
    "/orders/import-file",
    summary="Import an order export file",
    description="Multipart upload of a marketplace order export (CSV/TSV/TXT or XLSX) with a "
    "column preset (`amazon`, `shopify`, `ebay`, `tiktok`, `walmart`, `linkstar`; "
    "docs/formats/channels.md). A bad row rejects only its own order and is listed in "
    "`row_errors` with row, column and reason; the other orders are imported. Idempotent by "
    "(store, external_id): re-uploading the same file creates nothing.",
    status_code=201,
    response_model=FileImportRead,
    responses={**created("What the import did."), **errors(400, 403, 404, 413, 422)},
    openapi_extra={"requestBody": _UPLOAD_BODY},
)
async def import_order_file(
    request: Request,
    session: DbSession,
    idem: Idempotent,
    actor: Principal = Depends(needs(Permission.orders_write)),
) -> FileImportRead:
    """Parse the file with the preset and ingest the good orders."""
    filename, data, store_id, preset = await _form(request)

    def run() -> FileImportRead:
        result = import_file(session, actor, store_id, data, filename, preset)
        return FileImportRead.model_validate(
            {**result.as_json(), "order_ids": result.report.order_ids}
        )

    return await run_in_threadpool(run)
