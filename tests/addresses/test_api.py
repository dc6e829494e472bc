"""/api/v1/addresses: checks, batches with holds, the policy and the review queue over HTTP."""

from __future__ import annotations

import pytest

from linkstar.workspace.core import Role
from tests.addresses.helpers import APO, BAD_ZIP, CONGRESS_AVE, DALLAS_78701, NEW_YROK, counts, jobs
from tests.api.conftest import Api, assert_error


@pytest.fixture
def api(client, sessions) -> Api:
    return Api(client, sessions)


@pytest.fixture
def owner(api, tenant):
    return api.with_key(tenant)


def test_check_one_returns_the_full_result(owner):
    r = owner.post("/addresses/check", json=NEW_YROK)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["id"] == "order-1003" and body["verdict"] == "corrected"
    assert body["original"]["city"] == "New Yrok"
    assert (body["normalised"]["city"], body["normalised"]["line1"]) == (
        "NEW YORK",
        "915 W 42ND ST",
    )
    assert [r["code"] for r in body["reasons"]] == ["city_corrected"]
    assert body["reasons"][0]["severity"] == "correction"
    assert body["suggestions"][0]["field"] == "city"
    assert body["suggestions"][0]["value"] == "NEW YORK"
    assert body["suggestions"][0]["applied"] is True
    diffs = {d["field"]: (d["original"], d["normalised"]) for d in body["differences"]}
    assert diffs["city"] == ("New Yrok", "NEW YORK")
    assert set(body) >= {"flags", "residential_confidence", "forwarder_score"}


def test_check_uses_the_stored_policy(owner):
    assert owner.post("/addresses/check", json=APO).json()["verdict"] == "valid"
    r = owner.call("PUT", "/addresses/policy", json={"block_military": True})
    assert r.status_code == 200, r.text
    assert (r.json()["version"], r.json()["policy"]["block_military"]) == (1, True)
    blocked = owner.post("/addresses/check", json=APO).json()
    assert blocked["verdict"] == "invalid"
    assert "military_blocked" in [x["code"] for x in blocked["reasons"]]
    shown = owner.get("/addresses/policy").json()
    assert shown["version"] == 1 and shown["policy"]["forwarder_hold_score"] == 60


def test_policy_default_and_rejection_with_paths(owner, sessions):
    shown = owner.get("/addresses/policy").json()
    assert (shown["version"], shown["set_by"]) == (0, None)
    assert shown["policy"]["hold_po_box_unless_postal"] is True
    before = counts(sessions)
    r = owner.call(
        "PUT",
        "/addresses/policy",
        json={"forwarder_hub_zips": ["1234"], "severity_overrides": {"po_box_held": "fatal"}},
    )
    error = assert_error(r, 422, "policy_rejected")
    assert error["details"]["errors"] == [
        {"path": "forwarder_hub_zips[0]", "reason": "'1234' is not a five-digit ZIP"},
        {
            "path": "severity_overrides",
            "reason": "severity_overrides maps reason codes to info|correction|review|invalid",
        },
    ]
    typed = owner.call("PUT", "/addresses/policy", json={"colour": "red", "block_military": 3})
    error = assert_error(typed, 422, "invalid_input")
    assert {d["field"] for d in error["details"]} == {"body.colour", "body.block_military"}
    assert_error(owner.call("PUT", "/addresses/policy", json=[1, 2]), 422, "invalid_input")
    assert counts(sessions) == before


def test_policy_put_needs_workspace_manage(api, tenant):
    operator = api.as_user(api.add_user(tenant, Role.operator))
    assert_error(operator.call("PUT", "/addresses/policy", json={}), 403, "permission_denied")
    assert operator.get("/addresses/policy").status_code == 200
    reader = api.with_key(tenant, ["inventory:read"])
    assert_error(reader.post("/addresses/check", json=APO), 403, "permission_denied")


def test_batch_with_hold_then_the_queue(owner, sessions):
    batch = [DALLAS_78701, CONGRESS_AVE, NEW_YROK, BAD_ZIP]
    r = owner.post("/addresses/check/batch", json={"addresses": batch, "hold": True})
    assert r.status_code == 200, r.text
    body = r.json()
    assert [x["verdict"] for x in body["results"]] == [
        "needs_review", "valid", "corrected", "invalid",
    ]  # fmt: skip
    assert [x["id"] for x in body["results"]] == [a["id"] for a in batch]
    assert body["counts"] == {"valid": 1, "corrected": 1, "needs_review": 1, "invalid": 1}
    review_id = body["results"][0]["review_id"]
    assert review_id and [x["review_id"] for x in body["results"][1:]] == [None, None, None]

    pending = owner.get("/addresses/reviews", params={"state": "pending"}).json()["items"]
    assert [p["id"] for p in pending] == [review_id]
    assert pending[0]["subject_type"] == "api" and pending[0]["subject_ref"] == "order-1001"
    assert owner.get("/addresses/reviews", params={"state": "approved"}).json()["items"] == []
    assert_error(owner.get("/addresses/reviews", params={"state": "lost"}), 422, "invalid_input")

    r = owner.post(
        f"/addresses/reviews/{review_id}/edit",
        json={"address": {**DALLAS_78701, "city": "Austin"}, "comment": "buyer confirmed"},
    )
    assert r.status_code == 200, r.text
    done = r.json()
    assert (done["state"], done["comment"]) == ("edited", "buyer confirmed")
    assert done["final_address"]["city"] == "AUSTIN"
    assert owner.get(f"/addresses/reviews/{review_id}").json()["state"] == "edited"
    assert_error(owner.post(f"/addresses/reviews/{review_id}/approve", json={}), 409, "conflict")
    assert [j["decision"] for j in jobs(sessions, "addresses.review_decided")] == ["edit"]


