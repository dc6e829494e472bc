"""Tracking hub: shipments and their timelines, event ingestion, exceptions, lane statistics."""

from __future__ import annotations

from typing import Any

from fastapi import Body, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool

from linkstar.api.deps import DbSession, get_box
from linkstar.api.idempotency import Idempotent
from linkstar.api.pagination import Paging
from linkstar.api.routing import api_router, created, errors, needs
from linkstar.api.schemas import PageOf
from linkstar.api.uploads import read_file_form, upload_body
from linkstar.kit.clock import utcnow
from linkstar.kit.crypto import SecretBox
from linkstar.tracking import (
    aliases,
    carrier_correction,
    estimate_check,
    exception_queue,
    file_import,
    intake,
    notify,
    rules,
    shipments,
    statistics,
    sweep,
)
from linkstar.tracking.models import Shipment
from linkstar.tracking.schemas import (
    AliasRead,
    CarrierCorrection,
    CorrectionRead,
    DetectRead,
    EstimateCheckRead,
    EtaRead,
    EventBatch,
    EventRead,
    EventsFileRead,
    ExceptionAction,
    ExceptionActionResult,
    ExceptionRead,
    IngestRead,
    LaneRead,
    NotificationTargetCreate,
    NotificationTargetRead,
    ShipmentCreate,
    ShipmentDetail,
    ShipmentRead,
    SweepRead,
)
from linkstar.workspace.core import Permission, Principal

router = api_router("tracking")
READ = Permission.tracking_read
WRITE = Permission.tracking_write


def render(row: Shipment) -> ShipmentRead:
    """The public view of a shipment."""
    return ShipmentRead.model_validate(row)


@router.get(
    "/shipments",
    summary="List shipments",
    description="Newest first. Filters: `status` (normalised status), `carrier`, and `q`, a "
    "prefix of the tracking number or of the order reference.",
    response_model=PageOf[ShipmentRead],
    responses=errors(403, 422),
)
def list_shipments(
    paging: Paging,
    session: DbSession,
    status: str | None = Query(None, max_length=24),
    carrier: str | None = Query(None, max_length=40),
    q: str | None = Query(None, max_length=120),
    actor: Principal = Depends(needs(READ)),
) -> dict[str, object]:
    """A page of shipments."""
    page = shipments.shipments_page(
        session, actor, paging.limit, paging.cursor, status=status, carrier=carrier, q=q
    )
    return paging.out(page, render)


@router.post(
    "/shipments",
    summary="Register a shipment",
    description="Follow a tracking number. Without `carrier`, the carrier is detected from the "
    "number (422 when it cannot be). Registering a known (carrier, number) again updates its "
    "order facts (service, order reference, warehouse, destination, promise) and returns it; "
    "a (carrier, number) a carrier correction left (see `aliases` on the shipment) returns the "
    "corrected shipment, without the old carrier's service.",
    status_code=201,
    response_model=ShipmentRead,
    responses={**created("The shipment."), **errors(400, 403, 413, 422)},
)
def create_shipment(
    data: ShipmentCreate,
    session: DbSession,
    idem: Idempotent,
    actor: Principal = Depends(needs(WRITE)),
) -> ShipmentRead:
    """Register one tracking number."""
    return render(shipments.register_shipments(session, actor, [data])[0])


@router.patch(
    "/shipments/{shipment_id}",
    summary="Correct a shipment's carrier",
    description="Sets the carrier (a known code: 422 otherwise) and the service (cleared when "
    "not given). Events told in the old carrier's own codes are normalised again with the new "
    "carrier's table, the status is derived again, and the shipment is polled again when the "
    "workspace has an account for the carrier (`refetch`). 409 names the shipment already "
    "followed under that carrier; the same carrier changes nothing.",
    response_model=CorrectionRead,
    responses=errors(400, 403, 404, 409, 413, 422),
)
def correct_shipment(
    shipment_id: str,
    data: CarrierCorrection,
    session: DbSession,
    actor: Principal = Depends(needs(WRITE)),
) -> CorrectionRead:
    """Correct the carrier of one shipment."""
    done = carrier_correction.correct_carrier(
        session, actor, shipment_id, data.carrier, data.service
    )
    return CorrectionRead(
        **render(done.shipment).model_dump(),
        previous_carrier=done.previous_carrier,
        events_remapped=done.events_remapped,
        events_merged=done.events_merged,
        exceptions_resolved=done.exceptions_resolved,
        refetch=done.refetch,
        job_id=done.job_id,
    )


