"""What the polling job reads and writes besides ingestion: the open shipments of the polled
carriers with their poll state (one query), the poll state (one bulk insert and one bulk
update), token buckets as JSON, and the HTTP exchanges kept for the dead letters."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.orm import Session

from linkstar.tracking.connectors.polling import Bucket, PollPolicy, PollTarget
from linkstar.tracking.core import Status
from linkstar.tracking.models import Shipment
from linkstar.tracking.poll_models import PollState

# Headers that describe the encoded body, which the recorder has already decoded.
_ENCODING = frozenset({"content-encoding", "content-length", "transfer-encoding"})
# Never polled: the planner would skip them anyway, so they are not even read.
_CLOSED = (Status.DELIVERED.value, Status.RETURNED.value, Status.EXPIRED.value)


@dataclass(frozen=True, slots=True)
class OpenShipment:
    """A shipment the poller may ask about, and whether it has a poll state row yet."""

    shipment_id: str
    target: PollTarget
    has_state: bool


def open_shipments(
    session: Session,
    organisation_id: str,
    carriers: Sequence[str],
    now: datetime,
    policy: PollPolicy,
    shipment_id: str | None = None,
) -> list[OpenShipment]:
    """The organisation's open shipments of these carriers still within the policy's age and
    idleness limits, with their last poll time (one query); only `shipment_id` when given."""
    if not carriers:
        return []
    idle_cut = now - policy.stop_after_idle
    stmt = (
        select(
            Shipment.id,
            Shipment.tracking_number,
            Shipment.carrier,
            Shipment.status,
            Shipment.created_at,
            Shipment.last_event_at,
            PollState.last_polled_at,
            PollState.id.label("state_id"),
        )
        .outerjoin(
            PollState,
            and_(
                PollState.id == Shipment.id,
                PollState.organisation_id == Shipment.organisation_id,
            ),
        )
        .where(
            Shipment.organisation_id == organisation_id,
            Shipment.carrier.in_(list(carriers)),
            Shipment.status.not_in(_CLOSED),
            Shipment.created_at >= now - policy.stop_after_age,
            or_(
                Shipment.last_event_at >= idle_cut,
                and_(Shipment.last_event_at.is_(None), Shipment.created_at >= idle_cut),
            ),
        )
        .order_by(Shipment.id)
    )
    if shipment_id is not None:
        stmt = stmt.where(Shipment.id == shipment_id)
    found: list[OpenShipment] = []
    for row in session.execute(stmt):
        target = PollTarget(
            tracking_number=row.tracking_number,
            carrier=row.carrier,
            status=_status(row.status),
            created_at=row.created_at,
            last_event_at=row.last_event_at,
            last_polled_at=row.last_polled_at,
        )
        found.append(OpenShipment(row.id, target, row.state_id is not None))
    return found


def _status(value: str) -> Status:
    try:
        return Status(value)
    except ValueError:
        return Status.UNMAPPED


def save_poll_states(
    session: Session, organisation_id: str, rows: Iterable[tuple[OpenShipment, dict[str, Any]]]
) -> int:
    """Insert or update the poll state of the polled shipments (two statements at most)."""
    new: list[dict[str, Any]] = []
    known: list[dict[str, Any]] = []
    for shipment, values in rows:
        record = {"id": shipment.shipment_id, **values}
        if shipment.has_state:
            known.append(record)
        else:
            new.append({**record, "organisation_id": organisation_id})
    if new:
        session.execute(insert(PollState), new)
    if known:
        session.execute(update(PollState), known)  # bulk UPDATE by primary key
    return len(new) + len(known)


def bucket_from_json(value: dict[str, Any] | None) -> Bucket | None:
    """A saved token bucket, or None when there is none (or it cannot be read)."""
    if not value:
        return None
    try:
        return Bucket(float(value["tokens"]), datetime.fromisoformat(str(value["at"])))
    except (KeyError, TypeError, ValueError):
        return None


def bucket_to_json(bucket: Bucket) -> dict[str, Any]:
    """A token bucket as stored on the carrier account."""
    return {"tokens": bucket.tokens, "at": bucket.at.isoformat()}


@dataclass(frozen=True, slots=True)
class Exchange:
    """One carrier answer as received: the request line and the body."""

    request: str
    request_body: str
    status: int
    body: str


class RecordingTransport(httpx.BaseTransport):
    """Wraps the connectors' transport and keeps every answer's body, so a response a
    connector refuses can be kept whole in the dead letters."""

    def __init__(self, inner: httpx.BaseTransport | None = None) -> None:
        self.inner = inner or httpx.HTTPTransport()
        self.exchanges: list[Exchange] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        sent = request.content.decode("utf-8", "replace")
        if "grant_type" in sent:
            return response  # an OAuth token exchange: secrets, never kept
        body = response.read()  # decoded: the answer is handed on as a fresh response
        self.exchanges.append(
            Exchange(
                f"{request.method} {request.url}",
                sent,
                response.status_code,
                body.decode("utf-8", "replace"),
            )
        )
        headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _ENCODING]
        return httpx.Response(
            response.status_code,
            headers=headers,
            content=body,
            request=request,
            extensions=response.extensions,
        )

    def answer_for(self, number: str) -> Exchange | None:
        """The last answer to a request that named this number (path, query or body)."""
        for exchange in reversed(self.exchanges):
            if number in exchange.request or number in exchange.request_body:
                return exchange
        return None

    def close(self) -> None:
        self.inner.close()