def test_approve_and_reject_with_an_empty_or_commented_body(owner):
    body = {"addresses": [DALLAS_78701, {**DALLAS_78701, "id": "order-2"}], "hold": True}
    ids = [
        x["review_id"] for x in owner.post("/addresses/check/batch", json=body).json()["results"]
    ]
    assert_error(owner.post(f"/addresses/reviews/{ids[0]}/approve"), 422, "invalid_input")
    approved = owner.post(f"/addresses/reviews/{ids[0]}/approve", json={})
    assert approved.status_code == 200, approved.text
    assert approved.json()["final_address"]["city"] == "DALLAS"
    rejected = owner.post(f"/addresses/reviews/{ids[1]}/reject", json={"comment": "no"})
    assert (rejected.json()["state"], rejected.json()["final_address"]) == ("rejected", None)


def test_edit_to_invalid_is_a_422_with_reasons(owner, sessions):
    body = {"addresses": [DALLAS_78701], "hold": True}
    review_id = owner.post("/addresses/check/batch", json=body).json()["results"][0]["review_id"]
    before = counts(sessions)
    r = owner.post(f"/addresses/reviews/{review_id}/edit", json={"address": BAD_ZIP})
    error = assert_error(r, 422, "invalid_input")
    assert [x["code"] for x in error["details"]["reasons"]] == ["postcode_format"]
    assert counts(sessions) == before


def test_oversize_and_malformed_batches(owner, sessions):
    before = counts(sessions)
    r = owner.post("/addresses/check/batch", json={"addresses": [CONGRESS_AVE] * 1001})
    error = assert_error(r, 422, "invalid_input")
    assert "1000" in str(error)
    assert_error(owner.post("/addresses/check/batch", json={"addresses": []}), 422, "invalid_input")
    huge = {"addresses": [{**CONGRESS_AVE, "line2": "x" * 1500}] * 1000}
    assert owner.post("/addresses/check/batch", json=huge).status_code == 413
    no_ids = {"addresses": [DALLAS_78701, DALLAS_78701], "hold": True}
    error = assert_error(owner.post("/addresses/check/batch", json=no_ids), 422, "invalid_input")
    assert error["details"] == {"field": "addresses[1].id"}
    assert counts(sessions) == before


def test_a_thousand_addresses_in_one_batch(owner):
    batch = [{**CONGRESS_AVE, "id": f"o{n}"} for n in range(1000)]
    r = owner.post("/addresses/check/batch", json={"addresses": batch})
    assert r.status_code == 200, r.text
    assert r.json()["counts"]["valid"] == 1000 and len(r.json()["results"]) == 1000


def test_wrong_json_types_are_422(owner):
    for body in ({"city": 5}, {"line1": None}, {"colour": "red"}, [CONGRESS_AVE], "text"):
        assert_error(owner.post("/addresses/check", json=body), 422, "invalid_input")
    r = owner.post(
        "/addresses/check", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert r.status_code in {400, 422}


def test_lone_surrogates_and_controls_get_a_verdict(owner):
    raw = b'{"line1": "\\ud800 Main St\\u0000", "city": "\\u202eAustin", "country": "US"}'
    r = owner.post("/addresses/check", content=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 200, r.text
    assert r.json()["verdict"] in {"needs_review", "invalid"}
    assert "\ud800" not in r.json()["original"]["line1"]


def test_viewer_reads_the_queue_but_cannot_decide(api, owner, tenant):
    body = {"addresses": [DALLAS_78701], "hold": True}
    review_id = owner.post("/addresses/check/batch", json=body).json()["results"][0]["review_id"]
    viewer = api.as_user(api.add_user(tenant, Role.viewer))
    assert viewer.get(f"/addresses/reviews/{review_id}").status_code == 200
    for action in ("approve", "reject"):
        assert_error(
            viewer.post(f"/addresses/reviews/{review_id}/{action}", json={}),
            403,
            "permission_denied",
        )
    hold = viewer.post("/addresses/check/batch", json=body)
    assert_error(hold, 403, "permission_denied")
    assert viewer.post("/addresses/check/batch", json={"addresses": [APO]}).status_code == 200


def test_the_queue_pages_oldest_first(owner):
    batch = [{**DALLAS_78701, "id": f"order-{n}"} for n in range(5)]
    r = owner.post("/addresses/check/batch", json={"addresses": batch, "hold": True})
    opened = [x["review_id"] for x in r.json()["results"]]
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, "state": "pending", **({"cursor": cursor} if cursor else {})}
        page = owner.get("/addresses/reviews", params=params).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(opened) and len(seen) == 5
    assert_error(owner.get("/addresses/reviews", params={"cursor": "forged"}), 422, "invalid_input")


def test_remote_areas_come_from_the_workspace_cards(api, tenant, owner):
    alpine = {"line1": "12 Main St", "city": "Bishop", "state": "CA", "postcode": "93514"}
    alpine["country"] = "US"
    before = owner.post("/addresses/check", json=alpine).json()
    assert before["remote_areas"] == []  # no rate card yet
    api.rate_card(tenant)
    after = owner.post("/addresses/check", json=alpine).json()
    assert after["remote_areas"] == [
        {
            "carrier": "westcoast",
            "service_id": None,
            "kind": "remote",
            "amount": 385,
            "currency": "USD",
        }
    ]
    city = owner.post("/addresses/check", json={**alpine, "postcode": "90012"}).json()
    assert city["remote_areas"] == []
    batch = owner.post("/addresses/check/batch", json={"addresses": [alpine]}).json()
    assert [a["kind"] for a in batch["results"][0]["remote_areas"]] == ["remote"]
