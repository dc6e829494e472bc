"""Routing in a workspace: FX, policy versions, decisions stored in bulk, suspensions, re-routes."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from linkstar.db.uow import unit_of_work
from linkstar.kit.errors import InvalidInput, NotFound, PermissionDenied
from linkstar.rating import fx_rates, routing, routing_policies, routing_setup, service
from linkstar.rating.models import (
    FxRateRow,
    RoutingDecision,
    RoutingPolicyVersion,
    RoutingSuspension,
    ServiceLaneStat,
)
from linkstar.rating.sheets import read_folder
from linkstar.workspace.core import Role, user_principal
from tests.rating.importing import EXAMPLE
from tests.rating.routing_data import example_rows, good_row

SHIP = date(2026, 12, 7)


def _count(sessions, model) -> int:
    with sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)))


@pytest.fixture
def carded(sessions, tenant):
    with unit_of_work(sessions) as s:
        service.import_workbook(s, tenant.principal, read_folder(EXAMPLE))
    return tenant


def test_route_stores_one_immutable_record_per_parcel(sessions, carded):
    actor = carded.principal
    with unit_of_work(sessions) as s:
        rows = routing.route(s, actor, example_rows(), SHIP)
        assert [r.subject_ref for r in rows] == [r["order_id"] for r in example_rows()]
        assert [r.status for r in rows] == ["assigned", "held", "held", "held", "held", "held"]
        first = rows[0]
        assert (first.chosen_carrier, first.chosen_service_id, first.price) == (
            "westcoast",
            "WCP-GND",
            1520,
        )
        assert first.policy_name == "built-in cheapest" and first.fallback is False
        assert first.inputs["dest_postcode"] == "90210"
        assert {c["service_id"] for c in first.candidates} == {"WCP-GND", "WCP-2DAY"}
        assert rows[3].reasons == ["invalid_dest_postcode"] and rows[3].candidates == []
    with unit_of_work(sessions) as s:
        assert routing.explain(s, actor, "AMZ-1001").price == 1520
        with pytest.raises(NotFound):
            routing.explain(s, actor, "nope")
    assert _count(sessions, RoutingDecision) == 6


def test_policy_versions_precedence_and_rejection_with_paths(sessions, carded):
    actor = carded.principal
    body = {"name": "express", "filters": [{"id": "no-ground", "exclude_services": ["WCP-GND"]}]}
    with unit_of_work(sessions) as s:
        first = routing_policies.create_policy(s, actor, body, 10, True)
        second = routing_policies.add_policy_version(
            s, actor, first.id, {**body, "objective": {"mode": "cheapest"}}, None, None
        )
        assert (second.version, second.precedence, second.enabled) == (2, 10, True)
        assert [p.version for p in routing_policies.policies(s, actor)] == [2]
        assert [p.version for p in routing_policies.policy_versions(s, actor, first.id)] == [2, 1]
        (decision,) = routing.route(s, actor, [good_row()], SHIP)
        assert (decision.policy_id, decision.policy_version) == (second.id, 2)
        assert decision.chosen_service_id == "WCP-2DAY"
        ground = next(c for c in decision.candidates if c["service_id"] == "WCP-GND")
        assert (ground["rejected_by"], ground["reasons"]) == ("no-ground", ["service_excluded"])
    with unit_of_work(sessions) as s, pytest.raises(routing_policies.PolicyRejected) as caught:
        routing_policies.create_policy(s, actor, {"name": "bad", "filters": [{"id": 3}]}, 1, True)
    paths = [e["path"] for e in caught.value.details["errors"]]
    assert paths == ["$.filters[0].id", "$.filters[0]"]
    assert _count(sessions, RoutingPolicyVersion) == 2


def test_dry_run_stores_nothing(sessions, carded):
    actor = carded.principal
    body = {"name": "try", "filters": [{"id": "cap", "max_price": 1000}]}
    with unit_of_work(sessions) as s:
        ((_, decision),) = routing.dry_run(s, actor, body, [good_row()], SHIP)
        assert decision.status == "held"
        assert decision.reasons == ("no_eligible_service", "over_max_price")
    assert _count(sessions, RoutingDecision) == 0


def test_fx_table_is_replaced_whole_and_a_bad_table_changes_nothing(sessions, carded):
    actor = carded.principal
    good = [
        {"currency": "GBP", "rate_to_base": "1.27", "effective_date": "2026-01-01"},
        {"currency": "EUR", "rate_to_base": "1.08", "effective_date": "2026-01-01"},
    ]
    with unit_of_work(sessions) as s:
        rows = fx_rates.set_fx_table(s, actor, "usd", good)
        assert [(r.currency, r.rate_to_base, r.base_currency) for r in rows] == [
            ("EUR", "1.08", "USD"),
            ("GBP", "1.27", "USD"),
        ]
        table = fx_rates.fx_table(s, actor.organisation_id)
        assert table.convert(10_000, "GBP", "EUR", SHIP) == 11_759
    bad = [*good, {"currency": "CAD", "rate_to_base": "-1", "effective_date": "2026-01-01"}]
    with unit_of_work(sessions) as s, pytest.raises(InvalidInput) as caught:
        fx_rates.set_fx_table(s, actor, "USD", bad)
    assert "row 4" in caught.value.message
    assert _count(sessions, FxRateRow) == 2


def test_suspension_reports_affected_orders_and_reroute_falls_back(sessions, carded):
    actor = carded.principal
    with unit_of_work(sessions) as s:
        routing.route(s, actor, [good_row("A-1"), good_row("A-2", dest_country="CA")], SHIP)
    with unit_of_work(sessions) as s:
        result = routing_setup.suspend(
            s, actor, carrier="westcoast", service_id="WCP-GND", reason="hub flooded"
        )
        assert result.affected == ["A-1"]
        (again,) = routing.reroute(s, actor, result.affected)
        assert (again.chosen_service_id, again.fallback) == ("WCP-2DAY", True)
        two_day = next(c for c in again.candidates if c["service_id"] == "WCP-GND")
        assert two_day["rejected_by"] == "suspension"
        routing_setup.resume(s, actor, result.suspension.id)
        with pytest.raises(InvalidInput):
            routing_setup.resume(s, actor, result.suspension.id)
    with unit_of_work(sessions) as s:
        (back,) = routing.route(s, actor, [good_row("A-1")], SHIP)
        assert (back.chosen_service_id, back.fallback) == ("WCP-GND", False)
        assert routing.explain(s, actor, "A-1").id == back.id
    assert _count(sessions, RoutingSuspension) == 1
    assert _count(sessions, RoutingDecision) == 4


def test_lane_stats_upsert_and_feed_the_decision(sessions, carded):
    actor = carded.principal
    row = {
        "service_id": "WCP-GND",
        "carrier": "westcoast",
        "origin": "LAX",
        "dest_country": "US",
        "postcode_prefix": "90",
        "n": 80,
        "delivered": 78,
        "on_time": 70,
        "transit_p50_days": 2.0,
        "transit_p90_days": 3.0,
    }
    with unit_of_work(sessions) as s:
        assert routing_setup.upsert_lane_stats(s, actor.organisation_id, [row]) == 1
        assert routing_setup.upsert_lane_stats(s, actor.organisation_id, [{**row, "n": 100}]) == 1
    assert _count(sessions, ServiceLaneStat) == 1
    with unit_of_work(sessions) as s:
        (decision,) = routing.route(s, actor, [good_row()], SHIP)
        ground = next(c for c in decision.candidates if c["service_id"] == "WCP-GND")
        # The example card declares priors for WCP-GND: success 98.8 %, p90 5 days.
        assert ground["success_rate"] == pytest.approx((78 + 20 * 0.988) / 120)
        assert ground["transit_p90_days"] == pytest.approx((100 * 3.0 + 20 * 5) / 120)


def test_viewers_read_but_cannot_route(sessions, carded):
    viewer = user_principal(carded.org.id, "u", "v@x.example", Role.viewer)
    with unit_of_work(sessions) as s:
        with pytest.raises(PermissionDenied):
            routing.route(s, viewer, [good_row()], SHIP)
        with pytest.raises(PermissionDenied):
            routing_setup.suspend(s, viewer, carrier="westcoast")
        assert routing_setup.suspensions(s, viewer) == []
