"""The carrier polling job end to end: accounts, plan, recorded API answers through
httpx.MockTransport, ingestion, poll state, buckets, errors and dead letters."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, select

from linkstar.db.outbox import JobContext, OutboxJob
from linkstar.db.uow import unit_of_work
from linkstar.kit.crypto import SecretBox
from linkstar.kit.errors import Conflict, InvalidInput
from linkstar.tracking import poll_tasks
from linkstar.tracking.carrier_accounts import (
    POLL_JOB,
    account_view,
    add_carrier_account,
    carrier_accounts,
    update_carrier_account,
)
from linkstar.tracking.carrier_polling import PollRun, poll_organisation
from linkstar.tracking.models import Shipment, TrackingDeadLetter, TrackingEventRow
from linkstar.tracking.poll_models import CarrierAccount, PollState
from linkstar.tracking.poll_tasks import PLAN_JOB, plan_carrier_polls
from linkstar.tracking.schemas import ShipmentCreate
from linkstar.tracking.shipments import register_shipments
from linkstar.workspace.models import AuditEntry
from tests.tracking.connectors.recorded import body, data

USPS_DELIVERED = "9400111201080805483016"
USPS_MOVING = "9400111201080805483023"
UPS = "1ZA1B2C30312345673"
DHL = "00340434161094042557"


def moving_usps(now: datetime) -> bytes:
    """The recorded USPS answer cut before delivery, its scans placed in the last hours."""
    payload = copy.deepcopy(data("usps_tracking_v3.json"))
    payload["trackingNumber"] = USPS_MOVING
    events = payload["trackingEvents"][2:]  # newest first: drop delivered, out for delivery
    for hours, event in enumerate(events, start=1):
        event.pop("GMTTimestamp", None)
        event["eventTimestamp"] = (now - timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%S")
        event["GMTOffset"] = "+00:00"
    payload["trackingEvents"] = events
    return json.dumps(payload).encode()


class Carriers:
    """Answers the four APIs; `ups` and `dhl` can be switched to failures."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.ups = "ok"  # ok | 429
        self.dhl = "malformed"  # malformed | 500
        self.calls: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if "oauth" in path or "token" in path:
            return httpx.Response(200, json={"access_token": "t", "expires_in": 3600})
        self.calls.append(f"{request.url.host}{path}?{request.url.query.decode()}")
        host = request.url.host
        if host == "apis.usps.com":
            if path.endswith(USPS_DELIVERED):
                return httpx.Response(200, content=body("usps_tracking_v3.json"))
            if path.endswith(USPS_MOVING):
                return httpx.Response(200, content=moving_usps(self.now))
            return httpx.Response(404, content=body("usps_not_found.json"))
        if host == "onlinetools.ups.com":
            if self.ups == "429":
                return httpx.Response(429, headers={"Retry-After": "3600"})
            return httpx.Response(200, content=body("ups_track_delivered.json"))
        if host == "api-eu.dhl.com":
            if self.dhl == "500":
                return httpx.Response(500, json={"title": "down"})
            bad = {"shipments": [{"id": DHL, "events": [{"timestamp": "yesterday"}]}]}
            return httpx.Response(200, json=bad)
        return httpx.Response(418)

    def to(self, host: str) -> list[str]:
        return [c for c in self.calls if c.startswith(host)]


@pytest.fixture
def box() -> SecretBox:
    return SecretBox([Fernet.generate_key()])


@pytest.fixture
def workspace(sessions, tenant, box):
    with unit_of_work(sessions) as s:
        oauth = {"client_id": "id-123456789", "client_secret": "secret-123456789"}
        add_carrier_account(s, tenant.principal, box, "usps", "USPS prod", oauth)
        add_carrier_account(s, tenant.principal, box, "ups", "UPS prod", oauth)
        add_carrier_account(s, tenant.principal, box, "dhl", "DHL", {"api_key": "k-123456789"})
        register_shipments(s, tenant.principal, [
            ShipmentCreate(tracking_number=USPS_DELIVERED, carrier="usps"),
            ShipmentCreate(tracking_number=USPS_MOVING, carrier="usps"),
            ShipmentCreate(tracking_number="9400100000000000000000", carrier="usps"),
            ShipmentCreate(tracking_number=UPS, carrier="ups"),
            ShipmentCreate(tracking_number=DHL, carrier="dhl_parcel"),
            ShipmentCreate(tracking_number="794600000000", carrier="fedex"),  # no account
        ])  # fmt: skip
    return tenant


