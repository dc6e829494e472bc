"""Jobs that turn a verified webhook delivery into orders or tracking events.

Registered in `linkstar.jobs.registry`. A body that does not parse becomes a dead letter with
the parse error and the job succeeds (retrying would not change the body); a tracking body
whose events are stored but some refused (`IngestReport.rejected`: a time past the horizon, a
number nobody can name) is also kept as a dead letter with the reasons; parsing and
ingesting run in a savepoint, so a failure never leaves a partial order. Database errors
propagate, so the runner retries the job. Both handlers are idempotent: orders are keyed by
(store, external_id, version), tracking events by their identity key.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from sqlalchemy.orm import Session

from linkstar.db.outbox import JobContext
from linkstar.kit.errors import InvalidInput, NotFound
from linkstar.orders.connectors import webhook_bodies
from linkstar.orders.core.codec import order_from_json
from linkstar.orders.ingest import Item, ingest, record_dead_letter
from linkstar.tracking import ingest as tracking_ingest
from linkstar.tracking.connectors.errors import TrackingPayloadError
from linkstar.tracking.connectors.webhooks import SOURCES
from linkstar.tracking.hooks.schemas import EndpointKind

log = logging.getLogger(__name__)


def process_order_delivery(session: Session, job: JobContext) -> None:
    """Parse a verified order webhook and ingest it (source "webhook"), or dead-letter it."""
    org_id, kind, text = _unpack(job)
    store_id = job.payload.get("store_id")
    try:
        with session.begin_nested():
            items, refused = parse_orders(kind, text)
            if not isinstance(store_id, str):
                raise InvalidInput("the endpoint has no store to put orders into")
            report = ingest(session, org_id, store_id, items, "webhook")
    except (InvalidInput, NotFound) as exc:
        store = store_id if isinstance(store_id, str) and not isinstance(exc, NotFound) else None
        record_dead_letter(session, org_id, store, "webhook", text, f"{kind.value}: {exc.message}")
        log.info("webhook %s dead-lettered: %s", job.job_id, exc.message)
        return
    for raw, message in refused:  # items of a generic batch that are not orders, one by one
        record_dead_letter(session, org_id, store_id, "webhook", raw, f"{kind.value}: {message}")
    log.info("webhook %s: %s, %d refused", job.job_id, report.as_json(), len(refused))


def process_tracking_delivery(session: Session, job: JobContext) -> None:
    """Parse a verified tracking webhook and store its events, or dead-letter it."""
    org_id, kind, text = _unpack(job)
    try:
        updates = SOURCES[kind.sender].parse(text.encode("utf-8"))
    except TrackingPayloadError as exc:
        tracking_ingest.dead_letter(
            session,
            org_id,
            source=kind.sender,
            headers={},
            body=text,
            reason=f"{exc.path}: {exc.reason}",
        )
        return
    report = tracking_ingest.ingest(session, org_id, updates)
    if report.rejected:  # the good events are stored; the body is kept with what was refused
        reasons = "; ".join(f"{r.tracking_number}: {r.reason}" for r in report.rejected)
        tracking_ingest.dead_letter(
            session, org_id, source=kind.sender, headers={}, body=text, reason=reasons[:2000]
        )
    log.info("webhook %s: %s events stored", job.job_id, report.events_inserted)


Refused = list[tuple[str, str]]


def parse_orders(kind: EndpointKind, text: str) -> tuple[list[Item], Refused]:
    """The canonical orders in an order webhook body, and the items of a generic batch that
    are refused (their JSON and the reason); InvalidInput when the body holds no order."""
    try:
        data: Any = json.loads(text)
    except ValueError as exc:
        raise InvalidInput(f"the body is not JSON: {exc}") from None
    if kind is EndpointKind.orders_generic:
        return _generic(data)
    if kind is EndpointKind.orders_shopify:
        return webhook_bodies.parse_shopify(text), []
    return webhook_bodies.parse_tiktok(text), []


def _generic(data: Any) -> tuple[list[Item], Refused]:
    if not isinstance(data, list):
        return [(order_from_json(data), data)], []
    if not data:
        raise InvalidInput("the body is an empty list: no order to import")
    items: list[Item] = []
    refused: Refused = []
    for index, item in enumerate(data):
        try:
            items.append((order_from_json(item), item if isinstance(item, dict) else None))
        except InvalidInput as exc:
            refused.append((json.dumps(item, default=str), f"[{index}] {exc.message}"))
    if not items:
        raise InvalidInput(f"no item of the batch is an order; the first: {refused[0][1]}")
    return items, refused


def _unpack(job: JobContext) -> tuple[str, EndpointKind, str]:
    if job.organisation_id is None:
        raise ValueError("a webhook job belongs to an organisation")
    return job.organisation_id, EndpointKind(job.payload["kind"]), str(job.payload["body"])
