"""/api/v1 routing: FX table, policies, route, decisions, explain, suspensions, dry run."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from linkstar.rating.models import FxRateRow, RoutingDecision, RoutingPolicyVersion
from tests.api.conftest import Api, assert_error
from tests.rating.routing_data import example_rows, good_row

POLICY = {
    "name": "express first",
    "filters": [{"id": "no-ground", "exclude_services": ["WCP-GND"]}],
}


@pytest.fixture
def api(client, sessions) -> Api:
    return Api(client, sessions)


@pytest.fixture
def owner(api, tenant):
    api.rate_card(tenant)
    return api.with_key(tenant)


def _count(sessions, model) -> int:
    with sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)))


def test_route_list_read_and_explain(owner, sessions):
    r = owner.post("/routing/route", json={"parcels": example_rows()})
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [d["status"] for d in items] == ["assigned", "held", "held", "held", "held", "held"]
    first = items[0]
    assert (first["chosen_service_id"], first["price"], first["currency"]) == (
        "WCP-GND",
        1520,
        "USD",
    )
    ground = next(c for c in first["candidates"] if c["service_id"] == "WCP-GND")
    assert [line["code"] for line in ground["lines"]] == ["base", "residential", "peak", "fuel"]
    assert items[4]["reasons"] == ["unknown_dest_country", "invalid_weight_g"]
    listed = owner.get("/routing/decisions", params={"status": "held"}).json()["items"]
    assert len(listed) == 5
    one = owner.get(f"/routing/decisions/{first['id']}")
    assert one.status_code == 200 and one.json() == first
    assert owner.get("/routing/explain/AMZ-1001").json()["id"] == first["id"]
    assert_error(owner.get("/routing/explain/NOPE"), 404, "not_found")
    assert _count(sessions, RoutingDecision) == 6


def test_policies_versions_and_dry_run(owner, sessions):
    r = owner.post("/routing/policies", json={"body": POLICY, "precedence": 5})
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    v2 = owner.post(f"/routing/policies/{pid}/versions", json={"body": {**POLICY, "filters": []}})
    assert v2.status_code == 201 and v2.json()["version"] == 2 and v2.json()["precedence"] == 5
    assert [p["version"] for p in owner.get("/routing/policies").json()["items"]] == [2]
    versions = owner.get(f"/routing/policies/{pid}/versions").json()["items"]
    assert [p["version"] for p in versions] == [2, 1]
    dry = owner.post("/routing/policies/dry-run", json={"body": POLICY, "parcels": [good_row()]})
    assert dry.status_code == 200, dry.text
    (decision,) = dry.json()["items"]
    assert decision["id"] is None and decision["chosen_service_id"] == "WCP-2DAY"
    assert _count(sessions, RoutingDecision) == 0
    bad = owner.post("/routing/policies", json={"body": {"name": "x", "objective": {"mode": "?"}}})
    assert_error(bad, 422, "policy_rejected")
    assert bad.json()["error"]["details"]["errors"][0]["path"] == "$.objective.mode"
    assert _count(sessions, RoutingPolicyVersion) == 2


def test_fx_table_put_and_refused_whole(owner, sessions):
    table = {
        "base_currency": "USD",
        "rates": [{"currency": "GBP", "rate_to_base": "1.27", "effective_date": "2026-01-01"}],
    }
    r = owner.call("PUT", "/fx-rates", json=table)
    assert r.status_code == 200, r.text
    assert [x["currency"] for x in owner.get("/fx-rates").json()["items"]] == ["GBP"]
    bad = {**table, "rates": [*table["rates"], {**table["rates"][0], "rate_to_base": "abc"}]}
    assert_error(owner.call("PUT", "/fx-rates", json=bad), 422, "invalid_input")
    assert _count(sessions, FxRateRow) == 1


def test_suspend_reroute_resume(owner):
    owner.post("/routing/route", json={"parcels": [good_row("S-1")]})
    s = owner.post(
        "/routing/suspensions",
        json={"carrier": "westcoast", "service_id": "WCP-GND", "reason": "depot closed"},
    )
    assert s.status_code == 201, s.text
    assert s.json()["affected"] == ["S-1"]
    again = owner.post("/routing/reroute", json={"subject_refs": ["S-1"]}).json()["items"][0]
    assert (again["chosen_service_id"], again["fallback"]) == ("WCP-2DAY", True)
    sid = s.json()["suspension"]["id"]
    resumed = owner.post(f"/routing/suspensions/{sid}/resume")
    assert resumed.status_code == 200 and resumed.json()["resumed_at"]
    assert owner.get("/routing/suspensions").json()["items"][0]["resumed_by"]


def test_reading_key_cannot_route_and_nothing_is_written(api, tenant, sessions):
    api.rate_card(tenant)
    caller = api.with_key(tenant, ["routing:read"])
    refused = caller.post("/routing/route", json={"parcels": [good_row()]})
    assert_error(refused, 403, "permission_denied")
    assert caller.get("/routing/decisions").status_code == 200
    assert _count(sessions, RoutingDecision) == 0


def test_malformed_batches_are_422_and_write_nothing(owner, sessions):
    assert_error(owner.post("/routing/route", json={"parcels": []}), 422, "invalid_input")
    extra = owner.post("/routing/route", json={"parcels": [{**good_row(), "colour": "red"}]})
    assert extra.status_code == 422
    assert _count(sessions, RoutingDecision) == 0