@router.get(
    "/shipments/{shipment_id}",
    summary="Read a shipment with its timeline",
    description="The shipment, its events in event-time order (normalised status beside the "
    "carrier's raw code and text), its exceptions and its `aliases`: the (carrier, number) keys "
    "it had before carrier corrections, which later updates may name.",
    response_model=ShipmentDetail,
    responses=errors(403, 404),
)
def read_shipment(
    shipment_id: str, session: DbSession, actor: Principal = Depends(needs(READ))
) -> ShipmentDetail:
    """One shipment, its timeline and its exceptions."""
    row = shipments.get_shipment(session, actor, shipment_id)
    events = shipments.stored_events(session, row.id)
    eta = shipments.shipment_eta(session, row)
    return ShipmentDetail(
        shipment=render(row),
        eta=EtaRead(**eta) if eta else None,
        timeline=[EventRead.model_validate(e) for e in events],
        exceptions=[
            ExceptionRead.model_validate(x)
            for x in exception_queue.shipment_exceptions(session, actor, row.id)
        ],
        aliases=[
            AliasRead(carrier=carrier, tracking_number=number)
            for carrier, number in aliases.aliases_of(session, actor.organisation_id, row.id)
        ],
    )


@router.post(
    "/tracking/events",
    summary="Ingest a batch of tracking events",
    description="Updates in the JSON shape of `TrackingUpdate` (docs/tracking.md). Each event "
    "is normalised with the mapping tables; repeated events are dropped; shipments are created "
    "when unknown; status is re-derived from all stored events. A bad update is listed in "
    "`rejected` and the good ones are kept.",
    response_model=IngestRead,
    responses=errors(400, 403, 413, 422),
)
def ingest_events(
    data: EventBatch, session: DbSession, actor: Principal = Depends(needs(WRITE))
) -> dict[str, Any]:
    """Store a batch of events."""
    return intake.ingest_batch(session, actor, data).as_dict()


@router.post(
    "/tracking/events/import-file",
    summary="Import an events file",
    description="Multipart upload (`file`) of tracking events as CSV (`.csv`) or JSON lines "
    "(`.jsonl`, `.ndjson`), one event per row: tracking_number, carrier, event_time, raw_code, "
    "raw_description, city, state, postcode, country (docs/formats/tracking.md §8). A bad row "
    "is listed in `row_errors` with row, column and reason and the good rows are stored; "
    "events already stored are counted in `duplicates`, so uploading a file again stores "
    "nothing new. 422 refuses the whole file, writing nothing: no file, an empty file, another "
    "extension, text that is not UTF-8, a missing or unknown column, a NUL character; 413 a "
    "body over 1 MiB (larger files: `linkstar track ingest FILE`).",
    response_model=EventsFileRead,
    responses=errors(400, 403, 413, 422),
    openapi_extra={"requestBody": upload_body("The events file (.csv, .jsonl or .ndjson).")},
)
async def import_events_file(
    request: Request, session: DbSession, actor: Principal = Depends(needs(WRITE))
) -> dict[str, Any]:
    """Parse the file and store its good rows."""
    filename, data, _form = await read_file_form(request, "the events file")

    def run() -> dict[str, Any]:
        return file_import.import_events_file(session, actor, data, filename).as_json()

    return await run_in_threadpool(run)


@router.get(
    "/tracking/detect",
    summary="Detect the carrier of a tracking number",
    description="Candidates best first, each with its format, confidence and check-digit "
    "verdict. Reads nothing stored.",
    response_model=DetectRead,
    responses=errors(403, 422),
)
def detect_carrier(
    number: str = Query(..., min_length=1, max_length=80),
    actor: Principal = Depends(needs(READ)),
) -> DetectRead:
    """Carrier candidates of a number."""
    return DetectRead(number=number, candidates=intake.detect(number))


@router.get(
    "/tracking/exceptions",
    summary="The exceptions queue",
    description="Newest first; filter by `state` (open, acknowledged, resolved) and `kind` "
    "(an exception kind; 422 for an unknown state or kind).",
    response_model=PageOf[ExceptionRead],
    responses=errors(403, 422),
)
def list_exceptions(
    paging: Paging,
    session: DbSession,
    state: str | None = Query(None, max_length=16),
    kind: str | None = Query(None, max_length=32),
    actor: Principal = Depends(needs(READ)),
) -> dict[str, object]:
    """A page of exceptions."""
    page = exception_queue.exceptions_page(
        session, actor, paging.limit, paging.cursor, state=state, kind=kind
    )
    return paging.out(page, ExceptionRead.model_validate)


@router.post(
    "/tracking/exceptions/actions",
    summary="Acknowledge, resolve or assign exceptions in bulk",
    description="Exceptions in a state the action does not apply to, or unknown ids, are "
    "listed in `skipped` with the reason; the others change. `assign` sets `owner_user_id` "
    "(omitted: unassigned), which must be an active user of the workspace (422 otherwise, "
    "nothing changed).",
    response_model=ExceptionActionResult,
    responses=errors(400, 403, 413, 422),
)
def act_on_exceptions(
    data: ExceptionAction, session: DbSession, actor: Principal = Depends(needs(WRITE))
) -> ExceptionActionResult:
    """One action on many exceptions."""
    result = exception_queue.act_on_exceptions(
        session, actor, data.ids, data.action, data.owner_user_id
    )
    return ExceptionActionResult(changed=result.changed, skipped=result.skipped)