def run(sessions, tenant, box, carriers: Carriers, now: datetime):
    with unit_of_work(sessions) as s:
        return poll_organisation(
            s, tenant.org.id, box, now=now, transport=httpx.MockTransport(carriers),
            sleep=lambda _s: None, clock=lambda: now,
        )  # fmt: skip


def counts(sessions, org_id: str) -> dict[str, int]:
    with unit_of_work(sessions) as s:

        def n(model) -> int:
            stmt = select(func.count()).select_from(model).where(model.organisation_id == org_id)
            return int(s.scalar(stmt) or 0)

        return {"shipments": n(Shipment), "events": n(TrackingEventRow), "states": n(PollState),
                "dead": n(TrackingDeadLetter)}  # fmt: skip


def test_a_poll_stores_events_records_errors_and_dead_letters(sessions, workspace, box):
    now = datetime.now(UTC)
    carriers = Carriers(now)
    report = run(sessions, workspace, box, carriers, now)
    assert report.polled == 5  # every open shipment of the three accounts; FedEx has none
    assert report.not_found == 1 and report.dead_letters == 1
    assert report.carrier_errors == {}
    after = counts(sessions, workspace.org.id)
    assert after["shipments"] == 6  # DHL answered for the parcel product: no new shipment
    assert after["states"] == 5 and after["dead"] == 1
    with unit_of_work(sessions) as s:
        status = dict(s.execute(select(Shipment.tracking_number, Shipment.status)).all())
        assert status[USPS_DELIVERED] == "delivered" and status[UPS] == "delivered"
        assert status[USPS_MOVING] == "in_transit"
        dead = s.scalars(select(TrackingDeadLetter)).one()
        assert dead.source == "dhl_poll" and "yesterday" in dead.body
        assert DHL in dead.headers["x-poll-request"]
        outcomes = dict(s.execute(select(PollState.id, PollState.last_outcome)).all())
        assert sorted(outcomes.values()) == ["failed", "not_found", "updated", "updated",
                                             "updated"]  # fmt: skip


def test_a_rerun_skips_delivered_and_not_due_parcels_and_writes_nothing_twice(
    sessions, workspace, box
):
    now = datetime.now(UTC)
    carriers = Carriers(now)
    run(sessions, workspace, box, carriers, now)
    first = counts(sessions, workspace.org.id)
    carriers.calls.clear()
    soon = run(sessions, workspace, box, carriers, now + timedelta(minutes=10))
    assert soon.polled == 0 and carriers.calls == []  # nothing due yet
    later = run(sessions, workspace, box, carriers, now + timedelta(hours=2))
    polled = {c.rsplit("/", 1)[-1].split("?")[0] for c in carriers.calls}
    assert USPS_DELIVERED not in polled and UPS not in polled  # delivered: never again
    assert USPS_MOVING in polled
    assert later.events_inserted == 0
    assert counts(sessions, workspace.org.id) == {**first, "dead": first["dead"] + 1}


def test_a_rate_limited_carrier_waits_for_retry_after_and_the_others_go_on(
    sessions, workspace, box
):
    now = datetime.now(UTC)
    carriers = Carriers(now)
    carriers.ups, carriers.dhl = "429", "500"
    report = run(sessions, workspace, box, carriers, now)
    assert set(report.carrier_errors) == {"ups", "dhl"}
    assert report.updates == 2  # both USPS parcels stored all the same
    with unit_of_work(sessions) as s:
        accounts = {a.carrier: a for a in s.scalars(select(CarrierAccount))}
        assert accounts["ups"].last_error and accounts["dhl"].last_error
        assert accounts["usps"].last_error is None
        assert accounts["ups"].bucket["tokens"] < 0
    carriers.calls.clear()
    carriers.ups = "ok"
    run(sessions, workspace, box, carriers, now + timedelta(minutes=2))
    assert carriers.to("onlinetools.ups.com") == []  # Retry-After: 3600 still holds
    assert carriers.to("api-eu.dhl.com")  # a failed carrier is simply asked again
    run(sessions, workspace, box, carriers, now + timedelta(hours=1, minutes=1))
    assert carriers.to("onlinetools.ups.com")


