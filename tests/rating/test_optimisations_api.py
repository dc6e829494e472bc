"""/api/v1 capacities and optimised waves; the job for big waves; capacity CSV uploads."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from linkstar.db.outbox import JobContext, OutboxJob
from linkstar.db.uow import unit_of_work
from linkstar.rating import optimisations, optimise_tasks
from linkstar.rating.models import RoutingDecision
from linkstar.rating.optimise_models import OptimisationRun, RoutingCapacity
from linkstar.workspace.core import system_principal
from tests.api.conftest import Api, assert_error
from tests.rating.routing_data import good_row

DAY = "2026-12-07"


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


def test_capacities_crud(owner, sessions):
    r = owner.post(
        "/routing/capacities",
        json={"warehouse": "LAX", "service_id": "WCP-GND", "day": "Monday", "max_parcels": 3},
    )
    assert r.status_code == 201, r.text
    cap = r.json()
    assert (cap["kind"], cap["name"], cap["weekday"], cap["day_text"]) == (
        "service", "WCP-GND", 0, "mon",
    )  # fmt: skip
    again = owner.post(
        "/routing/capacities",
        json={"warehouse": "LAX", "service_id": "WCP-GND", "day": "mon", "max_parcels": 9},
    )
    assert_error(again, 409, "conflict")
    r = owner.call(
        "PUT",
        f"/routing/capacities/{cap['id']}",
        json={"carrier": "westcoast", "day": DAY, "max_parcels": 7},
    )
    assert r.status_code == 200, r.text
    assert (r.json()["kind"], r.json()["warehouse"], r.json()["day"]) == ("carrier", None, DAY)
    assert [c["id"] for c in owner.get("/routing/capacities").json()["items"]] == [cap["id"]]
    assert owner.get(f"/routing/capacities/{cap['id']}").json()["max_parcels"] == 7
    assert owner.delete(f"/routing/capacities/{cap['id']}").status_code == 204
    assert_error(owner.get(f"/routing/capacities/{cap['id']}"), 404, "not_found")
    assert _count(sessions, RoutingCapacity) == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"warehouse": "LAX", "service_id": "A", "carrier": "b", "max_parcels": 1}, "service_id"),
        ({"service_id": "WCP-GND", "max_parcels": 1}, "warehouse"),
        ({"carrier": "westcoast", "day": "someday", "max_parcels": 1}, "day"),
    ],
)
def test_bad_capacities_are_422_and_store_nothing(owner, sessions, body, field):
    r = owner.post("/routing/capacities", json=body)
    assert_error(r, 422, "invalid_input")
    assert field in [e["field"] for e in r.json()["error"]["details"]["errors"]]
    assert _count(sessions, RoutingCapacity) == 0


def test_a_small_wave_is_optimised_in_the_request(owner, sessions):
    owner.post("/routing/capacities",
               json={"warehouse": "LAX", "service_id": "WCP-GND", "max_parcels": 1})  # fmt: skip
    owner.post("/routing/capacities",
               json={"warehouse": "LAX", "service_id": "WCP-2DAY", "max_parcels": 1})  # fmt: skip
    parcels = [good_row("W-1"), good_row("W-2", priority="expedited"), good_row("W-3"),
               good_row("W-4", dest_country="XX")]  # fmt: skip
    body = {"warehouse": "LAX", "ship_date": DAY, "parcels": parcels, "baseline": "WCP-2DAY",
            "deferral_penalty": "10.00"}  # fmt: skip
    r = owner.post("/routing/optimisations", json=body)
    assert r.status_code == 201, r.text
    run = r.json()
    assert (run["status"], run["stage"], run["solver"], run["parcels"]) == (
        "done", "done", "min_cost_flow", 4,
    )  # fmt: skip
    assert (run["assigned"], run["deferred"], run["held"], run["unplaced_priority"]) == (2, 1, 1, 0)
    assert run["total"] == run["shipping"] + run["penalty"] and run["currency"] == "USD"
    assert run["cost_by_carrier"]["westcoast"]["parcels"] == 2
    assert run["baseline"] == "WCP-2DAY" and run["infeasibility"] is None
    assert owner.get(f"/routing/optimisations/{run['id']}").json() == run
    assert [x["id"] for x in owner.get("/routing/optimisations").json()["items"]] == [run["id"]]
    decisions = owner.get("/routing/decisions", params={"limit": 50}).json()["items"]
    by_ref = {d["subject_ref"]: d for d in decisions}
    assert by_ref["W-2"]["status"] == "assigned"  # priority: never the one deferred
    assert sorted(d["status"] for d in decisions) == ["assigned", "assigned", "deferred", "held"]
    deferred = next(d for d in decisions if d["status"] == "deferred")
    assert deferred["reasons"] == ["deferred_over_capacity"]
    assert deferred["chosen_service_id"] is None and deferred["candidates"]
    assert all(d["inputs"]["optimisation_id"] == run["id"] for d in decisions)


def test_infeasible_priorities_are_reported(owner):
    owner.post("/routing/capacities",
               json={"warehouse": "LAX", "carrier": "westcoast", "max_parcels": 1})  # fmt: skip
    parcels = [good_row(f"P-{i}", priority="urgent") for i in range(3)]
    r = owner.post("/routing/optimisations",
                   json={"warehouse": "LAX", "ship_date": DAY, "parcels": parcels})  # fmt: skip
    run = r.json()
    assert (run["assigned"], run["deferred"], run["unplaced_priority"]) == (1, 2, 2)
    assert run["infeasibility"] == {
        "unplaced_priority": 2,
        "priority": 3,
        "binding": [{"kind": "carrier", "name": "westcoast", "warehouse": "LAX",
                     "day": DAY, "capacity": 1}],
    }  # fmt: skip


def test_a_big_wave_runs_as_a_job(owner, sessions, tenant, monkeypatch):
    monkeypatch.setattr(optimisations, "INLINE_PARCELS", 1)
    parcels = [good_row("J-1"), good_row("J-2")]
    r = owner.post("/routing/optimisations",
                   json={"warehouse": "LAX", "ship_date": DAY, "parcels": parcels})  # fmt: skip
    assert r.status_code == 201, r.text
    assert (r.json()["status"], r.json()["stage"]) == ("queued", "queued")
    assert _count(sessions, RoutingDecision) == 0
    with sessions() as s:
        job = s.scalars(select(OutboxJob).where(OutboxJob.name == "routing.optimise_wave")).one()
        payload, org = dict(job.payload), job.organisation_id
    context = JobContext(job_id="j", name="routing.optimise_wave", organisation_id=org,
                         payload=payload)  # fmt: skip
    for _ in range(2):  # idempotent: the second run changes nothing
        with unit_of_work(sessions) as s:
            optimise_tasks.optimise_wave(s, context)
    run = owner.get(f"/routing/optimisations/{r.json()['id']}").json()
    assert (run["status"], run["assigned"]) == ("done", 2)
    assert _count(sessions, RoutingDecision) == 2


def test_a_wave_that_cannot_be_optimised_fails_with_the_reason(owner, sessions):
    body = {"warehouse": "LAX", "ship_date": DAY, "parcels": [good_row()], "baseline": "nobody"}
    run = owner.post("/routing/optimisations", json=body).json()
    assert (run["status"], run["error"]) == (
        "failed", "--baseline 'nobody' is neither a carrier nor a service",
    )  # fmt: skip
    assert _count(sessions, RoutingDecision) == 0
    bad = owner.post("/routing/optimisations", json={**body, "deferral_penalty": "-1"})
    assert_error(bad, 422, "invalid_input")
    assert _count(sessions, OptimisationRun) == 1


def test_a_capacity_file_with_a_bad_row_stores_nothing(sessions, tenant):
    actor = system_principal(tenant.org.id)
    rows = [
        {"warehouse": "LAX", "service_id": "WCP-GND", "day": "", "max_parcels": "4"},
        {"warehouse": "", "service_id": "WCP-GND", "day": "", "max_parcels": "4"},
        {"warehouse": "", "carrier": "westcoast", "day": "fri", "max_parcels": "x"},
        {"warehouse": "LAX", "service_id": "WCP-GND", "day": "", "max_parcels": "6"},
    ]
    with unit_of_work(sessions) as s, pytest.raises(optimisations.CapacitiesRejected) as caught:
        optimisations.import_capacities(s, actor, rows)
    assert caught.value.details["errors"] == [
        {"line": 3, "column": "warehouse", "reason": "a service capacity needs a warehouse"},
        {"line": 4, "column": "max_parcels", "reason": "a whole number 0 … 100,000,000"},
        {"line": 5, "column": "day", "reason": "the same capacity as line 2"},
    ]
    assert _count(sessions, RoutingCapacity) == 0
    with unit_of_work(sessions) as s:
        optimisations.import_capacities(s, actor, rows[:1])
    with unit_of_work(sessions) as s:
        again = optimisations.import_capacities(s, actor, rows[3:])  # replaces the stored one
        assert [r.max_parcels for r in again] == [6]
    with sessions() as s:
        stored = s.scalars(select(RoutingCapacity)).all()
        assert [(c.name, c.max_parcels, c.day) for c in stored] == [("WCP-GND", 6, None)]
    assert date(2026, 12, 7).weekday() == 0


def _upload(owner, text: str | bytes):  # type: ignore[no-untyped-def]
    data = text.encode() if isinstance(text, str) else text
    return owner.post("/routing/capacities/import", files={"file": ("caps.csv", data, "text/csv")})


def test_capacity_csv_upload_through_the_api(owner, sessions):
    good = (
        "warehouse,service_id,carrier,day,max_parcels\n"
        "LAX,WCP-GND,,mon,40\n"
        ",,westcoast,2026-12-07,100\n"
    )
    r = _upload(owner, good)
    assert r.status_code == 200, r.text
    assert [(c["kind"], c["name"], c["day_text"], c["max_parcels"]) for c in r.json()["items"]] == [
        ("service", "WCP-GND", "mon", 40), ("carrier", "westcoast", DAY, 100),
    ]  # fmt: skip
    bad = good.replace("40", "forty") + "LAX,,,,5\n"
    r = _upload(owner, bad)
    assert_error(r, 422, "capacities_rejected")
    assert r.json()["error"]["details"]["errors"] == [
        {"line": 2, "column": "max_parcels", "reason": "a whole number 0 … 100,000,000"},
        {"line": 4, "column": "service_id", "reason": "give exactly one of service_id or carrier"},
    ]
    header = _upload(owner, "warehouse,day\nLAX,mon\n")
    assert_error(header, 422, "capacities_rejected")
    assert header.json()["error"]["details"]["errors"][0]["column"] == "header"
    assert_error(_upload(owner, b"\xff\xfe,,"), 422, "capacities_rejected")
    assert_error(_upload(owner, "warehouse,service_id,carrier,day,max_parcels\n"), 422,
                 "capacities_rejected")  # fmt: skip
    no_file = owner.post("/routing/capacities/import", data={"x": "1"})
    assert no_file.status_code in (400, 422)
    with sessions() as s:  # the rejected files changed nothing
        stored = s.scalars(select(RoutingCapacity).order_by(RoutingCapacity.kind)).all()
        assert sorted(c.max_parcels for c in stored) == [40, 100]
