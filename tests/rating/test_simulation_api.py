"""/api/v1/routing/simulations: a policy replayed on past orders, stored with its result; big
ones run as the `routing.simulate` job a batch at a time."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from linkstar.db.outbox import JobContext, OutboxJob
from linkstar.db.uow import unit_of_work
from linkstar.rating import simulation_runs, simulation_tasks
from linkstar.rating.models import RoutingDecision
from linkstar.rating.simulation_models import RoutingSimulation
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


def _count(sessions, model=RoutingDecision) -> int:  # type: ignore[no-untyped-def]
    with sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)))


def _jobs(sessions) -> list[OutboxJob]:  # type: ignore[no-untyped-def]
    with sessions() as s:
        stmt = select(OutboxJob).where(OutboxJob.name == "routing.simulate")
        return list(s.scalars(stmt.order_by(OutboxJob.created_at)))


def test_a_small_simulation_is_stored_done(owner, sessions):
    routed = owner.post("/routing/route", json={"parcels": example_rows()})
    assert routed.status_code == 200, routed.text
    r = owner.post("/routing/simulations", json={"body": FAST})
    assert r.status_code == 201, r.text
    sim = r.json()
    assert r.headers["location"] == f"/api/v1/routing/simulations/{sim['id']}"
    assert (sim["status"], sim["orders_total"], sim["orders_done"]) == ("done", 6, 6)
    assert (sim["policy_label"], sim["policy"], sim["error"]) == ("2-day only", FAST, None)
    data = sim["result"]
    total = data["total"]
    assert total["baseline"]["orders"] == total["candidate"]["orders"] == 6
    assert (total["baseline"]["held"], total["baseline"]["cost"]) == (5, {"USD": 1520})
    assert data["changed_service"] == 1
    assert [row["key"] for row in data["carriers"]] == ["westcoast", "(held)"]
    assert data["lanes"][0]["key"] == "US zone 2"
    delta = total["candidate"]["cost"]["USD"] - 1520
    assert total["cost_delta"] == {"USD": delta} and delta > 0
    later = owner.post("/routing/simulations", json={"body": FAST, "since": "2999-01-01"})
    assert later.json()["result"]["total"]["baseline"]["orders"] == 0
    assert owner.get(r.headers["location"].removeprefix("/api/v1")).json() == sim
    listed = owner.get("/routing/simulations").json()["items"]
    assert [s["id"] for s in listed] == [later.json()["id"], sim["id"]]
    assert _count(sessions) == 6 and _jobs(sessions) == []


def test_a_stored_policy_version_and_a_card_day_can_be_replayed(owner):
    owner.post("/routing/route", json={"parcels": example_rows()})
    policy = owner.post("/routing/policies", json={"body": FAST, "precedence": 5}).json()
    r = owner.post(
        "/routing/simulations", json={"policy_id": policy["id"], "cards_on": "2026-12-08"}
    )
    assert r.status_code == 201, r.text
    sim = r.json()
    assert (sim["policy_id"], sim["policy_label"], sim["cards_on"]) == (
        policy["id"], "2-day only v1", "2026-12-08",
    )  # fmt: skip
    assert sim["result"]["changed_service"] == 1
    both = owner.post("/routing/simulations", json={"policy_id": policy["id"], "body": FAST})
    assert_error(both, 422, "invalid_input")
    assert_error(owner.post("/routing/simulations", json={"policy_id": "0" * 32}), 404, "not_found")


def test_bad_policy_and_dates_are_422_and_store_nothing(owner, sessions):
    assert_error(
        owner.post("/routing/simulations", json={"body": {"filters": 3}}), 422, "policy_rejected"
    )
    r = owner.post("/routing/simulations", json={"body": FAST, "since": "yesterday"})
    assert r.status_code == 422
    assert_error(owner.post("/routing/simulations", json={}), 422, "invalid_input")
    assert _count(sessions, RoutingSimulation) == 0
    assert _count(sessions) == 0
    assert_error(owner.get("/routing/simulations/" + "0" * 32), 404, "not_found")


def test_a_big_simulation_runs_as_jobs_with_progress(owner, sessions, tenant, monkeypatch):
    owner.post("/routing/route", json={"parcels": example_rows()})
    monkeypatch.setattr(simulation_runs, "BATCH", 4)
    monkeypatch.setattr(owner.client.app.state.settings, "simulation_inline_orders", 2)
    r = owner.post("/routing/simulations", json={"body": FAST})
    assert r.status_code == 201, r.text
    sim = r.json()
    assert (sim["status"], sim["orders_done"], sim["orders_total"], sim["result"]) == (
        "queued", 0, 6, None,
    )  # fmt: skip
    url = f"/routing/simulations/{sim['id']}"
    progress = []
    for _ in range(4):
        pending = [j for j in _jobs(sessions) if j.status == "pending"]
        if not pending:
            break
        job = pending[0]
        ctx = JobContext(job.id, job.name, job.organisation_id, dict(job.payload))
        for _again in range(2):  # idempotent: a repeated job changes nothing
            with unit_of_work(sessions) as s:
                simulation_tasks.simulate(s, ctx)
                s.get(OutboxJob, job.id).status = "done"  # what the runner does
        now = owner.get(url).json()
        progress.append((now["status"], now["orders_done"]))
    assert progress == [("running", 4), ("done", 6)]
    done = owner.get(url).json()
    assert done["result"]["total"]["baseline"]["cost"] == {"USD": 1520}
    assert done["result"]["changed_service"] == 1  # the same as when run in one go
    assert [j.payload["offset"] for j in _jobs(sessions)] == [0, 4]


def test_a_job_that_keeps_failing_marks_the_simulation_failed(owner, sessions, monkeypatch):
    owner.post("/routing/route", json={"parcels": example_rows()})
    monkeypatch.setattr(owner.client.app.state.settings, "simulation_inline_orders", 0)
    sim = owner.post("/routing/simulations", json={"body": FAST}).json()

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(simulation_runs, "replay", broken)
    (job,) = _jobs(sessions)
    ctx = JobContext(job.id, job.name, job.organisation_id, dict(job.payload), attempt=1)
    with pytest.raises(RuntimeError), unit_of_work(sessions) as s:
        simulation_tasks.simulate(s, ctx)
    assert owner.get(f"/routing/simulations/{sim['id']}").json()["status"] == "queued"
    last = JobContext(job.id, job.name, job.organisation_id, dict(job.payload), attempt=3)
    with unit_of_work(sessions) as s:
        simulation_tasks.simulate(s, last)
    failed = owner.get(f"/routing/simulations/{sim['id']}").json()
    assert (failed["status"], failed["error"]) == ("failed", "RuntimeError: disk on fire")
