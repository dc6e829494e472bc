"""Rate cards and quotes: versions of carriers' cards, imports, one-parcel quotes."""

from __future__ import annotations

from datetime import date

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool

from linkstar.api.deps import DbSession
from linkstar.api.idempotency import Idempotent
from linkstar.api.pagination import Paging
from linkstar.api.routing import api_router, created, errors, needs
from linkstar.api.schemas import PageOf
from linkstar.api.uploads import read_file_form, upload_body
from linkstar.kit.clock import utcnow
from linkstar.kit.errors import InvalidInput
from linkstar.rating import service
from linkstar.rating.cells import format_money
from linkstar.rating.core import Ineligible, Parcel
from linkstar.rating.models import RateCardVersion
from linkstar.rating.schemas import (
    EligibleRead,
    IneligibleRead,
    QuoteLineRead,
    QuoteRead,
    QuoteRequest,
    RateCardRead,
)
from linkstar.rating.sheets import read_upload
from linkstar.workspace import repository as repo
from linkstar.workspace.core import Permission, Principal

router = api_router("rating")
READ = Permission.routing_read
MANAGE = Permission.routing_manage


def render(row: RateCardVersion) -> RateCardRead:
    """The public view of a rate card version."""
    return RateCardRead.model_validate(row)


@router.get(
    "/rate-cards",
    summary="List rate card versions",
    description="Every stored version of every card, newest first.",
    response_model=PageOf[RateCardRead],
    responses=errors(403, 422),
)
def list_rate_cards(
    paging: Paging, session: DbSession, actor: Principal = Depends(needs(READ))
) -> dict[str, object]:
    """A page of the organisation's rate card versions."""
    return paging.out(service.versions_page(session, actor, paging.limit, paging.cursor), render)


_UPLOAD_BODY = upload_body(
    "The .xlsx workbook or .zip of CSV files.",
    name={"type": "string", "maxLength": 120, "description": "Card name (default: the carrier)."},
    effective_from={
        "type": "string",
        "format": "date",
        "description": "First day of this version (default: the earliest service start, else "
        "today).",
    },
)


async def _form(request: Request) -> tuple[str, bytes, str | None, date | None]:
    filename, data, form = await read_file_form(request, "the card")
    name = form.get("name")
    if name is not None and (not isinstance(name, str) or len(name) > 120):
        raise InvalidInput("name must be text of at most 120 characters", {"field": "name"})
    start = form.get("effective_from")
    try:
        day = date.fromisoformat(start) if isinstance(start, str) and start else None
    except ValueError:
        raise InvalidInput(
            "effective_from must be a date (YYYY-MM-DD)", {"field": "effective_from"}
        ) from None
    return filename, data, name or None, day


@router.post(
    "/rate-cards/import",
    summary="Import a rate card",
    description="Multipart upload of one `.xlsx` workbook (a sheet per table) or a `.zip` of "
    "CSV files, in the format of `docs/formats/rate-cards.md`. A card with any problem is "
    "refused with 422 `rate_card_rejected` whose `details.errors` lists every problem "
    "(source, row, column, reason) and nothing is stored. An accepted card becomes the next "
    "version of (carrier, name) and closes the previous version the day before it starts. "
    "With `Idempotency-Key`, a retry must send the same bytes (multipart boundary included).",
    status_code=201,
    response_model=RateCardRead,
    responses={**created("The new version."), **errors(400, 403, 409, 413, 422)},
    openapi_extra={"requestBody": _UPLOAD_BODY},
)
async def import_rate_card(
    request: Request,
    session: DbSession,
    idem: Idempotent,
    actor: Principal = Depends(needs(MANAGE)),
) -> RateCardRead:
    """Validate and store an uploaded card."""
    filename, data, name, start = await _form(request)

    def run() -> RateCardRead:
        book = read_upload(filename, data)
        return render(
            service.import_workbook(session, actor, book, name=name, effective_from=start)
        )

    return await run_in_threadpool(run)


@router.get(
    "/rate-cards/{rate_card_id}",
    summary="Read a rate card version",
    response_model=RateCardRead,
    responses=errors(403, 404),
)
def read_rate_card(
    rate_card_id: str, session: DbSession, actor: Principal = Depends(needs(READ))
) -> RateCardRead:
    """One rate card version."""
    return render(service.get_version(session, actor, rate_card_id))


def _parcel(session: DbSession, actor: Principal, data: QuoteRequest) -> Parcel:
    if data.warehouse:
        warehouse = repo.WarehouseRepository(session, actor.organisation_id).find(
            code=data.warehouse.strip().upper()
        )
        if warehouse is None:
            raise InvalidInput(f"no warehouse {data.warehouse!r}", {"field": "warehouse"})
        origin_country, origin_postcode = warehouse.country, warehouse.postcode
    elif data.origin_country and data.origin_postcode:
        origin_country, origin_postcode = data.origin_country, data.origin_postcode
    else:
        raise InvalidInput(
            "give a warehouse, or origin_country and origin_postcode", {"field": "warehouse"}
        )
    try:
        return Parcel(
            weight_g=data.weight_g,
            length_mm=data.length_mm,
            width_mm=data.width_mm,
            height_mm=data.height_mm,
            origin_country=origin_country.upper(),
            origin_postcode=origin_postcode,
            dest_country=data.dest_country.upper(),
            dest_postcode=data.dest_postcode,
            ship_date=data.ship_date or utcnow().date(),
            residential=data.residential,
            signature=data.signature,
            ddp=data.ddp,
            po_box=data.po_box,
            military=data.military,
            contents=frozenset(c.strip().lower() for c in data.contents),
            declared_value=data.declared_value,
            declared_currency=data.declared_currency.upper(),
        )
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None


@router.post(
    "/quotes",
    summary="Quote a parcel",
    description="Prices one parcel with every service of every rate card in force on the ship "
    "date: the eligible services cheapest first with every line of their price, then the "
    "services that refuse the parcel with every reason. Changes nothing.",
    response_model=QuoteRead,
    responses=errors(400, 403, 413, 422),
)
def quote(
    data: QuoteRequest, session: DbSession, actor: Principal = Depends(needs(READ))
) -> QuoteRead:
    """Price one parcel with every service in force."""
    parcel = _parcel(session, actor, data)
    eligible: list[EligibleRead] = []
    ineligible: list[IneligibleRead] = []
    for found in service.quote(session, actor, parcel):
        result = found.result
        if isinstance(result, Ineligible):
            ineligible.append(
                IneligibleRead(
                    rate_card_id=found.card.id,
                    carrier=result.carrier,
                    service_id=result.service_id,
                    service_name=found.service_name,
                    reasons=[r.value for r in result.reasons],
                    details=list(result.details),
                )
            )
        else:
            eligible.append(
                EligibleRead(
                    rate_card_id=found.card.id,
                    carrier=result.carrier,
                    service_id=result.service_id,
                    service_name=found.service_name,
                    currency=result.currency,
                    zone=result.zone,
                    actual_weight_g=result.actual_weight_g,
                    dimensional_weight_g=result.dimensional_weight_g,
                    billable_weight_g=result.billable_weight_g,
                    lines=[QuoteLineRead(code=x.code, amount=x.amount) for x in result.lines],
                    total=result.total,
                    total_text=format_money(result.total, result.currency),
                )
            )
    eligible.sort(key=lambda q: (q.currency, q.total, q.service_id))
    return QuoteRead(ship_date=parcel.ship_date, eligible=eligible, ineligible=ineligible)
