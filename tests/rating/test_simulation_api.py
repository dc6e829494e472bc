"""POST /api/v1/routing/simulations: a policy replayed on past orders, nothing stored."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from linkstar.rating.models import RoutingDecision
from tests.api.conftest import Api, assert_error
from tests.rating.routing_data import example_rows

FAST = {"name": "2-day only", "filters": [{"id": "2day", "only_services": ["WCP-2DAY"]}]}


@pytest.fixture
def api(client, sessions) -> Api:
    return Api(client, sessions)


@pytest.fixture
def owner(api, tenant):
    api.rate_card(tenant)
    return api.with_key(tenant)


def _count(sessions) -> int:
    with sessions() as s:
        return int(s.scalar(select(func.count()).select_from(RoutingDecision)))


def test_simulation_compares_per_carrier_and_lane(owner, sessions):
    routed = owner.post("/routing/route", json={"parcels": example_rows()})
    assert routed.status_code == 200, routed.text
    r = owner.post("/routing/simulations", json={"body": FAST})
    assert r.status_code == 200, r.text
    data = r.json()
    total = data["total"]
    assert total["baseline"]["orders"] == total["candidate"]["orders"] == 6
    assert (total["baseline"]["held"], total["baseline"]["cost"]) == (5, {"USD": 1520})
    assert data["changed_service"] == 1
    assert [row["key"] for row in data["carriers"]] == ["westcoast", "(held)"]
    assert data["lanes"][0]["key"] == "US zone 2"
    delta = total["candidate"]["cost"]["USD"] - 1520
    assert total["cost_delta"] == {"USD": delta} and delta > 0
    later = owner.post("/routing/simulations", json={"body": FAST, "since": "2999-01-01"})
    assert later.json()["total"]["baseline"]["orders"] == 0
    assert _count(sessions) == 6


def test_bad_policy_and_dates_are_422(owner, sessions):
    assert_error(
        owner.post("/routing/simulations", json={"body": {"filters": 3}}), 422, "policy_rejected"
    )
    r = owner.post("/routing/simulations", json={"body": FAST, "since": "yesterday"})
    assert r.status_code == 422
    assert _count(sessions) == 0