def test_accounts_are_encrypted_masked_unique_and_audited(sessions, tenant, box):
    with unit_of_work(sessions) as s:
        row = add_carrier_account(
            s, tenant.principal, box, "dhl", "DHL", {"api_key": "k-abcdefgh1234"}
        )
        assert "abcdefgh" not in row.credentials_encrypted
        assert account_view(row)["credentials_masked"] == "api_key=••••1234"
        with pytest.raises(Conflict):
            add_carrier_account(s, tenant.principal, box, "dhl", "DHL 2", {"api_key": "x" * 12})
        with pytest.raises(InvalidInput):
            add_carrier_account(s, tenant.principal, box, "ups", "UPS", {"api_key": "x"})
        with pytest.raises(InvalidInput):
            add_carrier_account(s, tenant.principal, box, "tnt", "TNT", {"api_key": "x"})
        update_carrier_account(s, tenant.principal, box, row.id, active=False)
        assert [a.active for a in carrier_accounts(s, tenant.principal)] == [False]
        actions = list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.at)))
        assert actions[-2:] == ["tracking_carrier_account.create",
                                "tracking_carrier_account.update"]  # fmt: skip
        entries = s.scalars(select(AuditEntry)).all()
        assert all("k-abcdefgh1234" not in json.dumps([e.before, e.after]) for e in entries)


def test_the_planner_enqueues_one_poll_per_workspace_with_an_active_account(
    sessions, workspace, make_tenant, box, monkeypatch
):
    other = make_tenant("Other Co")
    with unit_of_work(sessions) as s:
        row = add_carrier_account(s, other.principal, box, "dhl", "DHL", {"api_key": "k" * 12})
        update_carrier_account(s, other.principal, box, row.id, active=False)
    for _ in range(2):  # a second planner run in the same period adds nothing
        with unit_of_work(sessions) as s:
            plan_carrier_polls(s, JobContext("j", PLAN_JOB, None))
    with unit_of_work(sessions) as s:
        jobs = list(s.scalars(select(OutboxJob).where(OutboxJob.name == POLL_JOB)))
    assert [j.organisation_id for j in jobs] == [workspace.org.id]
    monkeypatch.setattr(poll_tasks, "poll_organisation",
                        lambda s, org, box: calls.append(org) or PollRun())  # fmt: skip
    calls: list[str] = []
    with unit_of_work(sessions) as s:
        poll_tasks.poll_carriers(s, JobContext("j", POLL_JOB, workspace.org.id))
    assert calls == [workspace.org.id]


def test_the_recorder_keeps_decoded_answers_over_a_real_transport_but_no_token_exchange():
    import gzip
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    from linkstar.tracking.poll_store import RecordingTransport

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, payload: dict) -> None:
            raw = gzip.compress(json.dumps(payload).encode())
            self.send_response(200)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def do_GET(self):
            self._answer({"asked": self.path})

        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            self._answer({"access_token": "t"})

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    recorder = RecordingTransport()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with httpx.Client(base_url=base, transport=recorder) as client:
            token = client.post("/oauth", data={"grant_type": "client_credentials"})
            assert token.json() == {"access_token": "t"}
            answer = client.get("/track", params={"trackingNumber": DHL})
            assert answer.json() == {"asked": f"/track?trackingNumber={DHL}"}
    finally:
        server.shutdown()
        server.server_close()
    assert len(recorder.exchanges) == 1  # the token exchange is never kept
    kept = recorder.answer_for(DHL)
    assert kept is not None and json.loads(kept.body) == {"asked": f"/track?trackingNumber={DHL}"}
    assert recorder.answer_for("NOT-ASKED") is None
