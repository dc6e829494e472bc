"""Carrier tracking API accounts of the workspace (USPS, UPS, FedEx, DHL) and "poll now"."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Response

from linkstar.api.deps import DbSession, get_box
from linkstar.api.idempotency import Idempotent
from linkstar.api.routing import api_router, created, errors, needs
from linkstar.api.schemas import PageOf
from linkstar.kit.clock import utcnow
from linkstar.kit.crypto import SecretBox
from linkstar.tracking import carrier_accounts as accounts
from linkstar.tracking.poll_schemas import (
    CarrierAccountCreate,
    CarrierAccountRead,
    CarrierAccountUpdate,
    PollRequested,
)
from linkstar.workspace.core import Permission, Principal

router = api_router("tracking")
READ = Permission.tracking_read
WRITE = Permission.tracking_write


@router.get(
    "/tracking/carrier-accounts",
    summary="List carrier tracking API accounts",
    response_model=PageOf[CarrierAccountRead],
    responses=errors(403),
)
def list_accounts(session: DbSession, actor: Principal = Depends(needs(READ))) -> dict[str, object]:
    """The workspace's carrier accounts, credentials masked."""
    rows = accounts.carrier_accounts(session, actor)
    return {"items": [accounts.account_view(r) for r in rows], "next_cursor": None}


@router.post(
    "/tracking/carrier-accounts",
    summary="Add a carrier tracking API account",
    description="One account per carrier; the credentials are stored encrypted and never "
    "returned. USPS, UPS and FedEx take `client_id` and `client_secret`, DHL `api_key`. "
    "The open parcels of the carrier are then polled every 15 minutes. `environment` "
    "`sandbox` sends the calls to the carrier's test base URL.",
    status_code=201,
    response_model=CarrierAccountRead,
    responses={**created("The account."), **errors(400, 403, 409, 413, 422)},
)
def add_account(
    data: CarrierAccountCreate,
    session: DbSession,
    idem: Idempotent,
    box: SecretBox = Depends(get_box),
    actor: Principal = Depends(needs(WRITE)),
) -> dict[str, Any]:
    """Store one account."""
    row = accounts.add_carrier_account(
        session, actor, box, data.carrier, data.name, data.credentials, data.environment
    )
    return accounts.account_view(row)


@router.patch(
    "/tracking/carrier-accounts/{account_id}",
    summary="Change a carrier account",
    description="Rename it, switch it off or on, move it between `production` and `sandbox`, "
    "or replace its credentials.",
    response_model=CarrierAccountRead,
    responses=errors(400, 403, 404, 413, 422),
)
def update_account(
    account_id: str,
    data: CarrierAccountUpdate,
    session: DbSession,
    box: SecretBox = Depends(get_box),
    actor: Principal = Depends(needs(WRITE)),
) -> dict[str, Any]:
    """Apply the given fields."""
    row = accounts.update_carrier_account(
        session, actor, box, account_id,
        name=data.name, active=data.active, credentials=data.credentials,
        environment=data.environment,
    )  # fmt: skip
    return accounts.account_view(row)


@router.delete(
    "/tracking/carrier-accounts/{account_id}",
    summary="Remove a carrier account",
    status_code=204,
    response_class=Response,
    responses=errors(403, 404),
)
def delete_account(
    account_id: str, session: DbSession, actor: Principal = Depends(needs(WRITE))
) -> Response:
    """Delete the account; its parcels are no longer polled."""
    accounts.delete_carrier_account(session, actor, account_id)
    return Response(status_code=204)


@router.post(
    "/tracking/carrier-accounts/poll",
    summary="Poll the carriers now",
    description="Enqueues `tracking.poll_carriers` for the workspace (one per minute); 409 "
    "when it has no active carrier account.",
    status_code=202,
    response_model=PollRequested,
    responses=errors(403, 409),
)
def poll_now(session: DbSession, actor: Principal = Depends(needs(WRITE))) -> PollRequested:
    """Queue one poll run."""
    return PollRequested(job_id=accounts.enqueue_poll(session, actor, utcnow()).id)
