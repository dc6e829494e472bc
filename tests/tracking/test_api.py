"""/api/v1 tracking routes through the HTTP client."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from linkstar.tracking.models import Shipment, TrackingEventRow, TrackingException, TrackingRuleSet
from linkstar.workspace.core import Role
from linkstar.workspace.models import User
from tests.api.conftest import Api, assert_error
from tests.tracking.factories import impb, ups
from tests.tracking.store import seed

EVENTS = {
    "updates": [
        {
            "tracking_number": "9400111899223100000077",
            "carrier": "usps",
            "source": "generic",
            "events": [
                {
                    "event_time": "2026-11-03T10:00:00Z",
                    "raw_code": "03",
                    "raw_description": "USPS picked up item",
                    "city": "Ontario",
                    "state": "CA",
                    "country": "US",
                },
                {
                    "event_time": "2026-11-05T16:30:00-05:00",
                    "raw_code": "01",
                    "raw_description": "Delivered, In/At Mailbox",
                    "city": "Edison",
                    "state": "NJ",
                    "country": "US",
                },
                {
                    "event_time": "2026-11-04T08:00:00Z",
                    "raw_code": "10",
                    "raw_description": "Processed Through USPS Facility",
                    "country": "US",
                },
            ],
        },
        {"tracking_number": "NOTHING", "source": "generic", "events": []},
    ]
}


@pytest.fixture
def api(client, sessions) -> Api:
    return Api(client, sessions)


@pytest.fixture
def owner(api, tenant):
    return api.with_key(tenant)


def test_ingest_then_list_filter_and_read_the_timeline(owner, sessions):
    r = owner.post("/tracking/events", json=EVENTS)
    assert r.status_code == 200, r.text
    assert r.json() == {
        "updates": 2,
        "shipments_created": 1,
        "shipments_touched": 1,
        "events_received": 3,
        "events_inserted": 3,
        "duplicates": 0,
        "unmapped": 0,
        "rejected": [
            {
                "tracking_number": "NOTHING",
                "source": "generic",
                "reason": "tracking number NOTHING was not recognised as any carrier's; "
                "give `carrier`",
            }
        ],
    }
    again = owner.post("/tracking/events", json=EVENTS).json()
    assert (again["events_inserted"], again["duplicates"]) == (0, 3)
    listed = owner.get("/shipments", params={"status": "delivered"}).json()["items"]
    assert [s["tracking_number"] for s in listed] == ["9400111899223100000077"]
    assert owner.get("/shipments", params={"status": "in_transit"}).json()["items"] == []
    assert len(owner.get("/shipments", params={"q": "9400 1118"}).json()["items"]) == 1
    detail = owner.get(f"/shipments/{listed[0]['id']}").json()
    assert detail["shipment"]["delivered_at"] == "2026-11-05T21:30:00Z"
    timeline = detail["timeline"]
    assert [(e["raw_code"], e["status"], e["sub_status"]) for e in timeline] == [
        ("03", "in_transit", "picked_up"),
        ("10", "in_transit", "processed_at_facility"),
        ("01", "delivered", None),
    ]
    assert timeline[0]["raw_description"] == "USPS picked up item"
    assert timeline[0]["city"] == "Ontario" and timeline[0]["rule_id"] == "usps:03"


def test_register_with_detection_and_bad_input(owner, sessions):
    number = ups("1Y2345", "03", "1234567")
    r = owner.post(
        "/shipments",
        json={
            "tracking_number": number,
            "dest_country": "US",
            "dest_postcode": "10001",
            "order_ref": "AMZ-1",
        },
    )
    assert r.status_code == 201, r.text
    assert (r.json()["carrier"], r.json()["status"], r.json()["order_ref"]) == (
        "ups",
        "pending",
        "AMZ-1",
    )
    again = owner.post("/shipments", json={"tracking_number": number, "order_ref": "AMZ-2"})
    assert again.json()["id"] == r.json()["id"] and again.json()["order_ref"] == "AMZ-2"
    bad = owner.post("/shipments", json={"tracking_number": "HELLO"})
    body = assert_error(bad, 422, "invalid_input")
    assert body["details"]["errors"][0]["reason"].startswith("carrier not given")
    assert_error(
        owner.post("/shipments", json={"tracking_number": "X", "dest_country": "usa"}),
        422,
        "invalid_input",
    )
    assert_error(owner.get("/shipments", params={"status": "lost"}), 422, "invalid_input")
    markup = owner.post("/shipments", json={"tracking_number": "<script>", "carrier": "usps"})
    assert "tracking_number" in str(assert_error(markup, 422, "invalid_input")["details"])
    nowhere = owner.post(
        "/shipments",
        json={"tracking_number": "LS000000001", "carrier": "usps", "dest_country": "ZZ"},
    )
    assert "ZZ is not an ISO 3166 country code" in str(
        assert_error(nowhere, 422, "invalid_input")["details"]
    )
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Shipment)) == 1


def test_detect_exceptions_bulk_actions_rules_and_stats(api, owner, tenant, sessions):
    ids = seed(sessions, tenant, box=api.client.app.state.box)
    number = impb("940011189922310000001")
    found = owner.get("/tracking/detect", params={"number": number}).json()
    assert found["candidates"][0]["carrier"] == "usps"
    queue = owner.get("/tracking/exceptions", params={"state": "open"}).json()["items"]
    assert [(x["kind"], x["shipment_id"]) for x in queue] == [
        ("failed_attempt", ids["shipment_id"])
    ]
    r = owner.post(
        "/tracking/exceptions/actions",
        json={"ids": [ids["exception_id"], "0" * 32], "action": "acknowledge"},
    )
    assert r.json() == {"changed": 1, "skipped": [{"id": "0" * 32, "reason": "not found"}]}
    r = owner.post(
        "/tracking/exceptions/actions", json={"ids": [ids["exception_id"]], "action": "acknowledge"}
    )
    assert r.json()["skipped"] == [{"id": ids["exception_id"], "reason": "already acknowledged"}]
    r = owner.post(
        "/tracking/exceptions/actions", json={"ids": [ids["exception_id"]], "action": "resolve"}
    )
    assert r.json()["changed"] == 1
    assert owner.get("/tracking/exceptions", params={"state": "open"}).json()["items"] == []
    # Rules: defaults, then a validated replacement; a bad one stores nothing.
    assert owner.get("/tracking/rules").json()["stalled_floor_business_hours"] == 48
    bad = owner.call("PUT", "/tracking/rules", json={"lost_days": 0, "colour": "red"})
    details = assert_error(bad, 422, "invalid_input")["details"]["errors"]
    assert {d["field"] for d in details} == {"lost_days", "colour"}
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(TrackingRuleSet)) == 0
    ok = owner.call("PUT", "/tracking/rules", json={"lost_days": 10, "customs_hold_hours": 24})
    assert ok.status_code == 200 and ok.json()["lost_days"] == 10
    assert owner.get("/tracking/rules").json()["customs_hold_hours"] == 24
    lanes = owner.get("/tracking/stats").json()["items"]
    assert [(x["carrier"], x["postcode_prefix"], x["p90_days"]) for x in lanes] == [
        ("usps", "802", 4.5)
    ]
    swept = owner.post("/tracking/sweep").json()
    assert swept["shipments_checked"] == 1


def test_alert_targets_are_encrypted_and_masked(api, owner, sessions):
    r = owner.post(
        "/tracking/notification-targets",
        json={"name": "Ops", "url": "json://hooks.example.com/linkstar-secret-path"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["url_masked"].endswith("path") and "secret" not in r.json()["url_masked"]
    assert "linkstar-secret-path" not in str(api.snapshot(api_org(owner, api)))
    bad = owner.post("/tracking/notification-targets", json={"name": "x", "url": "nonsense"})
    assert_error(bad, 422, "invalid_input")


def api_org(owner, api) -> str:
    return owner.get("/organisation").json()["id"]


def test_viewers_read_but_do_not_write(api, tenant):
    viewer = api.as_user(api.add_user(tenant, Role.viewer))
    assert viewer.get("/shipments").status_code == 200
    assert_error(viewer.post("/tracking/events", json=EVENTS), 403, "permission_denied")
    assert_error(viewer.post("/tracking/sweep"), 403, "permission_denied")
    with api.sessions() as s:
        assert s.scalar(select(func.count()).select_from(TrackingEventRow)) == 0


def test_in_flight_shipment_gets_an_eta_from_its_lane(api, owner, tenant, sessions):
    ids = seed(sessions, tenant, box=api.client.app.state.box)
    assert owner.get(f"/shipments/{ids['shipment_id']}").json()["eta"] is None  # no lane yet
    owner.post(
        "/shipments",
        json={
            "tracking_number": ids["tracking_number"],
            "carrier": "usps",
            "carrier_service": "Ground",
            "dest_country": "US",
            "dest_postcode": "80202",
        },
    )
    eta = owner.get(f"/shipments/{ids['shipment_id']}").json()["eta"]
    # First scan 2026-11-02 09:00 UTC + the lane's p50 3.0 d and p90 4.5 d.
    assert eta == {
        "p50": "2026-11-05T09:00:00Z",
        "p90": "2026-11-06T21:00:00Z",
        "confidence": 0.8,
        "basis": "lane",
    }


def _owner_of(sessions, exception_id):
    with sessions() as s:
        return s.get(TrackingException, exception_id).owner_user_id


def test_assign_needs_an_active_user_of_the_workspace(api, owner, tenant, make_tenant, sessions):
    ids = seed(sessions, tenant, box=api.client.app.state.box)
    other = make_tenant("Other Org")
    for stranger in ("nobody-at-all", other.owner.id):
        r = owner.post(
            "/tracking/exceptions/actions",
            json={"ids": [ids["exception_id"]], "action": "assign", "owner_user_id": stranger},
        )
        body = assert_error(r, 422, "invalid_input")
        assert body["message"] == f"no active user {stranger!r} in this workspace"
        assert body["details"] == {"field": "owner_user_id"}
        assert _owner_of(sessions, ids["exception_id"]) is None  # nothing written
    with sessions.begin() as s:
        s.get(User, tenant.owner.id).is_active = False
    r = owner.post(
        "/tracking/exceptions/actions",
        json={"ids": [ids["exception_id"]], "action": "assign", "owner_user_id": tenant.owner.id},
    )
    assert_error(r, 422, "invalid_input")
    with sessions.begin() as s:
        s.get(User, tenant.owner.id).is_active = True
    r = owner.post(
        "/tracking/exceptions/actions",
        json={"ids": [ids["exception_id"]], "action": "assign", "owner_user_id": tenant.owner.id},
    )
    assert r.json() == {"changed": 1, "skipped": []}
    assert _owner_of(sessions, ids["exception_id"]) == tenant.owner.id


def test_rules_name_only_active_users_as_owners(owner, tenant, make_tenant, sessions):
    other = make_tenant("Other Org")
    bad = owner.call(
        "PUT",
        "/tracking/rules",
        json={"owners": {"late": "nobody", "lost": tenant.owner.id},
              "default_owner_user_id": other.owner.id},
    )  # fmt: skip
    body = assert_error(bad, 422, "invalid_input")
    assert body["details"]["errors"] == [
        {"field": "owners.late", "reason": "no active user 'nobody' in this workspace"},
        {"field": "default_owner_user_id",
         "reason": f"no active user {other.owner.id!r} in this workspace"},
    ]  # fmt: skip
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(TrackingRuleSet)) == 0
    ok = owner.call("PUT", "/tracking/rules", json={"owners": {"lost": tenant.owner.id}})
    assert ok.status_code == 200 and ok.json()["owners"] == {"lost": tenant.owner.id}


def test_an_unknown_exception_kind_is_refused(api, owner, tenant, sessions):
    seed(sessions, tenant, box=api.client.app.state.box)
    r = owner.get("/tracking/exceptions", params={"kind": "bogus"})
    body = assert_error(r, 422, "invalid_input")
    assert body["message"] == "unknown kind 'bogus'" and body["details"] == {"field": "kind"}
    listed = owner.get("/tracking/exceptions", params={"kind": "failed_attempt"}).json()
    assert [x["kind"] for x in listed["items"]] == ["failed_attempt"]
