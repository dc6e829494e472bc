"""Correcting a shipment's carrier end to end (issue #6): events told in the old carrier's
vocabulary re-mapped and re-keyed, status folded again, lane id forgotten, exceptions moved
and settled, poll state dropped, a poll queued, and the re-fetch recognising the events."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, select

from linkstar.db.outbox import OutboxJob
from linkstar.db.uow import unit_of_work
from linkstar.kit.crypto import SecretBox
from linkstar.kit.errors import Conflict, InvalidInput, NotFound
from linkstar.tracking import lane_ids
from linkstar.tracking.carrier_accounts import POLL_JOB, add_carrier_account
from linkstar.tracking.carrier_correction import correct_carrier, known_carriers
from linkstar.tracking.carrier_polling import poll_organisation
from linkstar.tracking.connectors.ups import parse_ups
from linkstar.tracking.core.correction import read_as, recarried
from linkstar.tracking.core.events import event_from_raw
from linkstar.tracking.core.updates import TrackingUpdate
from linkstar.tracking.ingest import ingest
from linkstar.tracking.models import Shipment, TrackingEventRow, TrackingException
from linkstar.tracking.poll_models import PollState
from linkstar.workspace.models import AuditEntry
from tests.tracking.connectors.recorded import data

UPS = "1ZA1B2C30312345673"


def ups_answer(now: datetime) -> dict:
    """The recorded UPS answer (delivered), its scans moved into the last hours."""
    payload = copy.deepcopy(data("ups_track_delivered.json"))
    activity = payload["trackResponse"]["shipment"][0]["package"][0]["activity"]
    for hours, item in enumerate(activity, start=1):
        moment = now - timedelta(hours=hours)
        item["date"], item["time"] = moment.strftime("%Y%m%d"), moment.strftime("%H%M%S")
        item["gmtOffset"] = "+00:00"
    return payload


def fed_as_usps(now: datetime) -> TrackingUpdate:
    """What a seller's feed said before the delivery: UPS's own scans, named USPS, and one
    17TRACK event."""
    parsed = parse_ups(ups_answer(now)).updates[0]
    events = [replace(e, carrier="usps").renormalised() for e in parsed.events[1:]]  # no delivery
    aggregator = event_from_raw(
        carrier="usps", event_time=now - timedelta(days=2), raw_code="InTransit/InTransit_PickedUp",
        raw_description="Picked up", code_source="17track",
    )  # fmt: skip
    return TrackingUpdate(UPS, "usps", (*events, aggregator), "generic", "Priority Mail")


@pytest.fixture
def box() -> SecretBox:
    return SecretBox([Fernet.generate_key()])


@pytest.fixture
def wrong(sessions, tenant):
    """A UPS parcel stored as USPS: its UPS codes unmapped, an open `unmapped` exception, a
    poll state and a lane id from its USPS days. Returns (shipment id, now)."""
    now = datetime.now(UTC).replace(microsecond=0)
    with unit_of_work(sessions) as s:
        ingest(s, tenant.org.id, [fed_as_usps(now)])
        row = s.scalars(select(Shipment)).one()
        row.lane_id = 7
        s.add(TrackingException(organisation_id=tenant.org.id, shipment_id=row.id,
                                kind="unmapped", detail={}, carrier="usps"))  # fmt: skip
        s.add(PollState(organisation_id=tenant.org.id, id=row.id, last_polled_at=now,
                        last_outcome="not_found"))  # fmt: skip
        assert row.status == "in_transit" and row.unmapped_count == 6  # only 17TRACK mapped
        return row.id, now


def events_of(s, shipment_id: str) -> list[tuple[str, str | None, str]]:
    rows = s.scalars(select(TrackingEventRow).where(TrackingEventRow.shipment_id == shipment_id)
                     .order_by(TrackingEventRow.event_time))  # fmt: skip
    return [(r.carrier, r.code_source, r.status) for r in rows]


def test_correcting_remaps_refolds_settles_and_queues_a_poll(sessions, tenant, wrong, box):
    shipment_id, now = wrong
    with unit_of_work(sessions) as s:
        oauth = {"client_id": "id-123456789", "client_secret": "secret-123456789"}
        add_carrier_account(s, tenant.principal, box, "ups", "UPS", oauth)
    with unit_of_work(sessions) as s:
        done = correct_carrier(s, tenant.principal, shipment_id, " UPS ", now=now)
        assert (done.previous_carrier, done.events_remapped, done.events_merged) == ("usps", 6, 0)
        assert (done.exceptions_resolved, done.refetch) == (1, "queued")
        job_id = done.job_id
    with unit_of_work(sessions) as s:
        row = s.get(Shipment, shipment_id)
        assert (row.carrier, row.carrier_service, row.lane_id) == ("ups", None, None)
        assert (row.status, row.sub_status) == ("out_for_delivery", None)
        assert (row.event_count, row.unmapped_count, row.delivered_at) == (7, 0, None)
        assert row.last_event_at == now - timedelta(hours=2)
        assert row.first_scan_at == now - timedelta(days=2)  # the 17TRACK pick-up
        assert events_of(s, shipment_id) == [
            ("usps", "17track", "in_transit"), ("ups", None, "info_received"),
            ("ups", None, "in_transit"),
            ("ups", None, "in_transit"), ("ups", None, "in_transit"),
            ("ups", None, "failed_attempt"), ("ups", None, "out_for_delivery"),
        ]  # fmt: skip
        exception = s.scalars(select(TrackingException)).one()
        assert (exception.state, exception.carrier) == ("resolved", "ups")
        assert exception.resolved_by == tenant.principal.actor_id
        assert s.scalar(select(func.count()).select_from(PollState)) == 0
        job = s.get(OutboxJob, job_id)
        assert (job.name, job.organisation_id) == (POLL_JOB, tenant.org.id)
        entry = s.scalars(select(AuditEntry).where(
            AuditEntry.action == "shipment.correct_carrier")).one()  # fmt: skip
        assert entry.before["carrier"] == "usps" and entry.after["carrier"] == "ups"
        assert entry.after["events_remapped"] == 6
    # The re-fetch: UPS answers with the whole history; only the delivery is new.
    answer = ups_answer(now)

    def carrier(request: httpx.Request) -> httpx.Response:
        if "oauth" in request.url.path:
            return httpx.Response(200, json={"access_token": "t", "expires_in": 3600})
        return httpx.Response(200, json=answer)

    with unit_of_work(sessions) as s:
        run = poll_organisation(s, tenant.org.id, box, now=now, transport=httpx.MockTransport(
            carrier), sleep=lambda _s: None, clock=lambda: now)  # fmt: skip
        assert (run.polled, run.events_inserted) == (1, 1)
    with unit_of_work(sessions) as s:
        row = s.get(Shipment, shipment_id)
        assert (row.status, row.event_count) == ("delivered", 8)


def test_without_an_account_the_reply_says_so_and_nothing_is_queued(sessions, tenant, wrong):
    shipment_id, now = wrong
    with unit_of_work(sessions) as s:
        done = correct_carrier(s, tenant.principal, shipment_id, "ups", "Ground", now=now)
        assert (done.refetch, done.job_id) == ("no_carrier_account", None)
    with unit_of_work(sessions) as s:
        assert s.get(Shipment, shipment_id).carrier_service == "Ground"
        assert s.scalar(select(func.count()).select_from(OutboxJob)) == 0


def test_the_same_carrier_is_a_no_op(sessions, tenant, wrong):
    shipment_id, _now = wrong
    with unit_of_work(sessions) as s:
        done = correct_carrier(s, tenant.principal, shipment_id, "usps", "Priority Mail")
        assert (done.refetch, done.events_remapped, done.previous_carrier) == (
            "unchanged", 0, "usps")  # fmt: skip
    with unit_of_work(sessions) as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "shipment.correct_carrier")) == 0  # fmt: skip
        assert s.get(Shipment, shipment_id).lane_id == 7


def snapshot(s) -> tuple:
    ships = s.execute(select(Shipment.id, Shipment.carrier, Shipment.status, Shipment.lane_id)
                      .order_by(Shipment.id)).all()  # fmt: skip
    e = TrackingEventRow
    events = s.execute(select(e.fingerprint, e.carrier, e.status).order_by(e.id)).all()
    states = s.scalar(select(func.count()).select_from(PollState))
    audits = s.scalar(select(func.count()).select_from(AuditEntry))
    return ships, events, states, audits


def test_a_clash_an_unknown_carrier_and_another_org_write_nothing(
    sessions, tenant, make_tenant, wrong
):
    shipment_id, _now = wrong
    other = make_tenant("Other Org")
    with unit_of_work(sessions) as s:
        ingest(s, tenant.org.id, [TrackingUpdate(UPS, "ups", (), "api")])
        clash = s.scalar(select(Shipment.id).where(Shipment.carrier == "ups"))
        before = snapshot(s)
    with pytest.raises(Conflict) as refused, unit_of_work(sessions) as s:
        correct_carrier(s, tenant.principal, shipment_id, "ups")
    assert refused.value.details == {"shipment_id": clash} and clash in str(refused.value)
    with pytest.raises(InvalidInput, match="unknown carrier 'upz'"), unit_of_work(sessions) as s:
        correct_carrier(s, tenant.principal, shipment_id, "upz")
    with pytest.raises(NotFound), unit_of_work(sessions) as s:
        correct_carrier(s, other.principal, shipment_id, "fedex")
    with unit_of_work(sessions) as s:
        assert snapshot(s) == before


def test_a_rekeyed_event_that_repeats_a_stored_one_is_merged(sessions, tenant):
    now = datetime.now(UTC).replace(microsecond=0)
    scan = parse_ups(ups_answer(now)).updates[0].events[-1]
    with unit_of_work(sessions) as s:
        # The same scan reported once as USPS's and once as UPS's own.
        as_usps = replace(scan, carrier="usps").renormalised()
        ingest(s, tenant.org.id, [TrackingUpdate(UPS, "usps", (as_usps, scan), "api")])
        row = s.scalars(select(Shipment)).one()
        done = correct_carrier(s, tenant.principal, row.id, "ups", now=now)
        assert (done.events_remapped, done.events_merged) == (0, 1)
        assert events_of(s, row.id) == [("ups", None, "info_received")]
        assert (row.event_count, row.status) == (1, "info_received")


def test_known_carriers_are_builtin_and_the_workspaces(sessions, tenant):
    with unit_of_work(sessions) as s:
        ingest(s, tenant.org.id, [TrackingUpdate("SWS123", "swiftship", (), "api")])
        known = known_carriers(s, tenant.org.id)
        assert {"usps", "ups", "fedex", "dhl_express", "royal_mail", "yanwen"} <= set(known)
        assert "swiftship" not in known  # no rate card, no lane yet
        lane_ids.assign(s, tenant.org.id)
        assert "swiftship" in known_carriers(s, tenant.org.id)


def test_core_reads_old_vocabularies_and_recarries():
    assert read_as("usps", "usps") and read_as("dhl", "dhl_express")
    assert not read_as("17track", "usps") and not read_as("ups", "usps")
    assert not read_as("swiftship", "usps")
    event = event_from_raw(carrier="usps", event_time=datetime(2026, 1, 1, tzinfo=UTC),
                           raw_code="D/FS", raw_description="DELIVERED")  # fmt: skip
    assert event.status == "unmapped"
    moved = recarried(event, "ups")
    assert (moved.carrier, moved.code_source, moved.status, moved.rule_id) == (
        "ups", None, "delivered", "ups:delivered")  # fmt: skip
