"""What the polling job reads and writes besides ingestion: the open shipments of the polled
carriers with their poll state (one SQL read through the driver), the poll state (one bulk
insert and one bulk update), token buckets as JSON, and the HTTP exchanges kept for the dead
letters."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import insert, or_, update
from sqlalchemy.orm import Session

from linkstar.kit.clock import as_utc
from linkstar.tracking.connectors.polling import Bucket, PollPolicy, PollTarget
from linkstar.tracking.core import Status
from linkstar.tracking.driver_reads import dialect, fetch, param
from linkstar.tracking.poll_models import CarrierAccount, PollState

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
    idleness limits, with their last poll time: one SQL read through the driver, plain tuples
    (the ORM's per-row result processing cost more than the query at 100,000 rows); only
    `shipment_id` when given."""
    if not carriers:
        return []
    now = as_utc(now)
    sqlite = dialect(session) == "sqlite"
    marks = ", ".join("?" * len(carriers))
    closed = ", ".join("?" * len(_CLOSED))
    # SQLite keeps UTC times as text without an offset (`db.base.UTCDateTime`): with one
    # appended, `datetime.fromisoformat` alone makes them aware (a `.replace(tzinfo=...)` per
    # value cost five times the parse, under the profiler).
    utc = " || '+00:00'" if sqlite else ""
    sql = f"""
        SELECT s.id, s.tracking_number, s.carrier, s.status, s.created_at{utc},
               s.last_event_at{utc}, p.last_polled_at{utc}, p.id
        FROM shipments s
        LEFT JOIN tracking_poll_state p ON p.id = s.id AND p.organisation_id = s.organisation_id
        WHERE s.organisation_id = ? AND s.carrier IN ({marks}) AND s.status NOT IN ({closed})
          AND s.created_at >= ?
          AND (s.last_event_at >= ? OR (s.last_event_at IS NULL AND s.created_at >= ?))
          {"AND s.id = ?" if shipment_id is not None else ""}
        ORDER BY s.id"""  # noqa: S608 - only placeholders are spliced in
    idle_cut = param(session, now - policy.stop_after_idle)
    rows = fetch(session, sql, (
        organisation_id, *carriers, *_CLOSED, param(session, now - policy.stop_after_age),
        idle_cut, idle_cut, *([shipment_id] if shipment_id is not None else []),
    ))  # fmt: skip
    when: Callable[[Any], datetime] = datetime.fromisoformat if sqlite else _same
    statuses = {s.value: s for s in Status}
    found: list[OpenShipment] = []
    for sid, number, carrier, status, created, last_event, last_polled, state in rows:
        target = PollTarget(
            number,
            carrier,
            statuses.get(status, Status.UNMAPPED),
            when(created),
            when(last_event) if last_event else None,
            when(last_polled) if last_polled else None,
        )
        found.append(OpenShipment(sid, target, state is not None))
    return found


def _same(value: datetime) -> datetime:
    return value


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


@dataclass(frozen=True, slots=True)
class Claim:
    """An account a run holds, with the token bucket saved on it when the claim was taken."""

    account_id: str
    bucket: Bucket | None


def claim_account(
    session: Session, organisation_id: str, account_id: str, now: datetime, until: datetime
) -> Claim | None:
    """Claim an account for one poll run until `until`, unless another run holds it (None).
    The conditional UPDATE is what keeps two runs apart: PostgreSQL checks the condition again
    once a concurrent claim commits, SQLite writes one transaction at a time. The bucket comes
    back from the same statement, so it is the one the previous run saved, not an older read."""
    held = CarrierAccount.polling_until
    row = session.execute(
        update(CarrierAccount)
        .where(
            CarrierAccount.id == account_id,
            CarrierAccount.organisation_id == organisation_id,
            or_(held.is_(None), held <= now),
        )
        .values(polling_until=until, last_run_at=now)
        .returning(CarrierAccount.bucket)
        .execution_options(synchronize_session=False)
    ).first()
    return None if row is None else Claim(account_id, bucket_from_json(row[0]))


def end_claim(
    session: Session, organisation_id: str, account_id: str, until: datetime, **values: Any
) -> None:
    """Clear a run's claim on an account and store `values` (bucket, last error) with it; a
    run whose claim lapsed and was taken over writes nothing on the account."""
    session.execute(
        update(CarrierAccount)
        .where(
            CarrierAccount.id == account_id,
            CarrierAccount.organisation_id == organisation_id,
            CarrierAccount.polling_until == until,
        )
        .values(polling_until=None, **values)
        .execution_options(synchronize_session=False)
    )


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
