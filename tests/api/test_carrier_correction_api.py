"""PATCH /shipments/{id}: correct a shipment's carrier (issue #6)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from linkstar.db.outbox import OutboxJob
from linkstar.db.uow import unit_of_work
from linkstar.tracking.carrier_accounts import POLL_JOB, add_carrier_account
from linkstar.tracking.core.events import event_from_raw
from linkstar.tracking.core.updates import TrackingUpdate
from linkstar.tracking.ingest import ingest
from linkstar.tracking.models import Shipment
from tests.api.conftest import assert_error

UPS = "1ZA1B2C30312345673"


def _wrong(api, tenant) -> str:  # type: ignore[no-untyped-def]
    """A UPS parcel stored as USPS, with two UPS scans (unmapped under USPS's table)."""
    now = datetime.now(UTC)
    events = tuple(
        event_from_raw(
            carrier="usps",
            event_time=now.replace(hour=h, minute=0),
            raw_code=code,
            raw_description=text,
        )
        for h, code, text in [
            (1, "I/OR", "Pickup Scan"),
            (2, "X/48", "The receiver was not available for delivery."),
        ]
    )
    with unit_of_work(api.sessions) as s:
        ingest(s, tenant.org.id, [TrackingUpdate(UPS, "usps", events, "api", "Priority Mail")])
        return s.scalars(select(Shipment.id)).one()


def test_correcting_returns_the_shipment_and_the_refetch(api, tenant):  # type: ignore[no-untyped-def]
    shipment_id = _wrong(api, tenant)
    caller = api.with_key(tenant)
    before = caller.get(f"/shipments/{shipment_id}").json()["shipment"]
    assert (before["carrier"], before["status"]) == ("usps", "unmapped")
    r = caller.patch(f"/shipments/{shipment_id}", json={"carrier": "ups", "service": "Ground"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["id"], body["carrier"], body["carrier_service"]) == (shipment_id, "ups", "Ground")
    assert (body["status"], body["sub_status"]) == ("failed_attempt", "recipient_unavailable")
    assert (body["previous_carrier"], body["events_remapped"], body["events_merged"]) == (
        "usps", 2, 0)  # fmt: skip
    assert (body["refetch"], body["job_id"], body["exceptions_resolved"]) == (
        "no_carrier_account", None, 0)  # fmt: skip
    timeline = caller.get(f"/shipments/{shipment_id}").json()["timeline"]
    assert [(e["carrier"], e["status"]) for e in timeline] == [
        ("ups", "in_transit"), ("ups", "failed_attempt")]  # fmt: skip
    again = caller.patch(f"/shipments/{shipment_id}", json={"carrier": "ups", "service": "Ground"})
    assert again.status_code == 200 and again.json()["refetch"] == "unchanged"


def test_with_an_account_a_poll_is_queued(api, tenant):  # type: ignore[no-untyped-def]
    shipment_id = _wrong(api, tenant)
    with unit_of_work(api.sessions) as s:
        oauth = {"client_id": "id-123456789", "client_secret": "secret-123456789"}
        add_carrier_account(s, tenant.principal, api.client.app.state.box, "ups", "UPS", oauth)
    r = api.with_key(tenant).patch(f"/shipments/{shipment_id}", json={"carrier": "UPS"})
    assert r.status_code == 200, r.text
    assert r.json()["refetch"] == "queued"
    with api.sessions() as s:
        job = s.get(OutboxJob, r.json()["job_id"])
        assert (job.name, job.organisation_id) == (POLL_JOB, tenant.org.id)


def test_refusals_write_nothing(api, tenant, make_tenant):  # type: ignore[no-untyped-def]
    shipment_id = _wrong(api, tenant)
    with unit_of_work(api.sessions) as s:
        ingest(s, tenant.org.id, [TrackingUpdate(UPS, "ups", (), "api")])
        clash = s.scalar(select(Shipment.id).where(Shipment.carrier == "ups"))
    caller = api.with_key(tenant)
    reader = api.with_key(tenant, ["tracking:read"])
    other = api.with_key(make_tenant("Other Org"))
    url = f"/shipments/{shipment_id}"
    before = api.counts(), api.snapshot(tenant.org.id)
    error = assert_error(caller.patch(url, json={"carrier": "ups"}), 409, "conflict")
    assert clash in error["message"] and error["details"] == {"shipment_id": clash}
    error = assert_error(caller.patch(url, json={"carrier": "upz"}), 422, "invalid_input")
    assert "unknown carrier 'upz'" in error["message"]
    assert_error(caller.patch(url, json={"carrier": ""}), 422, "invalid_input")
    assert_error(caller.patch(url, json={"service": "x"}), 422, "invalid_input")
    assert_error(reader.patch(url, json={"carrier": "fedex"}), 403, "permission_denied")
    assert_error(other.patch(url, json={"carrier": "fedex"}), 404, "not_found")
    assert_error(caller.patch("/shipments/nope", json={"carrier": "fedex"}), 404, "not_found")
    assert (api.counts(), api.snapshot(tenant.org.id)) == before


def test_the_detail_lists_aliases_and_registering_the_old_key_returns_the_shipment(  # type: ignore[no-untyped-def]
    api, tenant, make_tenant
):
    shipment_id = _wrong(api, tenant)
    caller = api.with_key(tenant)
    assert caller.get(f"/shipments/{shipment_id}").json()["aliases"] == []
    assert caller.patch(f"/shipments/{shipment_id}", json={"carrier": "ups"}).status_code == 200
    detail = caller.get(f"/shipments/{shipment_id}").json()
    assert detail["aliases"] == [{"carrier": "usps", "tracking_number": UPS}]
    again = caller.post("/shipments", json={"tracking_number": UPS, "carrier": "usps",
                                            "order_ref": "A-1"})  # fmt: skip
    assert again.status_code == 201, again.text
    assert (again.json()["id"], again.json()["carrier"], again.json()["order_ref"]) == (
        shipment_id, "ups", "A-1")  # fmt: skip
    # Another workspace registering the same key gets its own shipment, and no aliases.
    other = api.with_key(make_tenant("Other Org"))
    theirs = other.post("/shipments", json={"tracking_number": UPS, "carrier": "usps"})
    assert theirs.status_code == 201 and theirs.json()["id"] != shipment_id
    assert theirs.json()["carrier"] == "usps"
    assert other.get(f"/shipments/{theirs.json()['id']}").json()["aliases"] == []
    assert_error(other.get(f"/shipments/{shipment_id}"), 404, "not_found")
