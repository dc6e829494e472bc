"""Polling the carriers' tracking APIs for a workspace (job `tracking.poll_carriers`).

One run, in three phases so that no database transaction stays open while the carriers answer:
1. (one short transaction, committed here) the active accounts give the connectors
   (credentials decrypted here, never logged) and are claimed for the run
   (`poll_store.claim_account`: a second run of the workspace leaves a claimed carrier alone);
   the open shipments of those carriers are read in one query with their poll state;
   `connectors.polling.plan_polls` decides who is due and batches them within each API's
   saved token bucket;
2. (no transaction) `connectors.dispatch.run_plan` sends the batches;
3. (the caller's transaction, short) the updates are stored with one `ingest` call, an answer
   a connector refused goes to the dead letters whole, the poll state is written, and the
   buckets and errors are saved on the accounts with their claims cleared.
A carrier's failure is recorded on its account and the other carriers carry on. A run that
raises between the phases clears its claims; one that dies leaves them to lapse (`CLAIM`).
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.orm import Session

from linkstar.kit.clock import utcnow
from linkstar.kit.crypto import SecretBox
from linkstar.kit.errors import LinkStarError
from linkstar.tracking.carrier_accounts import CarrierAccountRepository
from linkstar.tracking.connectors import dhl, fedex, ups, usps
from linkstar.tracking.connectors.dispatch import DispatchOutcome, run_plan
from linkstar.tracking.connectors.polling import (
    DEFAULT_LIMITS,
    POLL_APIS,
    CarrierLimit,
    PollPlan,
    PollPolicy,
    plan_polls,
    poll_interval,
    polled_carriers,
)
from linkstar.tracking.connectors.results import PullConnector
from linkstar.tracking.core.numbers import normalise_tracking_number
from linkstar.tracking.core.updates import TrackingUpdate
from linkstar.tracking.ingest import dead_letter, ingest
from linkstar.tracking.poll_store import (
    Claim,
    OpenShipment,
    RecordingTransport,
    bucket_to_json,
    claim_account,
    end_claim,
    open_shipments,
    save_poll_states,
)

log = logging.getLogger(__name__)
HORIZON = timedelta(minutes=5)  # batches the rate limits push further out wait for the next run
CLAIM = timedelta(minutes=20)  # a run's hold on its accounts: beyond the job's 15-minute limit
# Each API's base URL per account environment (`carrier_accounts.ENVIRONMENTS`).
BASE_URLS: Mapping[str, Mapping[str, str]] = {
    name: {"production": api.BASE_URL, "sandbox": api.SANDBOX_URL}
    for name, api in (("usps", usps), ("ups", ups), ("fedex", fedex), ("dhl", dhl))
}


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
    busy: list[str] = field(default_factory=list)  # carriers another run had claimed

    def as_dict(self) -> dict[str, Any]:
        """The run as JSON-able counts."""
        return asdict(self)


def build_connector(
    carrier: str,
    credentials: Mapping[str, Any],
    transport: httpx.BaseTransport,
    sleep: Callable[[float], None],
    environment: str = "production",
) -> PullConnector:
    """The pull connector of a carrier account, at the carrier's production or sandbox base
    URL (raises ValueError on missing credentials)."""
    if carrier not in BASE_URLS:
        raise ValueError(f"no tracking API connector for {carrier!r}")
    url = BASE_URLS[carrier]["sandbox" if environment == "sandbox" else "production"]
    if carrier == "dhl":
        return dhl.DHLTracking(api_key=str(credentials.get("api_key", "")), base_url=url,
                               transport=transport, sleep=sleep)  # fmt: skip
    classes = {"usps": usps.USPSTracking, "ups": ups.UPSTracking, "fedex": fedex.FedExTracking}
    return classes[carrier](
        client_id=str(credentials.get("client_id", "")),
        client_secret=str(credentials.get("client_secret", "")),
        base_url=url,
        transport=transport,
        sleep=sleep,
    )


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
    """Poll the workspace's carriers once (see the module docstring); commits phase 1."""
    now = now or utcnow()
    policy = policy or PollPolicy()
    run = PollRun()
    recorder = RecordingTransport(transport)
    until = now + CLAIM
    connectors: dict[str, PullConnector] = {}
    try:
        claimed = _claim(session, organisation_id, box, run, connectors, recorder, sleep,
                         now, until)  # fmt: skip
        if not connectors:
            session.flush()
            return run
        shipments = open_shipments(
            session, organisation_id, polled_carriers(connectors), now, policy
        )
        run.shipments_read = len(shipments)
        buckets = {c: a.bucket for c, a in claimed.items() if a.bucket is not None}
        plan = plan_polls(
            [s.target for s in shipments], now, policy=policy, limits=limits, buckets=buckets,
            horizon=HORIZON,
        )  # fmt: skip
        session.commit()  # phase 1 ends: no transaction is open while the carriers answer
        try:
            outcome = run_plan(plan, connectors, clock=clock, sleep=sleep, limits=limits)
        except BaseException:
            session.rollback()
            for account in claimed.values():
                end_claim(session, organisation_id, account.account_id, until)
            session.commit()
            raise
        _store(session, organisation_id, run, shipments, plan, outcome, recorder,
               now=now, policy=policy)  # fmt: skip
        _settle(session, organisation_id, run, claimed, outcome, until)
    finally:
        for connector in connectors.values():
            close = getattr(connector, "close", None)
            if close is not None:
                close()
    session.flush()
    return run


