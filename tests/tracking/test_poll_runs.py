"""A poll run's phases: claimed accounts, no transaction open while the carriers answer, a
second run of the workspace polling nothing meanwhile, a failure between the phases losing
nothing; sandbox accounts asked at the carriers' test base URLs; a poll's dead letter retried
with the API's current parser."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select, update

from linkstar.db.uow import unit_of_work
from linkstar.tracking import dead_letters, poll_letters
from linkstar.tracking.carrier_accounts import add_carrier_account
from linkstar.tracking.carrier_polling import CLAIM, poll_organisation
from linkstar.tracking.connectors import parse_dhl
from linkstar.tracking.ingest import dead_letter
from linkstar.tracking.models import Shipment, TrackingDeadLetter, TrackingEventRow
from linkstar.tracking.poll_models import CarrierAccount, PollState
from linkstar.tracking.schemas import ShipmentCreate
from linkstar.tracking.shipments import register_shipments
from linkstar.workspace.core import system_principal
from linkstar.workspace.models import AuditEntry
from tests.tracking.connectors.recorded import body
from tests.tracking.test_carrier_polling import DHL, USPS_DELIVERED, Carriers, counts, run


def claims(sessions, org_id: str) -> dict[str, datetime | None]:
    with unit_of_work(sessions) as s:
        stmt = select(CarrierAccount.carrier, CarrierAccount.polling_until).where(
            CarrierAccount.organisation_id == org_id
        )
        return {c: u for c, u in s.execute(stmt)}


def test_no_transaction_is_open_during_the_calls_and_a_second_run_polls_nothing(
    sessions, workspace, box
):
    now = datetime.now(UTC)
    carriers = Carriers(now)
    seen: list[bool] = []
    second = []

    def answer(request: httpx.Request) -> httpx.Response:
        if not seen:  # the first call of the run: start a second run of the workspace
            seen.append(session.in_transaction())
            second.append(run(sessions, workspace, box, Carriers(now), now))
        return carriers(request)

    with unit_of_work(sessions) as session:
        first = poll_organisation(
            session, workspace.org.id, box, now=now, transport=httpx.MockTransport(answer),
            sleep=lambda _s: None, clock=lambda: now,
        )  # fmt: skip
    assert seen == [False]  # phase 1 committed: nothing held while the carrier answers
    (other,) = second
    assert other.busy == ["usps", "ups", "dhl"] and other.polled == 0
    assert other.shipments_read == 0
    assert first.polled == 5 and first.busy == []
    assert claims(sessions, workspace.org.id) == {"usps": None, "ups": None, "dhl": None}
    assert counts(sessions, workspace.org.id)["states"] == 5  # written once, by the first


def test_a_failure_between_the_phases_releases_the_claims_and_loses_nothing(
    sessions, workspace, box
):
    now = datetime.now(UTC)

    def broken(request: httpx.Request) -> httpx.Response:
        raise RuntimeError("worker bug")

    with unit_of_work(sessions) as s, pytest.raises(RuntimeError):
        poll_organisation(s, workspace.org.id, box, now=now,
                          transport=httpx.MockTransport(broken), sleep=lambda _s: None,
                          clock=lambda: now)  # fmt: skip
    assert claims(sessions, workspace.org.id) == {"usps": None, "ups": None, "dhl": None}
    assert counts(sessions, workspace.org.id) == {"shipments": 6, "events": 0, "states": 0,
                                                  "dead": 0}  # fmt: skip
    again = run(sessions, workspace, box, Carriers(now), now)
    assert again.polled == 5  # every parcel still due: nothing was marked polled


def test_a_claim_left_by_a_dead_worker_holds_until_it_lapses(sessions, workspace, box):
    now = datetime.now(UTC)
    with unit_of_work(sessions) as s:
        s.execute(update(CarrierAccount).values(polling_until=now + CLAIM))
    held = run(sessions, workspace, box, Carriers(now), now + timedelta(minutes=5))
    assert held.busy == ["usps", "ups", "dhl"] and held.polled == 0
    assert counts(sessions, workspace.org.id)["states"] == 0
    later = run(sessions, workspace, box, Carriers(now), now + CLAIM + timedelta(seconds=1))
    assert later.busy == [] and later.polled == 5


def test_sandbox_accounts_are_asked_at_the_carriers_test_base_urls(sessions, tenant, box):
    oauth = {"client_id": "id-123456789", "client_secret": "secret-123456789"}
    with unit_of_work(sessions) as s:
        for carrier in ("usps", "ups", "fedex"):
            add_carrier_account(s, tenant.principal, box, carrier, carrier, oauth, "sandbox")
        add_carrier_account(s, tenant.principal, box, "dhl", "dhl", {"api_key": "k" * 12},
                            "sandbox")  # fmt: skip
        register_shipments(s, tenant.principal, [
            ShipmentCreate(tracking_number=USPS_DELIVERED, carrier="usps"),
            ShipmentCreate(tracking_number="1ZA1B2C30312345673", carrier="ups"),
            ShipmentCreate(tracking_number="794600000000", carrier="fedex"),
            ShipmentCreate(tracking_number=DHL, carrier="dhl_parcel"),
        ])  # fmt: skip
    hosts: set[str] = set()

    def answer(request: httpx.Request) -> httpx.Response:
        hosts.add(request.url.host)
        if "oauth" in request.url.path or "token" in request.url.path:
            return httpx.Response(200, json={"access_token": "t", "expires_in": 3600})
        return httpx.Response(404, json={"title": "No shipment found"})

    now = datetime.now(UTC)
    with unit_of_work(sessions) as s:
        report = poll_organisation(s, tenant.org.id, box, now=now,
                                   transport=httpx.MockTransport(answer),
                                   sleep=lambda _s: None, clock=lambda: now)  # fmt: skip
    assert report.polled == 4
    assert hosts == {"apis-tem.usps.com", "wwwcie.ups.com", "apis-sandbox.fedex.com",
                     "api-test.dhl.com"}  # fmt: skip


def test_a_poll_dead_letter_is_retried_with_the_fixed_parser(sessions, workspace, box, monkeypatch):
    now = datetime.now(UTC)
    run(sessions, workspace, box, Carriers(now), now)  # DHL answers what its parser refuses
    actor = system_principal(workspace.org.id)
    with unit_of_work(sessions) as s:
        dead = s.scalars(select(TrackingDeadLetter)).one()
        assert dead.source == "dhl_poll" and dead.headers["x-poll-number"] == DHL
        events_before = s.scalar(select(func.count()).select_from(TrackingEventRow))
        still = dead_letters.retry(s, actor, dead.id)
    assert still.error is not None and "yesterday" in still.error
    with unit_of_work(sessions) as s:
        kept = s.get(TrackingDeadLetter, dead.id)
        assert kept is not None and kept.state == "new" and kept.reason == still.error
        assert s.scalar(select(func.count()).select_from(TrackingEventRow)) == events_before
    fixed = {
        **poll_letters.POLL_PARSERS,
        "dhl": lambda raw: parse_dhl(raw.replace(b"yesterday", b"2026-12-01T10:00:00Z")),
    }
    monkeypatch.setattr(poll_letters, "POLL_PARSERS", fixed)  # fmt: skip
    with unit_of_work(sessions) as s:
        done = dead_letters.retry(s, actor, dead.id)
    assert done.error is None and done.events == 1
    with unit_of_work(sessions) as s:
        assert s.get(TrackingDeadLetter, dead.id).state == "retried"  # type: ignore[union-attr]
        parcel = s.scalars(select(Shipment).where(Shipment.tracking_number == DHL)).one()
        assert parcel.carrier == "dhl_parcel"  # its own carrier: no second shipment
        assert s.scalar(select(func.count()).select_from(Shipment)) == 6
        actions = s.scalars(select(AuditEntry.action).where(AuditEntry.entity_id == dead.id))
        assert list(actions) == ["tracking_dead_letter.retry"]


def test_a_poll_letter_kept_before_a_connector_fix_now_stores_its_events(sessions, workspace):
    actor = system_principal(workspace.org.id)
    with unit_of_work(sessions) as s:
        letter = dead_letter(
            s, workspace.org.id, source="usps_poll", body=body("usps_tracking_v3.json").decode(),
            headers={"x-poll-number": USPS_DELIVERED}, reason="then unreadable",
        )  # fmt: skip
        result = dead_letters.retry(s, actor, letter.id)
    assert result.error is None and result.events == 7
    with unit_of_work(sessions) as s:
        status = s.scalar(select(Shipment.status).where(Shipment.tracking_number == USPS_DELIVERED))
        assert status == "delivered"
        assert s.scalar(select(func.count()).select_from(PollState)) == 0  # poll state untouched


def test_a_poll_letter_for_a_number_the_workspace_does_not_follow_creates_nothing(sessions, tenant):
    actor = system_principal(tenant.org.id)
    with unit_of_work(sessions) as s:
        letter = dead_letter(s, tenant.org.id, source="usps_poll",
                             body=body("usps_tracking_v3.json").decode(), headers={},
                             reason="then unreadable")  # fmt: skip
        result = dead_letters.retry(s, actor, letter.id)
    assert result.error is None and result.events == 0
    with unit_of_work(sessions) as s:
        assert s.scalar(select(func.count()).select_from(Shipment)) == 0
