"""Polling the carriers' tracking APIs for a workspace (job `tracking.poll_carriers`).

One run: the active carrier accounts give the connectors (credentials decrypted here, never
logged); the open shipments of those carriers are read in one query with their poll state;
`connectors.polling.plan_polls` decides who is due and batches them within each API's saved
token bucket; `connectors.dispatch.run_plan` sends the batches; the updates are stored with
one `ingest` call; the poll state and the buckets are saved; a carrier's failure is recorded
on its account and the other carriers carry on; an answer a connector refused goes to the
dead letters whole. Never commits: the job runner does.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.orm import Session

from linkstar.kit.clock import utcnow
from linkstar.kit.crypto import SecretBox
from linkstar.kit.errors import LinkStarError
from linkstar.tracking.carrier_accounts import CarrierAccountRepository
from linkstar.tracking.connectors.dhl import DHLTracking
from linkstar.tracking.connectors.dispatch import run_plan
from linkstar.tracking.connectors.fedex import FedExTracking
from linkstar.tracking.connectors.polling import (
    DEFAULT_LIMITS,
    POLL_APIS,
    CarrierLimit,
    PollPolicy,
    plan_polls,
    poll_interval,
)
from linkstar.tracking.connectors.results import PullConnector
from linkstar.tracking.connectors.ups import UPSTracking
from linkstar.tracking.connectors.usps import USPSTracking
from linkstar.tracking.core.numbers import normalise_tracking_number
from linkstar.tracking.core.updates import TrackingUpdate
from linkstar.tracking.ingest import dead_letter, ingest
from linkstar.tracking.poll_models import CarrierAccount
from linkstar.tracking.poll_store import (
    OpenShipment,
    RecordingTransport,
    bucket_from_json,
    bucket_to_json,
    open_shipments,
    save_poll_states,
)

log = logging.getLogger(__name__)
HORIZON = timedelta(minutes=5)  # batches the rate limits push further out wait for the next run


@dataclass
class PollRun:
    """What one poll of a workspace did."""

    accounts: int = 0
    shipments_read: int = 0
    polled: int = 0
    deferred: int = 0
    updates: int = 0
    events_inserted: int = 0
    not_found: int = 0
    dead_letters: int = 0
    carrier_errors: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The run as JSON-able counts."""
        return asdict(self)


def build_connector(
    carrier: str,
    credentials: Mapping[str, Any],
    transport: httpx.BaseTransport,
    sleep: Callable[[float], None],
) -> PullConnector:
    """The pull connector of a carrier account (raises ValueError on missing credentials)."""
    if carrier == "dhl":
        return DHLTracking(api_key=str(credentials.get("api_key", "")), transport=transport,
                           sleep=sleep)  # fmt: skip
    classes = {"usps": USPSTracking, "ups": UPSTracking, "fedex": FedExTracking}
    if carrier not in classes:
        raise ValueError(f"no tracking API connector for {carrier!r}")
    return classes[carrier](
        client_id=str(credentials.get("client_id", "")),
        client_secret=str(credentials.get("client_secret", "")),
        transport=transport,
        sleep=sleep,
    )


def _polled_carriers(apis: set[str]) -> list[str]:
    """The shipment carriers read through these APIs (every DHL carrier through `dhl`)."""
    return sorted(apis | {carrier for carrier, api in POLL_APIS.items() if api in apis})


def poll_organisation(
    session: Session,
    organisation_id: str,
    box: SecretBox,
    *,
    now: datetime | None = None,
    transport: httpx.BaseTransport | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], datetime] = utcnow,
    policy: PollPolicy | None = None,
    limits: Mapping[str, CarrierLimit] = DEFAULT_LIMITS,
) -> PollRun:
    """Poll the workspace's carriers once (see the module docstring)."""
    now = now or utcnow()
    policy = policy or PollPolicy()
    run = PollRun()
    accounts = {
        a.carrier: a for a in CarrierAccountRepository(session, organisation_id).list(active=True)
    }
    run.accounts = len(accounts)
    recorder = RecordingTransport(transport)
    connectors: dict[str, PullConnector] = {}
    for carrier, account in accounts.items():
        account.last_run_at = now
        try:
            credentials = box.open(account.credentials_encrypted)
            connectors[carrier] = build_connector(carrier, credentials, recorder, sleep)
        except (LinkStarError, ValueError) as error:
            account.last_error = getattr(error, "message", None) or str(error)
            run.carrier_errors[carrier] = account.last_error
    if not connectors:
        session.flush()
        return run
    try:
        _poll(session, organisation_id, run, accounts, connectors, recorder,
              now=now, sleep=sleep, clock=clock, policy=policy, limits=limits)  # fmt: skip
    finally:
        for connector in connectors.values():
            close = getattr(connector, "close", None)
            if close is not None:
                close()
    session.flush()
    return run