def _claim(
    session: Session,
    organisation_id: str,
    box: SecretBox,
    run: PollRun,
    connectors: dict[str, PullConnector],
    recorder: RecordingTransport,
    sleep: Callable[[float], None],
    now: datetime,
    until: datetime,
) -> dict[str, Claim]:
    """Build the connectors of the active accounts and claim those accounts for this run (an
    ORM object is used no further: the run's phase 2 and 3 work from the claims); an account
    whose credentials cannot be used gets `last_error` and is not claimed."""
    accounts = CarrierAccountRepository(session, organisation_id).list(active=True)
    run.accounts = len(accounts)
    claimed: dict[str, Claim] = {}
    for account in accounts:
        try:
            credentials = box.open(account.credentials_encrypted)
            connector = build_connector(account.carrier, credentials, recorder, sleep,
                                        account.environment)  # fmt: skip
        except (LinkStarError, ValueError) as error:
            account.last_run_at = now
            account.last_error = getattr(error, "message", None) or str(error)
            run.carrier_errors[account.carrier] = account.last_error
            continue
        claim = claim_account(session, organisation_id, account.id, now, until)
        if claim is None:
            run.busy.append(account.carrier)
            getattr(connector, "close", lambda: None)()
            continue
        connectors[account.carrier] = connector
        claimed[account.carrier] = claim
    return claimed


def _settle(
    session: Session,
    organisation_id: str,
    run: PollRun,
    claimed: Mapping[str, Claim],
    outcome: DispatchOutcome,
    until: datetime,
) -> None:
    """Save each claimed account's bucket and error and clear its claim."""
    for carrier, account in claimed.items():
        error = outcome.carrier_errors.get(carrier)
        if error:
            run.carrier_errors[carrier] = error
        values: dict[str, Any] = {"last_error": error}
        if carrier in outcome.buckets:
            values["bucket"] = bucket_to_json(outcome.buckets[carrier])
        end_claim(session, organisation_id, account.account_id, until, **values)


def _store(
    session: Session,
    organisation_id: str,
    run: PollRun,
    shipments: list[OpenShipment],
    plan: PollPlan,
    outcome: DispatchOutcome,
    recorder: RecordingTransport,
    *,
    now: datetime,
    policy: PollPolicy,
) -> None:
    """Phase 3: the updates, not-founds, dead letters and poll state of the run."""
    by_number: dict[tuple[str, str], list[OpenShipment]] = defaultdict(list)
    for shipment in shipments:
        api = POLL_APIS.get(shipment.target.carrier, shipment.target.carrier)
        by_number[(api, shipment.target.tracking_number)].append(shipment)
    run.deferred = len(outcome.deferred)
    results: dict[tuple[str, str], str] = {}
    updates: list[TrackingUpdate] = []
    for update in outcome.result.updates:
        key = (update.source, normalise_tracking_number(update.tracking_number))
        known = by_number.get(key)
        if known:  # the shipment's own carrier (DHL answers per product), never a new shipment
            update = replace(update, tracking_number=key[1], carrier=known[0].target.carrier)
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
        headers = {"x-poll-number": number}
        if exchange:
            headers["x-poll-request"] = exchange.request
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