@router.post(
    "/tracking/sweep",
    summary="Run the exception sweep now",
    description="What the hourly job does: opens and resolves exceptions by the workspace's "
    "rules and suspends disrupted carriers. Running it twice changes nothing the second time.",
    response_model=SweepRead,
    responses=errors(403),
)
def run_sweep(session: DbSession, actor: Principal = Depends(needs(WRITE))) -> dict[str, Any]:
    """Sweep the actor's organisation."""
    return sweep.sweep(session, actor.organisation_id).as_dict()


@router.get(
    "/tracking/rules",
    summary="Read the exception rules",
    description="The workspace's rules (the defaults until it sets its own).",
    responses=errors(403),
)
def read_rules(session: DbSession, actor: Principal = Depends(needs(READ))) -> dict[str, Any]:
    """The rules as JSON."""
    return rules.get_rules(session, actor).model_dump(mode="json")


@router.put(
    "/tracking/rules",
    summary="Replace the exception rules",
    description="Validated as a whole (the `owners` and `default_owner_user_id` must be "
    "active users of the workspace); 422 lists every problem and nothing is stored.",
    responses=errors(400, 403, 413, 422),
)
def replace_rules(
    session: DbSession,
    data: dict[str, Any] = Body(...),
    actor: Principal = Depends(needs(WRITE)),
) -> dict[str, Any]:
    """Store new rules."""
    return rules.set_rules(session, actor, data).model_dump(mode="json")


@router.get(
    "/tracking/stats",
    summary="Lane transit statistics",
    description="Per carrier service x lane: p50/p90/p95 transit days, on-time and success "
    "rates, shrunk toward the carrier x country row (`level` = country) with a confidence.",
    response_model=PageOf[LaneRead],
    responses=errors(403, 422),
)
def list_stats(
    session: DbSession,
    carrier: str | None = Query(None, max_length=40),
    actor: Principal = Depends(needs(READ)),
) -> dict[str, object]:
    """Every stored lane row (one page: lanes are few)."""
    actor.require(READ)
    rows = statistics.lanes(
        session, actor.organisation_id, carrier.strip().lower() if carrier else None
    )
    return {"items": [LaneRead.model_validate(r) for r in rows], "next_cursor": None}


@router.get(
    "/tracking/estimate-check",
    summary="Check the delivery estimates on later deliveries",
    description="Fits the lane figures on the shipments finished in the 180 days before `split` "
    "and scores the p50/p90 estimates they give the parcels that started on or after it and "
    "have been delivered since: overall and per carrier. `split`: an ISO 8601 date or time "
    "(UTC without an offset); 30 days ago when omitted.",
    response_model=EstimateCheckRead,
    responses=errors(403, 422),
)
def check_estimates(
    session: DbSession,
    split: str | None = Query(None, max_length=40, examples=["2026-10-01"]),
    actor: Principal = Depends(needs(READ)),
) -> dict[str, object]:
    at = estimate_check.split_of(split, utcnow())
    return estimate_check.check_estimates(session, actor, at).as_dict()


@router.get(
    "/tracking/notification-targets",
    summary="List alert targets",
    response_model=PageOf[NotificationTargetRead],
    responses=errors(403),
)
def list_targets(
    session: DbSession,
    box: SecretBox = Depends(get_box),
    actor: Principal = Depends(needs(READ)),
) -> dict[str, object]:
    """The workspace's Apprise targets, URLs masked."""
    rows = notify.notification_targets(session, actor)
    return {"items": [notify.target_view(r, box) for r in rows], "next_cursor": None}


@router.post(
    "/tracking/notification-targets",
    summary="Add an alert target",
    description="An Apprise URL (mailto://, slack://, json://, dingtalk://, ...), stored "
    "encrypted; new exceptions of `kinds` (all when empty) are sent to it.",
    status_code=201,
    response_model=NotificationTargetRead,
    responses={**created("The target."), **errors(400, 403, 413, 422)},
)
def add_target(
    data: NotificationTargetCreate,
    session: DbSession,
    idem: Idempotent,
    box: SecretBox = Depends(get_box),
    actor: Principal = Depends(needs(WRITE)),
) -> dict[str, Any]:
    """Store one target."""
    kinds = [k.value for k in data.kinds]
    row = notify.add_notification_target(session, actor, box, data.name, data.url, kinds)
    return notify.target_view(row, box)
