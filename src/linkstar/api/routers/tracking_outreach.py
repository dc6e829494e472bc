"""Message the buyers of tracking exceptions from an inbox template (`inbox.exception_outreach`)."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from linkstar.api.deps import DbSession
from linkstar.api.routing import api_router, errors, needs
from linkstar.inbox import exception_outreach
from linkstar.inbox.service import REPLY
from linkstar.workspace.core import Principal

router = api_router("tracking")


class MessageBuyers(BaseModel):
    """The exceptions whose buyers to message, and the template to message them with."""

    model_config = ConfigDict(extra="forbid")

    ids: list[str] = Field(min_length=1, max_length=exception_outreach.MAX_IDS)
    template_id: str = Field(min_length=1, max_length=32)


class BuyerMessaged(BaseModel):
    exception_id: str
    thread_id: str
    message_id: str
    status: str = Field(description="queued, or awaiting_approval when a person must look first")
    job_id: str | None = Field(description="the `inbox.send` job; null while awaiting approval")


class MessageBuyersResult(BaseModel):
    messaged: list[BuyerMessaged] = Field(
        description="one message per shipment: exceptions of the same parcel share it"
    )
    skipped: list[dict[str, Any]] = Field(description="exception_id and the reason")


@router.post(
    "/tracking/exceptions/message-buyers",
    summary="Message the buyers of exceptions from a template",
    description="For each exception (open or acknowledged), the buyer of the shipment's order "
    "is messaged from the inbox template in the inbox thread already linked to the shipment, "
    "or in a new e-mail thread linked to the order and the shipment. The message is linted for "
    "e-mail and, for a marketplace order, for that marketplace's rules; held for approval when "
    "the workspace's policy says so. Exceptions that cannot be messaged (no order, no buyer "
    "e-mail, rules broken, resolved) are listed in `skipped` with the reason and leave nothing "
    "behind.",
    response_model=MessageBuyersResult,
    responses=errors(403, 404, 413, 422),
)
def message_buyers(
    data: MessageBuyers,
    request: Request,
    session: DbSession,
    actor: Principal = Depends(needs(REPLY)),
) -> dict[str, Any]:
    base = str(request.base_url).rstrip("/")
    return exception_outreach.message_buyers(
        session, actor, data.ids, data.template_id, public_base=base
    ).as_dict()