def _poll(
    session: Session,
    organisation_id: str,
    run: PollRun,
    accounts: Mapping[str, CarrierAccount],
    connectors: Mapping[str, PullConnector],
    recorder: RecordingTransport,
    *,
    now: datetime,
    sleep: Callable[[float], None],
    clock: Callable[[], datetime],
    policy: PollPolicy,
    limits: Mapping[str, CarrierLimit],
) -> None:
    shipments = open_shipments(
        session, organisation_id, _polled_carriers(set(connectors)), now, policy
    )
    run.shipments_read = len(shipments)
    by_number: dict[tuple[str, str], list[OpenShipment]] = defaultdict(list)
    for shipment in shipments:
        api = POLL_APIS.get(shipment.target.carrier, shipment.target.carrier)
        by_number[(api, shipment.target.tracking_number)].append(shipment)
    buckets = {
        carrier: bucket
        for carrier, account in accounts.items()
        if carrier in connectors and (bucket := bucket_from_json(account.bucket)) is not None
    }
    plan = plan_polls(
        [s.target for s in shipments], now, policy=policy, limits=limits, buckets=buckets,
        horizon=HORIZON,
    )  # fmt: skip
    outcome = run_plan(plan, connectors, clock=clock, sleep=sleep, limits=limits)
    run.deferred = len(outcome.deferred)
    results: dict[tuple[str, str], str] = {}
    updates: list[TrackingUpdate] = []
    for update in outcome.result.updates:
        key = (update.source, normalise_tracking_number(update.tracking_number))
        known = by_number.get(key)
        if known:  # the shipment's own carrier (DHL answers per product), never a new shipment
            update = TrackingUpdate(
                key[1], known[0].target.carrier, update.events, update.source,
                update.carrier_service, update.promised_by,
            )  # fmt: skip
        results[key] = "updated"
        updates.append(update)
    if updates:
        report = ingest(session, organisation_id, updates, now=now)
        run.updates, run.events_inserted = len(updates), report.events_inserted
    polled_apis = {batch.carrier for batch in plan.batches}
    for failure in outcome.result.failures:
        number = normalise_tracking_number(failure.tracking_number)
        api = next((a for a in polled_apis if (a, number) in by_number), "")
        if failure.not_found:
            run.not_found += 1
            results[(api, number)] = "not_found"
            continue
        results[(api, number)] = "failed"
        exchange = recorder.answer_for(failure.tracking_number)
        body = exchange.body if exchange else failure.reason
        headers = {"x-poll-request": exchange.request} if exchange else {}
        dead_letter(session, organisation_id, source=f"{api or 'carrier'}_poll",
                    headers=headers, body=body, reason=failure.reason)  # fmt: skip
        run.dead_letters += 1
    polled = set(outcome.polled)
    states: list[tuple[OpenShipment, dict[str, Any]]] = []
    for batch in plan.batches:
        for number in batch.numbers:
            if number not in polled:
                continue
            for shipment in by_number.get((batch.carrier, number), []):
                states.append((shipment, {
                    "last_polled_at": now,
                    "next_poll_at": now + poll_interval(shipment.target, now, policy),
                    "last_outcome": results.get((batch.carrier, number), "answered"),
                }))  # fmt: skip
    run.polled = save_poll_states(session, organisation_id, states)
    for carrier, account in accounts.items():
        if carrier not in connectors:
            continue
        account.last_error = outcome.carrier_errors.get(carrier)
        if account.last_error:
            run.carrier_errors[carrier] = account.last_error
        if carrier in outcome.buckets:
            account.bucket = bucket_to_json(outcome.buckets[carrier])
